import { once } from 'node:events'
import { Store } from '../../db/store.ts'
import { UsageError } from '../errors.ts'
import {
  writeExternalCsv,
  writeExternalJson,
  writeRoundsCsv,
  writeRoundsJson,
  type Sink,
} from '../report/score-export.ts'
import { existingDb, type CommonArgs } from './common.ts'

export interface ExportArgs extends CommonArgs {
  format: 'json' | 'csv'
  /** Only this round (as typed). */
  round: string | undefined
  /** The scores of external checks instead of the rounds'. */
  external: boolean
}

/** Standard output, waiting for a slow reader (a pipe to gzip, ssh) instead of buffering the export. */
export const stdoutSink: Sink = (chunk) =>
  process.stdout.write(chunk) ? undefined : once(process.stdout, 'drain').then(() => undefined)

function roundNumber(text: string): number {
  const n = /^\d{1,15}$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--round must be a round number (1, 2, ...), got ${JSON.stringify(text)}`)
  return n
}

/**
 * `scanner export --format json|csv [--round N | --external]`: every score of every finished round
 * with the round's times, streamed to `write` (which may ask to wait: a slow pipe). The scores of
 * external checks belong to no round: `--external` exports them on their own, and a note on stderr
 * says when some were left out of a rounds export.
 */
export async function exportCommand(args: ExportArgs, write: Sink): Promise<void> {
  const only = args.round === undefined ? undefined : roundNumber(args.round)
  if (only !== undefined && args.external)
    throw new UsageError('--round and --external do not go together: external scores belong to no round')
  const store = Store.open(existingDb(args.db), { readonly: true })
  try {
    if (args.external) {
      const rows = store.exportExternalScores()
      await (args.format === 'csv' ? writeExternalCsv(rows, write) : writeExternalJson(rows, write))
      return
    }
    if (only !== undefined) {
      const rounds = store.rounds()
      const round = rounds.find((r) => r.id === only)
      if (!round)
        throw new UsageError(
          rounds.length === 0
            ? `no round ${only}: ${args.db} has no rounds yet`
            : `no round ${only} in ${args.db} (rounds ${rounds[0]!.id} to ${rounds.at(-1)!.id})`,
        )
      if (round.status === 'running')
        throw new UsageError(`round ${only} is still running: its scores are written when it ends`)
    }
    const rows = store.exportRoundScores(only)
    await (args.format === 'csv' ? writeRoundsCsv(rows, write) : writeRoundsJson(rows, write))
    const external = only === undefined ? store.externalScoreCount() : 0
    if (external > 0)
      process.stderr.write(
        `scanner: ${external} score(s) of external checks belong to no round and are not in this export; scanner export --external exports them\n`,
      )
  } finally {
    store.close()
  }
}
