/**
 * What a viewer sees of the services' state: the rows they may see, with the error message, the
 * failing stage and the down reason blanked where they may not read them. The one place that
 * filters; the pages, the JSON API and the live updates all go through it.
 */
import type { StatusRow } from '../../db/store.ts'
import type { ServiceStateRow } from '../../db/web-queries.ts'
import { canSee, canSeeErrors, type Viewer } from './viewer.ts'

/** One grid cell as the page and the live updates show it. */
export interface CellState {
  id: number
  team: number
  service: string
  up: boolean | null
  in_progress: boolean
  last_scan_time: string | null
  administratively_down: boolean
  score: number | null
  stage: string | null
  error: string | null
  down_reason: string | null
}

export function visibleRows(viewer: Viewer, rows: readonly ServiceStateRow[]): ServiceStateRow[] {
  return rows.filter((r) => canSee(viewer, r))
}

/** A service's cell for the viewer (who must be allowed to see the service). */
export function cellFor(viewer: Viewer, r: ServiceStateRow): CellState {
  const errors = canSeeErrors(viewer, r)
  return {
    id: r.id,
    team: r.team,
    service: r.name,
    up: r.last_scan === null ? null : r.last_scan === 1,
    in_progress: r.in_progress === 1,
    last_scan_time: r.last_scan_time,
    administratively_down: r.administratively_down === 1,
    score: r.score,
    stage: errors ? r.stage : null,
    error: errors ? r.last_scan_error : null,
    down_reason: errors ? r.down_reason : null,
  }
}

/** `scanner status --json` rows (SPEC 5) of the services the viewer sees. */
export function statusRowsFor(viewer: Viewer, rows: readonly ServiceStateRow[]): StatusRow[] {
  return visibleRows(viewer, rows).map((r) => {
    const cell = cellFor(viewer, r)
    return {
      team: r.team,
      team_name: r.team_name,
      service: r.name,
      id: r.id,
      type: r.subtype,
      host: r.host,
      port: r.port,
      up: cell.up,
      score: cell.score,
      stage: cell.stage,
      error: cell.error,
      last_scan_time: cell.last_scan_time,
      in_progress: cell.in_progress,
      administratively_down: cell.administratively_down,
      down_reason: cell.down_reason,
      score_cap: r.score_cap,
    }
  })
}
