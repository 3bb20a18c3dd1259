import { availableParallelism } from 'node:os'
import { Store } from '../../db/store.ts'
import type { Competition } from '../config/competition.ts'
import { limitHeapGrowth } from '../runtime/heap-growth.ts'
import type { ServiceRegistry } from '../registry.ts'
import type { WorkerSource } from './check-thread.ts'
import { runRound, type RoundProgress, type RoundSummary } from './round.ts'
import { describeSync, type LoopEnd, type LoopOptions, type RoundLoop } from './round-loop.ts'
import type { CompiledServices } from './services-loader.ts'
import { WorkerPool } from './worker-pool.ts'
import { defaultWorkerSource, dropPrestartedWorkers, takePrestartedWorker } from './worker-prestart.ts'

export interface EngineOptions {
  /** Worker threads (default: one per core, at most one per team). */
  workers?: number
  /** Checks in flight at once per thread. */
  maxInFlight?: number
  stallMs?: number
  services: CompiledServices
  workerSource?: WorkerSource
  log: (line: string) => void
  progress?: (progress: RoundProgress) => void
}

export const DEFAULT_MAX_IN_FLIGHT = 256
export const DEFAULT_STALL_MS = 1000

/** Starts the worker pool sized for a competition; from then on heaps grow at most 2x (see heap-growth.ts). */
export async function startPool(
  competition: Pick<Competition, 'teams'>,
  options: EngineOptions,
): Promise<WorkerPool> {
  const wanted = options.workers ?? availableParallelism()
  const pool = await WorkerPool.start({
    size: Math.max(1, Math.min(wanted, Math.max(1, competition.teams.length))),
    services: options.services,
    maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
    stallMs: options.stallMs ?? DEFAULT_STALL_MS,
    heartbeatMs: 50,
    graceMs: 2000,
    source: options.workerSource ?? defaultWorkerSource(),
    prestarted: options.workerSource === undefined ? takePrestartedWorker : undefined,
    log: options.log,
  }).finally(dropPrestartedWorkers)
  limitHeapGrowth()
  return pool
}

/**
 * Syncs the config into `store`, starts a worker pool for it, runs one round and closes the
 * pool: the round of `run --round` and of `check --all` (on a database in memory).
 */
export async function syncAndRunOneRound(
  store: Store,
  competition: Competition,
  registry: ServiceRegistry,
  options: EngineOptions,
): Promise<RoundSummary> {
  store.syncCompetition(competition)
  const pool = await startPool(competition, options)
  try {
    return await runRound({ store, registry, pool, log: options.log, progress: options.progress })
  } finally {
    await pool.close()
  }
}

/**
 * `scanner run --round`: takes the run lock (repairing what a killed run left), syncs the config
 * into the database, runs one round and releases the lock. The config must be valid already.
 */
export async function runSingleRound(
  dbFile: string,
  competition: Competition,
  registry: ServiceRegistry,
  options: EngineOptions,
): Promise<{ summary: RoundSummary; store: Store }> {
  const store = openWithRunLock(dbFile, options.log)
  try {
    try {
      const summary = await syncAndRunOneRound(store, competition, registry, options)
      return { summary, store }
    } finally {
      store.releaseRunLock()
    }
  } catch (err) {
    store.close()
    throw err
  }
}

/**
 * Opens the database and takes the run lock, repairing (and logging) what a killed run left;
 * closes the database again when the lock cannot be taken.
 */
function openWithRunLock(dbFile: string, log: (line: string) => void): Store {
  const store = Store.open(dbFile)
  try {
    const { repaired } = store.acquireRunLock()
    if (repaired > 0) log(`Scanner: marked ${repaired} round(s) cut short by a stopped scanner as aborted`)
    return store
  } catch (err) {
    store.close()
    throw err
  }
}

/**
 * `scanner run`: takes the run lock, syncs the config once, starts the worker pool once and runs
 * rounds with `loop` until it is stopped; the pool, the lock and the database are let go on every
 * path out.
 */
export async function runContinuous(
  dbFile: string,
  competition: Competition,
  registry: ServiceRegistry,
  options: EngineOptions,
  loop: RoundLoop,
  loopOptions: Omit<LoopOptions, 'log' | 'progress' | 'intervalMs' | 'jitterMs'>,
): Promise<LoopEnd> {
  const store = openWithRunLock(dbFile, options.log)
  try {
    try {
      const sync = store.syncCompetition(competition)
      loopOptions.notice(`config ${competition.file} synced: ${describeSync(competition, sync)}`)
      if (loop.stopping) return { rounds: 0, aborted: null }
      const pool = await startPool(competition, options)
      try {
        return await loop.run(store, registry, pool, {
          ...loopOptions,
          intervalMs: competition.round.intervalMs,
          jitterMs: competition.round.jitterMs,
          log: options.log,
          progress: options.progress,
        })
      } finally {
        await pool.close()
      }
    } finally {
      store.releaseRunLock()
    }
  } finally {
    store.close()
  }
}
