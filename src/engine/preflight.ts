/**
 * Preflight (`scanner check --all`): every check of every team, now, through the machinery of a
 * round (the worker pool, startCheck and endCheck on the main thread) on a database in memory
 * synced from the config. It checks what a round would check, with a round's parallelism, and
 * writes nothing to disk.
 */
import { Store } from '../../db/store.ts'
import type { Competition } from '../config/competition.ts'
import type { ServiceRegistry } from '../registry.ts'
import type { Service } from '../service.ts'
import type { RoundSummary } from './round.ts'
import { syncAndRunOneRound, type EngineOptions } from './scanner-run.ts'

export interface Preflight {
  summary: RoundSummary
  /** Services scored by outside scripts: not checked. */
  external: Service[]
}

export async function preflight(
  competition: Competition,
  registry: ServiceRegistry,
  options: EngineOptions,
): Promise<Preflight> {
  const store = Store.open(':memory:')
  try {
    const summary = await syncAndRunOneRound(store, competition, registry, options)
    const external = store.activeServices().filter((s) => s.external)
    return { summary, external }
  } finally {
    store.close()
  }
}
