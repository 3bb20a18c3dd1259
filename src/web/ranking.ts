/** Team totals and ranks, shared by the scoreboard and /api/scores. */
import type { ServiceStateRow, TeamTotalRow } from '../../db/web-queries.ts'
import { canSee, type Viewer } from './viewer.ts'

export interface RankedTeam {
  rank: number
  team: number
  team_name: string
  /** Points after caps, minus SLA penalties. */
  total: number
  penalties: number
}

/** Highest total first; equal totals share a rank (1, 2, 2, 4). */
export function rankTeams(totals: readonly TeamTotalRow[]): RankedTeam[] {
  const sorted = totals
    .map((t) => ({
      team: t.team,
      team_name: t.team_name,
      total: t.points - t.penalties,
      penalties: t.penalties,
    }))
    .sort((a, b) => b.total - a.total || a.team - b.team)
  let rank = 0
  return sorted.map((t, i) => {
    if (i === 0 || t.total !== sorted[i - 1]!.total) rank = i + 1
    return { rank, ...t }
  })
}

/** `scanner scores --json` (SPEC 5): per team, the points of the services the viewer sees. */
export function scoresFor(
  viewer: Viewer,
  totals: readonly TeamTotalRow[],
  states: readonly ServiceStateRow[],
): { team: number; team_name: string; total: number; services: Record<string, number>; penalties: number }[] {
  const services = new Map<number, Record<string, number>>()
  for (const s of states) {
    if (!canSee(viewer, s)) continue
    let byName = services.get(s.team)
    if (!byName) services.set(s.team, (byName = {}))
    byName[s.name] = s.points - s.penalties
  }
  return totals.map((t) => ({
    team: t.team,
    team_name: t.team_name,
    total: t.points - t.penalties,
    services: services.get(t.team) ?? {},
    penalties: t.penalties,
  }))
}
