import type { StatusRow } from '../../db/store.ts'
import { cell, textTable } from './text-table.ts'

function state(row: StatusRow): string {
  if (row.in_progress) return 'checking'
  if (row.administratively_down) return 'ADMIN DOWN'
  if (row.up === null) return '-'
  return row.up ? 'up' : 'DOWN'
}

/** The team x service status table printed after a round and by `scanner status`. */
export function statusTable(rows: readonly StatusRow[]): string {
  const body = rows.map((r) => [
    r.team_name,
    r.service,
    r.type,
    `${r.host}:${r.port}`,
    state(r),
    r.score === null ? '' : String(r.score),
    r.stage ?? '',
    cell(r.error),
  ])
  const up = rows.filter((r) => r.up === true).length
  const table = textTable(['team', 'service', 'type', 'address', 'state', 'score', 'stage', 'error'], body)
  return `${table}\n\n${up}/${rows.length} services up`
}
