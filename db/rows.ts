import type { Service } from '../src/service.ts'

/** A `services` row as SQLite returns it. */
export interface ServiceRow {
  id: number
  team: number
  team_name: string
  name: string
  subtype: string
  host: string
  port: number
  url: string
  external: number
  username: string | null
  password: string | null
  credential_pool: string | null
  team_specific_info: string | null
  team_specific: number
  protocol: string | null
  http_string: string | null
  http_regex: string | null
  points: number
  timeout_ms: number
  options: string
  public_visibility: number
  blue_visibility: number
  green_visibility: number
  red_visibility: number
  administratively_down: number
  down_reason: string | null
  score_cap: number | null
}

export function serviceFromRow(row: ServiceRow): Service {
  return {
    id: row.id,
    team: row.team,
    teamName: row.team_name,
    name: row.name,
    subtype: row.subtype,
    host: row.host,
    port: row.port,
    url: row.url,
    external: row.external === 1,
    username: row.username,
    password: row.password,
    credentialPool: row.credential_pool,
    teamSpecificInfo: row.team_specific_info,
    teamSpecific: row.team_specific === 1,
    protocol: row.protocol,
    httpString: row.http_string,
    httpRegex: row.http_regex,
    points: row.points,
    timeoutMs: row.timeout_ms,
    options: JSON.parse(row.options) as Record<string, unknown>,
    publicVisibility: row.public_visibility === 1,
    blueVisibility: row.blue_visibility === 1,
    greenVisibility: row.green_visibility === 1,
    redVisibility: row.red_visibility === 1,
    administrativelyDown: row.administratively_down === 1,
    downReason: row.down_reason,
    scoreCap: row.score_cap,
  }
}
