import { Store } from '../../db/store.ts'
import type { TeamTotals } from '../../db/score-totals.ts'
import { UsageError } from '../errors.ts'
import { csvRecord } from '../report/csv.ts'
import { textTable } from '../report/text-table.ts'
import { existingDb, type CommonArgs } from './common.ts'

export interface ScoresArgs extends CommonArgs {
  csv: boolean
}

/**
 * `scanner scores`: totals per team and per service, caps applied and SLA penalties taken off.
 * Text is ranked by total; JSON (SPEC 5) and CSV list the teams by number, for scripts.
 */
export function scoresCommand(args: ScoresArgs, out: (text: string) => void): void {
  if (args.json && args.csv) throw new UsageError('choose --json or --csv, not both')
  const store = Store.open(existingDb(args.db), { readonly: true })
  try {
    const totals = store.scoreTotals()
    if (args.json) out(JSON.stringify(totals, null, 2))
    else if (args.csv) out(scoresCsv(totals))
    else out(scoresTable(totals))
  } finally {
    store.close()
  }
}

/** Service names in the order the teams list them (every team has the same services, as a rule). */
function serviceColumns(totals: readonly TeamTotals[]): string[] {
  const names = new Set<string>()
  for (const t of totals) for (const name of Object.keys(t.services)) names.add(name)
  return [...names]
}

function scoresCsv(totals: readonly TeamTotals[]): string {
  const services = serviceColumns(totals)
  const lines = [csvRecord(['team', 'team_name', ...services, 'penalties', 'total'])]
  for (const t of totals) {
    const points = services.map((name) =>
      Object.hasOwn(t.services, name) ? (t.services[name] ?? null) : null,
    )
    lines.push(csvRecord([t.team, t.team_name, ...points, t.penalties, t.total]))
  }
  return lines.join('\n')
}

function scoresTable(totals: readonly TeamTotals[]): string {
  const services = serviceColumns(totals)
  const ranked = [...totals].sort((a, b) => b.total - a.total || a.team - b.team)
  const rows = ranked.map((t) => {
    // Teams with the same total share a rank (1, 1, 3).
    const rank = ranked.findIndex((other) => other.total === t.total) + 1
    const points = services.map((name) => (Object.hasOwn(t.services, name) ? String(t.services[name]) : '-'))
    return [String(rank), String(t.team), t.team_name, ...points, String(t.penalties), String(t.total)]
  })
  const table = textTable(['rank', 'team', 'name', ...services, 'penalties', 'total'], rows)
  return `${table}\n\nPoints per service after score caps, SLA penalties already taken off.`
}
