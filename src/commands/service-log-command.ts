import { Store } from '../../db/store.ts'
import type { ControlLogEntry } from '../../db/service-controls.ts'
import { cell, textTable } from '../report/text-table.ts'
import { existingDb, type CommonArgs } from './common.ts'
import { findTarget } from './target.ts'

export interface ServiceLogArgs extends CommonArgs {
  /** TEAM/SERVICE, or every service when absent. */
  target?: string | undefined
}

/** `scanner service log [TEAM/SERVICE]`: the white-team controls, oldest first (retired services too). */
export function serviceLogCommand(args: ServiceLogArgs, out: (text: string) => void): void {
  const store = Store.open(existingDb(args.db), { readonly: true })
  try {
    const serviceId =
      args.target === undefined ? undefined : findTarget(store.serviceNames(), args.target, 'the database').id
    const entries = store.controlLog(serviceId)
    if (args.json) out(JSON.stringify(entries, null, 2))
    else if (entries.length === 0) out('no white-team controls recorded')
    else
      out(
        textTable(
          ['time', 'team', 'service', 'action', 'detail', 'actor'],
          entries.map((e) => [e.created_at, String(e.team), e.service, e.action, detail(e), e.actor]),
        ),
      )
  } finally {
    store.close()
  }
}

function detail(e: ControlLogEntry): string {
  if (e.action === 'cap') return `cap ${e.value}`
  return cell(e.reason, 60)
}
