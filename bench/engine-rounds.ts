/**
 * Child process of the bench: runs rounds of one competition through the real engine and store
 * (config loading, sync, worker pool, one transaction per round) and prints one JSON line of
 * figures. A process of its own, so that its CPU time and peak RSS are the scanner's alone.
 *
 * Usage: node bench/engine-rounds.ts COMPETITION.yaml DB ROUNDS [WORKERS]
 */
import { cpuUsage, resourceUsage } from 'node:process'
import { Store } from '../db/store.ts'
import { loadConfig } from '../src/config/load-config.ts'
import { loadCheckTypes } from '../src/engine/load-types.ts'
import { runRound } from '../src/engine/round.ts'
import { startPool } from '../src/engine/scanner-run.ts'

export interface RoundFigures {
  roundS: number
  writeMs: number
  cpuMs: number
  checks: number
  up: number
  timeouts: number
  otherFailures: string[]
}

export interface EngineFigures {
  rounds: RoundFigures[]
  poolStartMs: number
  peakRssMb: number
}

const [config, db, roundsArg, workersArg] = process.argv.slice(2)
if (!config || !db || !roundsArg)
  throw new Error('usage: engine-rounds.ts COMPETITION.yaml DB ROUNDS [WORKERS]')

const { registry, compiled } = await loadCheckTypes([])
const competition = loadConfig(config, registry)
const store = Store.open(db)
store.acquireRunLock()
store.syncCompetition(competition)
const log = (): void => undefined
const poolStarted = performance.now()
const pool = await startPool(competition, {
  services: compiled,
  log,
  workers: workersArg ? Number(workersArg) : undefined,
})
const poolStartMs = performance.now() - poolStarted
const rounds: RoundFigures[] = []
for (let i = 0; i < Number(roundsArg); i++) {
  const cpu = cpuUsage()
  const summary = await runRound({ store, registry, pool, log })
  const used = cpuUsage(cpu)
  const failures = summary.outcomes.filter((o) => !o.result.up)
  const timeouts = failures.filter((o) => /timed out|did not finish/.test(o.result.error ?? ''))
  rounds.push({
    roundS: summary.durationMs / 1000,
    writeMs: summary.writeMs,
    cpuMs: (used.user + used.system) / 1000,
    checks: summary.outcomes.length,
    up: summary.outcomes.length - failures.length,
    timeouts: timeouts.length,
    otherFailures: [
      ...new Set(failures.filter((o) => !timeouts.includes(o)).map((o) => o.result.error ?? '')),
    ].slice(0, 5),
  })
}
await pool.close()
store.releaseRunLock()
store.close()
const figures: EngineFigures = { rounds, poolStartMs, peakRssMb: resourceUsage().maxRSS / 1024 }
process.stdout.write(`${JSON.stringify(figures)}\n`)
process.exit(0)
