/**
 * Score totals per team and per service, read from the running totals that `Store` keeps in
 * `service_state` as it writes each score (recorded scores are already capped; SLA penalties are
 * summed beside them), so a scoreboard costs one row per service, however many rounds were run.
 */
import type { SqliteDatabase } from './open-database.ts'

/** One team's totals, as `scanner scores --json` prints them (SPEC 5). */
export interface TeamTotals {
  team: number
  team_name: string
  /** Sum of the services' points. */
  total: number
  /** Service name -> points after caps and penalties. */
  services: Record<string, number>
  /** Penalty points of the team (already taken off its services' points). */
  penalties: number
}

/** Totals of every active team over all its services, retired ones included (their points were earned), by team number. */
export function scoreTotals(db: SqliteDatabase): TeamTotals[] {
  const rows = db
    .prepare<
      [],
      { team: number; team_name: string; service: string | null; points: number; penalties: number }
    >(
      `SELECT t.number AS team, t.name AS team_name, s.name AS service,
              COALESCE(st.points, 0) AS points, COALESCE(st.penalties, 0) AS penalties
       FROM teams t
       LEFT JOIN services s ON s.team = t.number
       LEFT JOIN service_state st ON st.service_id = s.id
       WHERE t.retired_at IS NULL ORDER BY t.number, s.id`,
    )
    .all()
  const teams = new Map<
    number,
    { team: number; team_name: string; services: [string, number][]; penalties: number }
  >()
  for (const r of rows) {
    let team = teams.get(r.team)
    if (!team) {
      team = { team: r.team, team_name: r.team_name, services: [], penalties: 0 }
      teams.set(r.team, team)
    }
    if (r.service === null) continue
    team.services.push([r.service, r.points - r.penalties])
    team.penalties += r.penalties
  }
  return [...teams.values()].map((t) => ({
    team: t.team,
    team_name: t.team_name,
    total: tidy(t.services.reduce((sum, [, points]) => sum + points, 0)),
    // fromEntries defines own properties: a service named "__proto__" stays a service.
    services: Object.fromEntries(t.services.map(([name, points]) => [name, tidy(points)])),
    penalties: tidy(t.penalties),
  }))
}

/** Drops the binary noise of summing fractional penalties (0.1 + 0.2 is shown as 0.3). */
function tidy(points: number): number {
  return Math.round(points * 1e6) / 1e6
}
