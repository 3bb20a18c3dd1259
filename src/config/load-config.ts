/**
 * Loads competition.yaml (SPEC 4): reads and decodes the file, parses the YAML safely, validates
 * each section, instantiates the services for every team, and either returns the competition or
 * throws one `ConfigError` listing every problem with its file, line, column and key path.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { z } from 'zod'
import type { ServiceRegistry } from '../registry.ts'
import type { TeamData } from '../service.ts'
import type { Competition, UserSpec } from './competition.ts'
import {
  competitionSchema,
  defaultsSchema,
  roundSchema,
  serviceSchema,
  slaSchema,
  teamSchema,
  userSchema,
  type TeamInput,
} from './competition-schema.ts'
import { ConfigError } from './config-error.ts'
import { decodeUtf8 } from './decode-utf8.ts'
import { describeValue } from './describe-value.ts'
import { formatDuration } from './duration.ts'
import { ProblemList } from './problem-list.ts'
import { readYaml } from './read-yaml.ts'
import { ROUND_DEFAULTS } from './service-defaults.ts'
import { instantiateServices, unknownTypeMessage, type ServiceTemplate } from './service-instances.ts'
import type { KeyPath } from './yaml-positions.ts'
import { parseWith, unknownKey } from './zod-problems.ts'

/** Files larger than this are refused before they are read: a real competition.yaml is a few KiB. */
export const MAX_CONFIG_BYTES = 10 * 1024 * 1024

/**
 * Reads, validates and instantiates a competition.yaml. `file` is named as given in every message.
 *
 * @throws ConfigError (`code` `ERR_CONFIG`) listing every problem found.
 * @example
 * const competition = loadConfig('competition.yaml', registry)
 */
export function loadConfig(file: string, registry: ServiceRegistry): Competition {
  const decoded = decodeUtf8(readConfigBytes(file))
  if ('failure' in decoded) {
    const { line, col, message } = decoded.failure
    throw new ConfigError([{ file, line, col, path: '', message }])
  }
  return parseConfig(decoded.text, file, registry)
}

/** The bytes of a regular file of at most MAX_CONFIG_BYTES, its size checked before reading. */
function readConfigBytes(file: string): Buffer {
  const refuse = (message: string) => new ConfigError([{ file, line: 1, col: 1, path: '', message }])
  const reason = (err: unknown) => `cannot read the file: ${err instanceof Error ? err.message : String(err)}`
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (err) {
    throw refuse(reason(err))
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw refuse('not a regular file')
    if (stat.size > MAX_CONFIG_BYTES) throw refuse(tooLarge(stat.size))
    return readFileSync(fd)
  } catch (err) {
    throw err instanceof ConfigError ? err : refuse(reason(err))
  } finally {
    closeSync(fd)
  }
}

/**
 * Validates and instantiates the text of a competition.yaml; `file` names it in messages and in
 * `Competition.file` (made absolute).
 *
 * @throws ConfigError (`code` `ERR_CONFIG`) listing every problem found.
 */
export function parseConfig(text: string, file: string, registry: ServiceRegistry): Competition {
  const problems = new ProblemList(file)
  if (text.length > MAX_CONFIG_BYTES) {
    problems.addAt({ line: 1, col: 1 }, tooLarge(text.length))
    problems.throwIfAny()
  }
  const read = readYaml(text.replace(/^\uFEFF/, ''), problems)
  problems.throwIfAny()
  const top = (read?.data ?? {}) as Record<string, unknown>

  const shape = competitionSchema.shape
  const known = Object.keys(shape)
  for (const key of Object.keys(top)) {
    if (!known.includes(key)) problems.add([key], unknownKey(key, known), 'key')
  }
  for (const key of ['name', 'teams'] as const) {
    if (top[key] === undefined) problems.add([key], `missing required key "${key}"`)
  }

  const name = top.name === undefined ? undefined : parseWith(shape.name, top.name, ['name'], problems)
  const defaults = parseSection(defaultsSchema, top.defaults, ['defaults'], problems) ?? {}
  const round = parseSection(roundSchema, top.round, ['round'], problems) ?? {}
  const intervalMs = round.interval ?? ROUND_DEFAULTS.intervalMs
  const jitterMs = round.jitter ?? ROUND_DEFAULTS.jitterMs
  if (jitterMs >= intervalMs) {
    problems.add(
      round.jitter === undefined ? ['round', 'interval'] : ['round', 'jitter'],
      `jitter (${formatDuration(jitterMs)}) must be shorter than interval (${formatDuration(intervalMs)})`,
    )
  }

  const teamDuplicates = duplicates(
    top.teams,
    'teams',
    'number',
    problems,
    (n, first) => `team number ${n} is already used by teams[${first}]`,
  )
  const teamEntries = parseList(teamSchema, top.teams, ['teams'], problems)
  if (top.teams === null || (Array.isArray(top.teams) && top.teams.length === 0)) {
    problems.add(['teams'], 'at least one team is needed')
  }
  const teams = teamEntries.filter((t) => !teamDuplicates.has(t.index)).map((t) => teamData(t.data))

  const serviceDuplicates = duplicates(
    top.services,
    'services',
    'name',
    problems,
    (n, first) => `service name "${n}" is already used by services[${first}]`,
  )
  checkTypes(top.services, registry, problems)
  const templates: ServiceTemplate[] = parseList(serviceSchema, top.services, ['services'], problems)
    .filter((s) => !serviceDuplicates.has(s.index))
    .map((s) => ({ index: s.index, service: s.data }))
  const services = instantiateServices(templates, defaults, teams, registry, problems)

  const userDuplicates = duplicates(
    top.users,
    'users',
    'name',
    problems,
    (n, first) => `user name "${n}" is already used by users[${first}]`,
  )
  const teamNumbers = new Set(teams.map((t) => t.number))
  const users: UserSpec[] = parseList(userSchema, top.users, ['users'], problems)
    .filter((u) => !userDuplicates.has(u.index))
    .map(({ index, data }) => {
      if (data.team !== undefined && teamEntries.length > 0 && !teamNumbers.has(data.team)) {
        problems.add(['users', index, 'team'], `there is no team ${data.team}`)
      }
      return { name: data.name, role: data.role, team: data.team ?? null, passwordHash: data.password_hash }
    })

  const sla =
    top.sla === undefined || top.sla === null ? undefined : parseWith(slaSchema, top.sla, ['sla'], problems)

  problems.throwIfAny()
  return {
    file: resolve(file),
    name: name ?? '',
    round: { intervalMs, jitterMs },
    teams,
    services,
    users,
    sla: sla ?? null,
  }
}

function tooLarge(bytes: number): string {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`
  return `the file is too large (${mib(bytes)}): competition.yaml files over ${mib(MAX_CONFIG_BYTES)} are refused`
}

/** A mapping section (`defaults`, `round`): undefined when absent or invalid. */
function parseSection<S extends z.ZodType>(
  schema: S,
  value: unknown,
  path: KeyPath,
  problems: ProblemList,
): z.output<S> | undefined {
  if (value === undefined || value === null) return undefined
  return parseWith(schema, value, path, problems)
}

/** The valid entries of a list section, each with its index; every invalid one is reported. */
function parseList<S extends z.ZodType>(
  schema: S,
  value: unknown,
  path: KeyPath,
  problems: ProblemList,
): { index: number; data: z.output<S> }[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) {
    problems.add(path, `must be a list, got ${describeValue(value)}`)
    return []
  }
  const entries: { index: number; data: z.output<S> }[] = []
  value.forEach((item: unknown, index) => {
    const data = parseWith(schema, item, [...path, index], problems)
    if (data !== undefined) entries.push({ index, data })
  })
  return entries
}

/**
 * Indexes of the entries of a list section whose `key` repeats an earlier entry's; each is
 * reported at its key. Raw values are compared, so an entry that is otherwise invalid counts too.
 */
function duplicates(
  list: unknown,
  section: string,
  key: string,
  problems: ProblemList,
  message: (value: string, firstIndex: number) => string,
): Set<number> {
  const found = new Set<number>()
  if (!Array.isArray(list)) return found
  const seen = new Map<string, number>()
  list.forEach((item: unknown, index) => {
    const value = (item as Record<string, unknown> | null)?.[key]
    if (typeof value !== 'string' && typeof value !== 'number') return
    const text = String(value).trim()
    const first = seen.get(text)
    if (first === undefined) seen.set(text, index)
    else {
      problems.add([section, index, key], message(text, first))
      found.add(index)
    }
  })
  return found
}

/** Unknown check types, looked up even in a service that is otherwise invalid. */
function checkTypes(list: unknown, registry: ServiceRegistry, problems: ProblemList): void {
  if (!Array.isArray(list)) return
  list.forEach((item: unknown, index) => {
    const type = (item as Record<string, unknown> | null)?.type
    if (typeof type !== 'string' || type.trim() === '' || registry.has(type.trim())) return
    problems.add(['services', index, 'type'], unknownTypeMessage(type.trim(), registry))
  })
}

function teamData(team: TeamInput): TeamData {
  return {
    number: team.number,
    name: team.name ?? `Team ${team.number}`,
    info: Object.fromEntries(Object.entries(team.info ?? {})),
    pools: Object.fromEntries(
      Object.entries(team.pools ?? {}).map(([pool, entries]) => [pool, entries ?? []]),
    ),
  }
}
