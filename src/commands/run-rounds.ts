import { Store } from '../../db/store.ts'
import type { RoundProgress, RoundSummary } from '../engine/round.ts'
import { RoundLoop } from '../engine/round-loop.ts'
import { runContinuous } from '../engine/scanner-run.ts'
import { ScanLog } from '../log/scan-log.ts'
import { scanLogPath } from './common.ts'
import { loadCompetition, loadTypes } from './load-competition.ts'
import type { RunArgs } from './run-command.ts'
import { wireStopSignals } from './stop-signals.ts'

/**
 * `scanner run`: rounds every `round.interval` +- `round.jitter` until SIGINT or SIGTERM (the
 * first finishes the round in flight, the second aborts it); `scanner pause` holds new rounds.
 * A line per round on stdout (a JSON object per line with --json); what the scanner does and
 * the scan log on stderr, the scan log in `scan.log` too.
 */
export async function runRounds(args: RunArgs, out: (text: string) => void): Promise<void> {
  const { registry, compiled } = await loadTypes(args)
  const competition = loadCompetition(args, registry)
  const log = new ScanLog(scanLogPath(args.db))
  let progressShown = false
  const endProgressLine = () => {
    if (progressShown) process.stderr.write('\n')
    progressShown = false
  }
  const notice = (line: string) => {
    endProgressLine()
    log.write(`Scanner: ${line}`)
    log.flush()
  }
  const progress = process.stderr.isTTY
    ? (p: RoundProgress) => {
        progressShown = true
        process.stderr.write(
          `\rround: ${p.checksDone}/${p.checks} checks, ${p.teamsDone}/${p.teams} teams done `,
        )
      }
    : undefined
  const onRound = (summary: RoundSummary, nextInMs: number) => {
    endProgressLine()
    log.flush()
    const up = summary.outcomes.filter((o) => o.result.up).length
    out(
      args.json
        ? JSON.stringify({
            round: summary.roundId,
            status: 'complete',
            duration_ms: summary.durationMs,
            checks: summary.outcomes.length,
            up,
            next_round_in_ms: nextInMs,
          })
        : `Round ${summary.roundId} complete in ${(summary.durationMs / 1000).toFixed(1)} s: ${up}/${summary.outcomes.length} services up; next round in ${(nextInMs / 1000).toFixed(1)} s`,
    )
  }

  const loop = new RoundLoop()
  const finished = wireStopSignals(loop, notice)
  let pages: { close(): Promise<void> } | undefined
  try {
    if (args.serve) {
      // The database must exist (with its schema) before the pages open it read-only.
      Store.open(args.db).close()
      const { startPages } = await import('./serve-command.ts')
      pages = await startPages(args.db, args.serve, competition.users, competition.name, notice)
    }
    notice('Ctrl-C finishes the round in flight and stops; scanner pause holds new rounds')
    const end = await runContinuous(
      args.db,
      competition,
      registry,
      { workers: args.workers, maxInFlight: args.maxInFlight, services: compiled, log: log.write, progress },
      loop,
      { notice, onRound, reload: () => loadCompetition(args, registry) },
    )
    endProgressLine()
    const aborted = end.aborted === null ? '' : `round ${end.aborted} aborted (no score recorded); `
    out(
      args.json
        ? JSON.stringify({ stopped: true, rounds: end.rounds, aborted: end.aborted })
        : `Stopped: ${aborted}${end.rounds} round(s) complete in this run`,
    )
  } finally {
    await pages?.close()
    finished()
    log.close()
  }
}
