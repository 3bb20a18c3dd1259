import type { RoundOutcome, RoundProgress } from '../engine/round.ts'
import { preflight } from '../engine/preflight.ts'
import { checkMatrix, timedOut } from '../report/check-matrix.ts'
import { checkWorkers, type CommonArgs } from './common.ts'
import { loadCompetition, loadTypes } from './load-competition.ts'

export interface CheckAllArgs extends CommonArgs {
  workers: number | undefined
}

function outcomeJson({ service, result }: RoundOutcome) {
  return {
    team: service.team,
    team_name: service.teamName,
    service: service.name,
    type: service.subtype,
    host: service.host,
    port: service.port,
    up: result.up,
    score: result.score,
    stage: result.stage,
    timed_out: timedOut({ service, result }),
    error: result.error,
    duration_ms: result.durationMs,
    detail: result.detail,
  }
}

/**
 * `scanner check --all`: every check of every team now, as a round runs them (in parallel on the
 * worker pool), against a database in memory: nothing is recorded and the --db file is not
 * touched. Prints the team x service matrix and the failures; services being down is no error.
 */
export async function checkAllCommand(args: CheckAllArgs, out: (text: string) => void): Promise<void> {
  checkWorkers(args.workers)
  const { registry, compiled } = await loadTypes(args)
  const competition = loadCompetition(args, registry)
  let progressShown = false
  const progress = process.stderr.isTTY
    ? (p: RoundProgress) => {
        progressShown = true
        process.stderr.write(
          `\rchecking: ${p.checksDone}/${p.checks} checks, ${p.teamsDone}/${p.teams} teams done `,
        )
      }
    : undefined
  const { summary, external } = await preflight(competition, registry, {
    workers: args.workers,
    services: compiled,
    log: () => undefined,
    progress,
  })
  if (progressShown) process.stderr.write('\n')
  if (args.json) {
    out(JSON.stringify(summary.outcomes.map(outcomeJson), null, 2))
    return
  }
  out(checkMatrix(summary.outcomes, external, summary.durationMs))
}
