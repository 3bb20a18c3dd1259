import { Store } from '../../db/store.ts'
import { cell, textTable } from '../report/text-table.ts'
import { existingDb, type CommonArgs } from './common.ts'

/** `scanner services`: every active service with its id and flags. */
export function servicesCommand(args: CommonArgs, out: (text: string) => void): void {
  const store = Store.open(existingDb(args.db), { readonly: true })
  try {
    const rows = store.activeServices().map((s) => ({
      id: s.id,
      team: s.team,
      service: s.name,
      type: s.subtype,
      host: s.host,
      port: s.port,
      external: s.external,
      administratively_down: s.administrativelyDown,
      down_reason: s.downReason,
      score_cap: s.scoreCap,
    }))
    if (args.json) {
      out(JSON.stringify(rows, null, 2))
      return
    }
    const flags = (r: (typeof rows)[number]) =>
      [
        r.external ? 'external' : '',
        r.administratively_down ? `down (${cell(r.down_reason, 40)})` : '',
        r.score_cap !== null ? `cap ${r.score_cap}` : '',
      ]
        .filter(Boolean)
        .join(',')
    out(
      textTable(
        ['id', 'team', 'service', 'type', 'address', 'flags'],
        rows.map((r) => [String(r.id), String(r.team), r.service, r.type, `${r.host}:${r.port}`, flags(r)]),
      ),
    )
  } finally {
    store.close()
  }
}
