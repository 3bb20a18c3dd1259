/**
 * The Service record: every field of IScorE's `Service` (camelCase here, snake_case in the database
 * and in JSON output), plus `name`, `host`, `points`, `timeoutMs` and type-specific `options`.
 */

/** A username and password, as drawn from a pool or a team info entry. */
export interface Credentials {
  username: string
  password: string
}

/** A team info value: plain text or a credential pair. */
export type TeamInfoValue = string | Credentials

/** What a team worker knows about its team: info values and credential pools. */
export interface TeamData {
  number: number
  name: string
  info: Record<string, TeamInfoValue>
  pools: Record<string, Credentials[]>
}

/** One check of one team, as a check type sees it. */
export interface Service<O = Record<string, unknown>> {
  id: number
  team: number
  teamName: string
  /** Service name in the competition (`www`, `ssh`). */
  name: string
  /** Check type short name (`http`, `ssh`, or a custom one). */
  subtype: string
  host: string
  port: number
  url: string
  external: boolean
  /** Filled by the team worker from explicit credentials, team info or a pool. */
  username: string | null
  password: string | null
  credentialPool: string | null
  teamSpecificInfo: string | null
  teamSpecific: boolean
  protocol: string | null
  httpString: string | null
  httpRegex: string | null
  points: number
  /** Timeout of one check, in milliseconds. */
  timeoutMs: number
  options: O
  publicVisibility: boolean
  blueVisibility: boolean
  greenVisibility: boolean
  redVisibility: boolean
  administrativelyDown: boolean
  downReason: string | null
  scoreCap: number | null
}

/** Replaces `{username}` in every string of a value (options are plain data). */
export function fillUsername<T>(value: T, username: string | null): T {
  if (username === null) return value
  if (typeof value === 'string') return value.replaceAll('{username}', username) as T
  if (Array.isArray(value)) return value.map((v: unknown) => fillUsername(v, username)) as T
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = fillUsername(v, username)
    return out as T
  }
  return value
}
