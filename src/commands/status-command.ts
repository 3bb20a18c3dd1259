import { Store } from '../../db/store.ts'
import { statusTable } from '../report/status-table.ts'
import { existingDb, type CommonArgs } from './common.ts'

/** `scanner status`: latest state of every team x service. */
export function statusCommand(args: CommonArgs, out: (text: string) => void): void {
  const store = Store.open(existingDb(args.db), { readonly: true })
  try {
    const rows = store.status()
    const pause = store.pause()
    const paused = pause
      ? `\nRounds paused since ${pause.since} by ${pause.actor}${pause.reason ? ` (${pause.reason})` : ''}: scanner resume starts them again`
      : ''
    out(args.json ? JSON.stringify(rows, null, 2) : `${statusTable(rows)}${paused}`)
  } finally {
    store.close()
  }
}
