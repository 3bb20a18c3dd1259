import type { Competition } from '../src/config/competition.ts'
import type { SqliteDatabase } from './open-database.ts'

export interface SyncSummary {
  added: number
  updated: number
  retired: number
}

/**
 * Writes the teams and services of a loaded config into the database in one transaction: upsert
 * by team number and by (team, service name); services and teams no longer in the file are
 * retired with their history kept. White-team controls (down, caps) are left as they are.
 */
export function syncCompetition(db: SqliteDatabase, competition: Competition): SyncSummary {
  const now = new Date().toISOString()
  const upsertTeam = db.prepare(
    `INSERT INTO teams (number, name, retired_at) VALUES (?, ?, NULL)
     ON CONFLICT (number) DO UPDATE SET name = excluded.name, retired_at = NULL`,
  )
  const clearInfo = db.prepare('DELETE FROM team_info WHERE team = ?')
  const addInfo = db.prepare('INSERT INTO team_info (team, key, value) VALUES (?, ?, ?)')
  const clearPools = db.prepare('DELETE FROM pool_credentials WHERE team = ?')
  const addPool = db.prepare(
    'INSERT INTO pool_credentials (team, pool, position, username, password) VALUES (?, ?, ?, ?, ?)',
  )
  const findService = db.prepare<[number, string], { id: number }>(
    'SELECT id FROM services WHERE team = ? AND name = ?',
  )
  const upsertService = db.prepare(
    `INSERT INTO services (team, name, subtype, host, port, url, external, username, password, credential_pool,
       team_specific_info, team_specific, protocol, http_string, http_regex, points, timeout_ms, options,
       public_visibility, blue_visibility, green_visibility, red_visibility, sla_threshold, sla_penalty, retired_at)
     VALUES (@team, @name, @subtype, @host, @port, @url, @external, @username, @password, @credentialPool,
       @teamSpecificInfo, @teamSpecific, @protocol, @httpString, @httpRegex, @points, @timeoutMs, @options,
       @publicVisibility, @blueVisibility, @greenVisibility, @redVisibility, @slaThreshold, @slaPenalty, NULL)
     ON CONFLICT (team, name) DO UPDATE SET subtype = excluded.subtype, host = excluded.host, port = excluded.port,
       url = excluded.url, external = excluded.external, username = excluded.username, password = excluded.password,
       credential_pool = excluded.credential_pool, team_specific_info = excluded.team_specific_info,
       team_specific = excluded.team_specific, protocol = excluded.protocol, http_string = excluded.http_string,
       http_regex = excluded.http_regex, points = excluded.points, timeout_ms = excluded.timeout_ms,
       options = excluded.options, public_visibility = excluded.public_visibility,
       blue_visibility = excluded.blue_visibility, green_visibility = excluded.green_visibility,
       red_visibility = excluded.red_visibility, sla_threshold = excluded.sla_threshold,
       sla_penalty = excluded.sla_penalty, retired_at = NULL`,
  )
  const summary: SyncSummary = { added: 0, updated: 0, retired: 0 }
  db.transaction(() => {
    const keepTeams = new Set<number>()
    for (const team of competition.teams) {
      keepTeams.add(team.number)
      upsertTeam.run(team.number, team.name)
      clearInfo.run(team.number)
      for (const [key, value] of Object.entries(team.info))
        addInfo.run(team.number, key, JSON.stringify(value))
      clearPools.run(team.number)
      for (const [pool, creds] of Object.entries(team.pools)) {
        creds.forEach((c, i) => addPool.run(team.number, pool, i, c.username, c.password))
      }
    }
    const keepServices = new Set<number>()
    const addState = db.prepare('INSERT OR IGNORE INTO service_state (service_id) VALUES (?)')
    for (const s of competition.services) {
      const existing = findService.get(s.team, s.name)
      const sla = s.sla === undefined ? competition.sla : s.sla
      upsertService.run({
        ...s,
        external: s.external ? 1 : 0,
        teamSpecific: s.teamSpecific ? 1 : 0,
        options: JSON.stringify(s.options),
        publicVisibility: s.publicVisibility ? 1 : 0,
        blueVisibility: s.blueVisibility ? 1 : 0,
        greenVisibility: s.greenVisibility ? 1 : 0,
        redVisibility: s.redVisibility ? 1 : 0,
        slaThreshold: sla?.threshold ?? null,
        slaPenalty: sla?.penalty ?? null,
      })
      const id = existing?.id ?? findService.get(s.team, s.name)?.id
      if (id !== undefined) {
        keepServices.add(id)
        addState.run(id)
      }
      if (existing) summary.updated++
      else summary.added++
    }
    const active = db.prepare<[], { id: number }>('SELECT id FROM services WHERE retired_at IS NULL').all()
    const retire = db.prepare('UPDATE services SET retired_at = ? WHERE id = ?')
    const notInProgress = db.prepare('UPDATE service_state SET in_progress = 0 WHERE service_id = ?')
    for (const { id } of active) {
      if (!keepServices.has(id)) {
        retire.run(now, id)
        notInProgress.run(id)
        summary.retired++
      }
    }
    const teams = db
      .prepare<[], { number: number }>('SELECT number FROM teams WHERE retired_at IS NULL')
      .all()
    const retireTeam = db.prepare('UPDATE teams SET retired_at = ? WHERE number = ?')
    for (const { number } of teams) if (!keepTeams.has(number)) retireTeam.run(now, number)
  }).immediate()
  return summary
}
