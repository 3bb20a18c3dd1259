import type { Store } from '../../db/store.ts'
import { parseListen } from './listen-address.ts'
import type { PagesArgs } from './serve-command.ts'
import { UsageError } from '../errors.ts'
import type { RoundProgress } from '../engine/round.ts'
import { runSingleRound } from '../engine/scanner-run.ts'
import { ScanLog } from '../log/scan-log.ts'
import { statusTable } from '../report/status-table.ts'
import { checkWorkers, scanLogPath, type CommonArgs } from './common.ts'
import { loadCompetition, loadTypes } from './load-competition.ts'

export interface RunArgs extends CommonArgs {
  round: boolean
  workers: number | undefined
  maxInFlight: number | undefined
  /** With continuous rounds: the web pages in the same process, with these settings. */
  serve?: PagesArgs | undefined
}

/**
 * `scanner run --round`: one round for every team, then the status table. `scanner run`: rounds
 * until stopped (see `runRounds`).
 */
export async function runCommand(args: RunArgs, out: (text: string) => void): Promise<void> {
  checkWorkers(args.workers)
  if (args.round && args.serve)
    throw new UsageError('--serve goes with continuous rounds (scanner run --serve), not --round')
  if (args.serve) parseListen(args.serve.listen)
  if (!args.round) {
    const { runRounds } = await import('./run-rounds.ts')
    return runRounds(args, out)
  }
  const { registry, compiled } = await loadTypes(args)
  const competition = loadCompetition(args, registry)
  const log = new ScanLog(scanLogPath(args.db))
  const progress = process.stderr.isTTY
    ? (p: RoundProgress) =>
        process.stderr.write(
          `\rround: ${p.checksDone}/${p.checks} checks, ${p.teamsDone}/${p.teams} teams done `,
        )
    : undefined
  let store: Store | undefined
  try {
    const result = await runSingleRound(args.db, competition, registry, {
      workers: args.workers,
      maxInFlight: args.maxInFlight,
      services: compiled,
      log: log.write,
      progress,
    })
    store = result.store
    if (progress) process.stderr.write('\n')
    log.flush()
    const rows = store.status()
    if (args.json)
      out(
        JSON.stringify(
          { round: result.summary.roundId, duration_ms: result.summary.durationMs, status: rows },
          null,
          2,
        ),
      )
    else
      out(
        `Round ${result.summary.roundId} done in ${(result.summary.durationMs / 1000).toFixed(1)} s\n\n${statusTable(rows)}`,
      )
  } finally {
    store?.close()
    log.close()
  }
}
