/**
 * Instantiates the service templates of competition.yaml for every team: `defaults`, then the
 * service, then its `overrides` for that team; templates filled; port, credentials and options
 * checked against the team and the check type. A problem that several teams share is reported
 * once, naming the teams when not all of them have it.
 */
import type { ServiceRegistry } from '../registry.ts'
import type { ServiceTypeClass } from '../service-type.ts'
import type { TeamData } from '../service.ts'
import type { ServiceSpec, Sla } from './competition.ts'
import type { DefaultsInput, OverrideInput, ServiceInput } from './competition-schema.ts'
import { SERVICE_DEFAULTS } from './service-defaults.ts'
import { expandTemplate, expandTemplates, type TemplateProblem } from './templates.ts'
import type { KeyPath } from './yaml-positions.ts'
import { didYouMean } from './suggest.ts'
import { TeamProblems, type TeamSink } from './team-problems.ts'
import { messageOf, reportIssues, suggestion, type ProblemSink } from './zod-problems.ts'
import { optionsSchema } from '../service-type.ts'

/** Keys that give a service its credentials: taken together from the most specific level setting any. */
const CREDENTIAL_KEYS = ['username', 'password', 'credential_pool', 'team_specific_info'] as const

type Values = Partial<Record<string, unknown>>
const NO_TEAM: TeamData = { number: 0, name: '', info: {}, pools: {} }

interface Layer {
  values: Values
  path: KeyPath
}

/** A structurally valid service template and its index in `services:`. */
export interface ServiceTemplate {
  index: number
  service: ServiceInput
}

/**
 * The services of every team, in file order (service by service, then team by team). Problems go
 * to `sink`; a service with a problem for a team is left out for that team.
 */
export function instantiateServices(
  templates: readonly ServiceTemplate[],
  defaults: DefaultsInput,
  teams: readonly TeamData[],
  registry: ServiceRegistry,
  sink: ProblemSink,
): ServiceSpec[] {
  const specs: ServiceSpec[] = []
  // Without a usable team, the services are still checked (against a team that has nothing),
  // keeping only the problems that do not depend on the team.
  const targets = teams.length > 0 ? teams : [NO_TEAM]
  for (const { index, service } of templates) {
    const base: KeyPath = ['services', index]
    const known = new Set(teams.map((t) => t.number))
    for (const key of Object.keys(service.overrides ?? {})) {
      if (!known.has(Number(key)))
        sink.add([...base, 'overrides', key], `overrides for team ${key}, but there is no team ${key}`, 'key')
    }
    const shared = new TeamProblems(targets.length, teams.length > 0)
    for (const team of targets) {
      const layers: Layer[] = [
        { values: defaults, path: ['defaults'] },
        { values: service, path: base },
      ]
      const override: OverrideInput | undefined = service.overrides?.[String(team.number)]
      if (override) layers.push({ values: override, path: [...base, 'overrides', String(team.number)] })
      const spec = instantiate(service, layers, team, registry, shared.forTeam(team.number))
      if (spec && teams.length > 0) specs.push(spec)
    }
    shared.flush(sink)
  }
  return specs
}

/** `unknown check type "htp" (did you mean "http"?); known types: ...` */
export function unknownTypeMessage(name: string, registry: ServiceRegistry): string {
  const names = registry.list().map((cls) => cls.shortName)
  return `unknown check type "${name}"${didYouMean(name, names)}; known types: ${names.join(', ') || '(none registered)'}`
}

/** A value picked from the layers: as written, as text (for string keys), and where it is written. */
type Found = { value: unknown; text: string; path: KeyPath } | undefined

/** The value of `key` from the most specific of `layers` that sets it, with where it is written. */
function pick(layers: readonly Layer[], key: string): Found {
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]
    const value = layer?.values[key]
    if (layer && value !== undefined && value !== null) {
      const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : ''
      return { value, text, path: [...layer.path, key] }
    }
  }
  return undefined
}

/** One service for one team; undefined when the team has a problem with it. */
function instantiate(
  template: ServiceInput,
  layers: Layer[],
  team: TeamData,
  registry: ServiceRegistry,
  problems: TeamSink,
): ServiceSpec | undefined {
  const before = problems.count
  const fill = (found: Found): string | null => {
    if (found === undefined) return null
    const templates: TemplateProblem[] = []
    const out = expandTemplate(found.text, team, templates)
    for (const p of templates) problems.add(found.path, p.message)
    return out
  }
  const text = (key: string) => fill(pick(layers, key))

  const typeName = pick(layers, 'type')?.text ?? template.type
  const type = registry.get(typeName)
  if (!type) problems.add(pick(layers, 'type')?.path ?? [], unknownTypeMessage(typeName, registry))
  const host = text('host')
  if (host === null) problems.add([...(layers[1]?.path ?? []), 'host'], 'missing required key "host"')
  const port = portOf(pick(layers, 'port'), type, team, problems)
  const httpRegex = text('http_regex')
  if (httpRegex !== null)
    checkRegex(httpRegex, pick(layers, 'http_regex')?.path ?? [], 'http_regex', problems)
  const credentials = credentialsOf(layers, team, problems)
  const options = type ? optionsOf(layers, type, team, problems) : undefined
  const url = text('url') ?? SERVICE_DEFAULTS.url
  const username = fill(credentials.username)
  const password = fill(credentials.password)
  const protocol = text('protocol')
  const httpString = text('http_string')
  if (problems.count > before || !type || host === null || port === undefined || options === undefined) {
    return undefined
  }
  const visible = (flag: keyof typeof SERVICE_DEFAULTS.visibility): boolean => {
    for (let i = layers.length - 1; i >= 0; i--) {
      const value = (layers[i]?.values.visibility as Partial<Record<string, boolean>> | undefined)?.[flag]
      if (value !== undefined) return value
    }
    return SERVICE_DEFAULTS.visibility[flag]
  }
  const pool = credentials.pool?.text
  const info = credentials.info?.text
  const sla = slaOf(layers)
  return {
    team: team.number,
    name: template.name,
    subtype: typeName,
    host,
    port,
    url,
    external: (pick(layers, 'external')?.value as boolean | undefined) ?? SERVICE_DEFAULTS.external,
    username,
    password,
    credentialPool: pool ?? null,
    teamSpecificInfo: info ?? null,
    teamSpecific: info !== undefined,
    protocol,
    httpString,
    httpRegex,
    points: (pick(layers, 'points')?.value as number | undefined) ?? SERVICE_DEFAULTS.points,
    timeoutMs: (pick(layers, 'timeout')?.value as number | undefined) ?? SERVICE_DEFAULTS.timeoutMs,
    options,
    publicVisibility: visible('public'),
    blueVisibility: visible('blue'),
    greenVisibility: visible('green'),
    redVisibility: visible('red'),
    // Only when the service writes one: absent, the competition's `sla` applies.
    ...(sla === undefined ? {} : { sla }),
  }
}

/**
 * The service's own SLA from the most specific layer that writes `sla` (an override may set one
 * or turn it off with `null`); undefined leaves the competition's `sla`. Unlike `pick`, a null
 * here is a value: it says "no SLA for this service".
 */
function slaOf(layers: readonly Layer[]): Sla | null | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const value = layers[i]?.values.sla
    if (value !== undefined) return value as Sla | null
  }
  return undefined
}

/**
 * The credential keys, taken together from the most specific level that sets any of them (so an
 * override with `team_specific_info` replaces the service's `credential_pool`), checked against
 * the team: the pool or info entry must exist, and the info entry must be credentials.
 */
function credentialsOf(layers: readonly Layer[], team: TeamData, problems: TeamSink) {
  const layer = [...layers].reverse().find((l) => CREDENTIAL_KEYS.some((k) => l.values[k] != null))
  const from = layer ? [layer] : []
  const pool = pick(from, 'credential_pool')
  const info = pick(from, 'team_specific_info')
  const username = pick(from, 'username')
  const password = pick(from, 'password')
  const explicit = username ?? password
  if (pool && info) {
    problems.add(
      info.path,
      'credential_pool and team_specific_info are both set: a service takes its credentials from one',
    )
  } else if ((pool ?? info) && explicit) {
    problems.add(
      explicit.path,
      `username/password would be replaced by the credentials of ${pool ? 'credential_pool' : 'team_specific_info'}: set one or the other`,
    )
  }
  if (pool && team.pools[pool.text] === undefined) {
    problems.add(pool.path, `credential pool "${pool.text}" is missing in {teams}`)
  }
  const entry = info && team.info[info.text]
  if (info && entry === undefined) {
    problems.add(info.path, `team info "${info.text}" is missing in {teams}`)
  } else if (info && typeof entry === 'string') {
    problems.add(
      info.path,
      `team info "${info.text}" is text in {teams}; team_specific_info needs {username, password}`,
    )
  }
  return { pool, info, username, password }
}

/** The port: the type's default, a number (checked by the schema) or a template filled for the team. */
function portOf(
  found: Found,
  type: ServiceTypeClass | undefined,
  team: TeamData,
  problems: TeamSink,
): number | undefined {
  if (found === undefined) return type?.defaultPort ?? 0
  if (typeof found.value === 'number') return found.value
  const templates: TemplateProblem[] = []
  const text = expandTemplate(found.text, team, templates)
  for (const p of templates) problems.add(found.path, p.message)
  if (templates.length > 0) return undefined
  const port = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    problems.add(found.path, `port must be 1-65535, got ${JSON.stringify(text)}`)
    return undefined
  }
  return port
}

/** Options merged (the team's override over the service's, key by key), filled and validated by the type. */
function optionsOf(
  layers: Layer[],
  type: ServiceTypeClass,
  team: TeamData,
  problems: TeamSink,
): Record<string, unknown> | undefined {
  const raw: Record<string, unknown> = {}
  const sources = new Map<string, KeyPath>()
  let where: KeyPath = [...(layers[1]?.path ?? []), 'options']
  for (const layer of layers) {
    const options = layer.values.options as Record<string, unknown> | null | undefined
    if (!options) continue
    where = [...layer.path, 'options']
    for (const [key, value] of Object.entries(options)) {
      raw[key] = value
      sources.set(key, [...layer.path, 'options', key])
    }
  }
  const located = (path: KeyPath): KeyPath => {
    const [key, ...rest] = path
    const source = key === undefined ? undefined : sources.get(String(key))
    return source ? [...source, ...rest] : [...where, ...path]
  }
  const templates: TemplateProblem[] = []
  const filled = expandTemplates(raw, team, templates)
  for (const p of templates) problems.add(located(p.path), p.message)

  const schema = optionsSchema(type)
  const result = schema.safeParse(filled, { error: messageOf, reportInput: true })
  const flagged = new Set<string>()
  if (!result.success) {
    const sink: ProblemSink = {
      add(path, message, part) {
        flagged.add(String(path[0]))
        problems.add(located(path), message, part)
      },
    }
    const unknown = (key: string, known: readonly string[]) =>
      `unknown option "${key}" for check type "${type.shortName}"${suggestion(key, known, 'its options')}`
    reportIssues(result.error.issues, [], schema, sink, unknown)
  }
  for (const [key, value] of Object.entries(filled as Record<string, unknown>)) {
    if (!key.endsWith('regex') || flagged.has(key)) continue
    const sources = typeof value === 'string' ? [value] : Array.isArray(value) ? value : []
    for (const source of sources) {
      if (typeof source === 'string') checkRegex(source, located([key]), key, problems)
    }
  }
  if (!result.success || templates.length > 0) return undefined
  return result.data as Record<string, unknown>
}

function checkRegex(source: string, path: KeyPath, what: string, problems: TeamSink): void {
  try {
    new RegExp(source)
  } catch (err) {
    problems.add(path, `${what} does not compile: ${err instanceof Error ? err.message : String(err)}`)
  }
}
