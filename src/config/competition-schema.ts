/**
 * The shape of competition.yaml as written (before services are instantiated for each team),
 * as zod schemas. The loader validates each section with these, and `write-json-schema.ts` turns
 * them into the JSON Schema shipped for editors, so the two cannot drift apart.
 *
 * Checks that need more than one value (duplicate names, pools a team lacks, templates, a check
 * type's options) are made by the loader once the sections have parsed.
 */
import { z } from 'zod'
import { describeValue } from './describe-value.ts'
import { DURATION_HINT, parseDuration } from './duration.ts'

/** Info keys and pool names: they appear in templates (`{info.KEY}`), so no dots or braces. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/
const NAME_RULE = 'must start with a letter or digit and hold only letters, digits, "-" and "_"'

/** Text; a number is taken as its text (`password: 1234`). */
const text = () => z.union([z.string(), z.number()], { error: 'must be text' }).transform((v) => String(v))

const nonEmptyText = () =>
  z
    .union([z.string(), z.number()], { error: 'must be text' })
    .transform((v) => String(v))
    .pipe(z.string().trim().min(1, 'must not be empty'))

/** A duration (`10s`, `2m`, `500ms`, `1m30s`, a number of seconds), parsed to milliseconds. */
export function duration(options: { positive: boolean }) {
  return z
    .union([z.number(), z.string()], { error: `must be a duration (${DURATION_HINT})` })
    .transform((value, ctx) => {
      const ms = parseDuration(value)
      if (ms === null) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(value)} is not a duration (${DURATION_HINT})`,
        })
        return z.NEVER
      }
      if (options.positive && ms === 0) {
        ctx.addIssue({ code: 'custom', message: 'must be longer than 0' })
        return z.NEVER
      }
      return ms
    })
    .meta({ description: `A duration: ${DURATION_HINT}.` })
}

const portRange = (issue: { input?: unknown }) => `port must be 1-65535, got ${String(issue.input)}`

/** A port number; the text form allows templates (`"80{num}"`), checked once instantiated. */
const port = z
  .union([
    z
      .int({ error: (issue) => `port must be a whole number 1-65535, got ${String(issue.input)}` })
      .min(1, { error: portRange })
      .max(65535, { error: portRange }),
    z.string(),
  ])
  .meta({ description: 'Port; the check type default when absent.' })

const points = z
  .number({ error: 'points must be a number' })
  .min(0, { error: (issue) => `points must not be negative, got ${String(issue.input)}` })
  .meta({ description: 'Points scored by a check that passes.' })

const visibility = z
  .strictObject({
    public: z.boolean().optional(),
    blue: z.boolean().optional(),
    green: z.boolean().optional(),
    red: z.boolean().optional(),
  })
  .meta({ description: 'Who sees the status: public, blue (its own team), green, red. White sees all.' })

const infoKey = z.string().regex(NAME_PATTERN, `info key ${NAME_RULE}`)
const poolName = z.string().regex(NAME_PATTERN, `pool name ${NAME_RULE}`)

/** `{username, password}`. */
export const credentials = z.strictObject({ username: nonEmptyText(), password: text() })

/** Service level agreement: `penalty` points each time `threshold` checks in a row fail. */
export const slaSchema = z.strictObject({
  threshold: z.int().min(1, 'threshold must be at least 1 (consecutive failed checks)'),
  penalty: z
    .number()
    .min(0, { error: (issue) => `penalty must not be negative, got ${String(issue.input)}` }),
})

/**
 * The keys a service, an override and (partly) `defaults` may set. Every key is optional here;
 * `name`, `type` and `host` are required once defaults and overrides are applied.
 */
export const serviceKeys = {
  type: z.string().trim().min(1, 'must not be empty').meta({ description: 'Check type short name.' }),
  host: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .meta({ description: 'Host name or address; templates.' }),
  port: port.optional(),
  url: z.string().optional().meta({ description: 'Path requested by the HTTP family (default "/").' }),
  timeout: duration({ positive: true }).optional(),
  points: points.optional(),
  username: text().optional(),
  password: text().optional(),
  credential_pool: poolName.optional().meta({ description: 'Credential pool drawn from for each check.' }),
  team_specific_info: infoKey
    .optional()
    .meta({ description: 'Team info entry ({username, password}) holding the credentials.' }),
  protocol: z.string().optional(),
  http_string: text().optional().meta({ description: 'Text the page must contain (HTTP family).' }),
  http_regex: z.string().optional().meta({ description: 'Regular expression the page must match.' }),
  external: z.boolean().optional().meta({ description: 'Scored by outside scripts, skipped by rounds.' }),
  visibility: visibility.optional(),
  sla: slaSchema
    .nullable()
    .optional()
    .meta({ description: "This service's SLA, over the top-level sla; null: no SLA for it." }),
  options: z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .meta({ description: 'Options of the check type (see `scanner types`).' }),
}

/** The keys of `overrides: { TEAM: {...} }`: any service key but `name` and `overrides`. */
export const overrideSchema = z.strictObject({
  ...serviceKeys,
  type: serviceKeys.type.optional(),
  host: serviceKeys.host.optional(),
})

/**
 * A service template, instantiated for every team. `type` is required and `host` is required
 * once `defaults` and `overrides` are applied. Defaults when absent (see `SERVICE_DEFAULTS`):
 * `port` the check type's `defaultPort`, `url` "/", `timeout` 10s, `points` 1, `external` false,
 * `visibility` public, blue and green true, red false, `sla` the top-level `sla` (`sla: null`: none).
 *
 * `overrides` change one team's service: any key but `name` and `overrides`. `options` and
 * `visibility` are merged key by key over the service's; the credential keys (`username`,
 * `password`, `credential_pool`, `team_specific_info`) are taken together from the most specific
 * level that sets any of them (override, then service, then `defaults`).
 */
export const serviceSchema = z.strictObject({
  name: z
    .string({ error: 'a service name must be text' })
    .trim()
    .min(1, 'must not be empty')
    .refine((name) => !name.includes('/'), 'a service name cannot contain "/" (the CLI writes TEAM/SERVICE)')
    .meta({ description: 'Service name, the same for every team.' }),
  ...serviceKeys,
  host: serviceKeys.host.optional(),
  overrides: z
    .record(z.string().regex(/^\d+$/, 'overrides are keyed by team number'), overrideSchema)
    .optional()
    .meta({ description: 'Per-team changes, by team number: { 3: { port: 5020 } }.' }),
})

/**
 * `defaults:` for every service: `timeout`, `points`, `host` (a template such as
 * `"10.0.{num}.10"`), `external`, `visibility` (merged flag by flag) and the credential keys
 * `credential_pool` / `team_specific_info`.
 */
export const defaultsSchema = z.strictObject({
  timeout: serviceKeys.timeout,
  points: serviceKeys.points,
  host: serviceKeys.host.optional(),
  external: serviceKeys.external,
  visibility: serviceKeys.visibility,
  credential_pool: serviceKeys.credential_pool,
  team_specific_info: serviceKeys.team_specific_info,
})

export const roundSchema = z.strictObject({
  interval: duration({ positive: true }).optional().meta({ description: 'Time between rounds (120s).' }),
  jitter: duration({ positive: false }).optional().meta({ description: 'Random +- added (15s).' }),
})

/** A pool entry: `"user:password"` (split at the first colon) or `{username, password}`. */
const poolEntry = z.union(
  [
    z.string().transform((entry, ctx) => {
      const colon = entry.indexOf(':')
      if (colon <= 0) {
        ctx.addIssue({
          code: 'custom',
          message:
            colon === 0
              ? 'the username before ":" is empty'
              : 'a pool entry is "user:password" or {username, password}',
        })
        return z.NEVER
      }
      return { username: entry.slice(0, colon), password: entry.slice(colon + 1) }
    }),
    credentials,
  ],
  { error: 'a pool entry is "user:password" or {username, password}' },
)

const infoValue = z
  .union([z.string(), z.number().transform(String), credentials], {
    error: 'a team info value is text, a number or {username, password}',
  })
  .meta({ description: 'Text, or credentials {username, password}.' })

export const teamSchema = z.strictObject({
  number: z
    .int({ error: (issue) => `a team number must be a whole number, got ${describeValue(issue.input)}` })
    .min(0, { error: (issue) => `a team number must not be negative, got ${String(issue.input)}` }),
  name: nonEmptyText().optional().meta({ description: 'Display name (default "Team N").' }),
  info: z.record(infoKey, infoValue).nullable().optional(),
  pools: z
    .record(poolName, z.array(poolEntry).nullable())
    .nullable()
    .optional()
    .meta({ description: 'Credential pools: lists of "user:password" or {username, password}.' }),
})

export const ROLES = ['white', 'green', 'red', 'blue'] as const

export const PLAIN_PASSWORD =
  'plain passwords are not kept in competition.yaml: run `scanner passwd` and put the hash it prints in password_hash'

export const userSchema = z
  .strictObject({
    name: nonEmptyText(),
    role: z.enum(ROLES),
    team: z.int({ error: 'team must be a team number' }).optional(),
    password_hash: z
      .string()
      .regex(/^scrypt\$\S+$/, 'password_hash must be a hash printed by `scanner passwd` ("scrypt$...")'),
    password: z.never({ error: PLAIN_PASSWORD }).optional(),
  })
  .superRefine((user, ctx) => {
    if (user.role === 'blue' && user.team === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['team'],
        message: 'a blue user needs team: the number of its team',
      })
    }
    if (user.role !== 'blue' && user.team !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['team'],
        message: `only blue users belong to a team, not ${user.role}`,
      })
    }
  })

/** The whole file. The loader parses it section by section (to go on past a broken part). */
export const competitionSchema = z.strictObject({
  name: nonEmptyText().meta({ description: 'Name of the competition.' }),
  defaults: defaultsSchema.optional(),
  round: roundSchema.optional(),
  teams: z.array(teamSchema).min(1, 'at least one team is needed'),
  services: z.array(serviceSchema).optional(),
  users: z.array(userSchema).optional(),
  sla: slaSchema.nullable().optional().meta({ description: 'Penalty after N consecutive failed checks.' }),
})

export type ServiceInput = z.output<typeof serviceSchema>
export type OverrideInput = z.output<typeof overrideSchema>
export type DefaultsInput = z.output<typeof defaultsSchema>
export type TeamInput = z.output<typeof teamSchema>
export type UserInput = z.output<typeof userSchema>
