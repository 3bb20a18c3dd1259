import type { ScoreToRecord, Store } from '../../db/store.ts'
import type { ServiceRegistry } from '../registry.ts'
import { isMassType } from '../registry.ts'
import type { Service, TeamData } from '../service.ts'
import { attachHost, type ServiceType } from '../service-type.ts'
import { failure, type CheckResult } from './check-result.ts'
import { messageOfError } from './error-stage.ts'
import type { WorkerPool } from './worker-pool.ts'
import type { Job } from './worker-messages.ts'

export interface RoundOptions {
  store: Store
  /** Check types of the main thread (for startCheck / endCheck), the same as the workers'. */
  registry: ServiceRegistry
  pool: WorkerPool
  log: (line: string) => void
  /** Called as checks finish, with the count of checks and of teams whose checks are all done. */
  progress?: (progress: RoundProgress) => void
  /** Told the round's id once the round is begun in the database. */
  onBegin?: (roundId: number) => void
  /**
   * Aborts the round in flight: it is marked aborted with no score written (the round is whole
   * or not at all), its in-progress flags are cleared, and `runRound` rejects with a
   * `RoundAbortedError`.
   */
  signal?: AbortSignal
}

export interface RoundProgress {
  checksDone: number
  checks: number
  teamsDone: number
  teams: number
}

export interface RoundOutcome {
  service: Service
  result: ScoreToRecord
}

export interface RoundSummary {
  roundId: number
  durationMs: number
  /** Time of the transaction that writes the round's scores and the latest state of its services. */
  writeMs: number
  outcomes: RoundOutcome[]
}

/** The result as recorded: the score at most the service's cap (the raw score kept beside it). */
export function capped(service: Service, result: CheckResult): ScoreToRecord {
  const score = service.scoreCap === null ? result.score : Math.min(result.score, service.scoreCap)
  return { ...result, score, rawScore: result.score, administrativelyDown: service.administrativelyDown }
}

/**
 * One round: every active, non-external service of every team is checked once and gets exactly
 * one score row. `startCheck` and `endCheck` run here on the main thread; the checks themselves
 * run in the pool's team workers. All results are written in one transaction at the end.
 */
export async function runRound(options: RoundOptions): Promise<RoundSummary> {
  const { store, registry, pool } = options
  const started = performance.now()
  const services = store.activeServices().filter((s) => !s.external)
  const teams = store.teams()
  const roundId = store.beginRound()
  options.onBegin?.(roundId)
  try {
    const results = new Map<number, CheckResult>()
    const host = {
      threadName: 'Scanner',
      log: options.log,
      database: () => store,
      reportScore: () => {
        throw new Error('reportScore belongs in doCheck / doMassCheck, not in startCheck or endCheck')
      },
    }
    const instances = new Map<string, ServiceType<never>>()
    const instanceFor = (subtype: string): ServiceType<never> | undefined => {
      let instance = instances.get(subtype)
      if (!instance) {
        const cls = registry.get(subtype)
        if (!cls) return undefined
        instance = new cls()
        attachHost(instance, host)
        instances.set(subtype, instance)
      }
      return instance
    }

    // startCheck for every service, in one transaction; what cannot start is scored at once.
    const toCheck: Service[] = []
    store.transaction(() => {
      for (const service of services) {
        const now = Date.now()
        if (service.administrativelyDown) {
          results.set(
            service.id,
            failure(
              service.id,
              null,
              `Administratively down: ${service.downReason ?? 'no reason given'}`,
              now,
              0,
            ),
          )
          continue
        }
        const type = instanceFor(service.subtype)
        if (!type) {
          results.set(
            service.id,
            failure(service.id, 'connect', `unknown check type "${service.subtype}"`, now, 0),
          )
          continue
        }
        try {
          type.startCheck(service as Service<never>)
          toCheck.push(service)
        } catch (err) {
          results.set(
            service.id,
            failure(service.id, 'connect', `startCheck failed: ${messageOfError(err)}`, now, 0),
          )
        }
      }
    })

    // endCheck as each check finishes (a page shows the spinner stop then), a batch per turn of
    // the event loop in one transaction.
    const finished = new EndCheckBatch(store, (service) => {
      try {
        instanceFor(service.subtype)?.endCheck(service as Service<never>)
      } catch (err) {
        options.log(`Scanner: endCheck of Team${service.team} ${service.name} failed: ${messageOfError(err)}`)
        store.markFinished(service.id)
      }
    })
    const jobs = buildJobs(toCheck, registry)
    const servicesOfJob = new Map(
      jobs.map((job) => [job.jobId, job.kind === 'standard' ? [job.service] : job.services]),
    )
    const reportProgress = progressOf(jobs, options.progress)
    const teamIndex = new Map([...teams.keys()].map((n, i) => [n, i]))
    let byJob: Map<number, CheckResult[]>
    try {
      byJob = await pool.run(
        jobs,
        [...teams.values()] as TeamData[],
        (job) => (job.kind === 'standard' ? (teamIndex.get(job.team) ?? 0) : teams.size + job.jobId),
        (jobId) => {
          finished.add(servicesOfJob.get(jobId) ?? [])
          reportProgress?.(jobId)
        },
        options.signal,
      )
    } finally {
      finished.flush()
    }
    for (const job of jobs) {
      const jobServices = job.kind === 'standard' ? [job.service] : job.services
      const jobResults = byJob.get(job.jobId) ?? []
      for (const service of jobServices) {
        const result =
          jobResults.find((r) => r.serviceId === service.id) ??
          failure(service.id, 'action', 'the check returned no result', Date.now(), 0)
        results.set(service.id, result)
      }
    }

    // Every score in one transaction: the round is written whole or not at all.
    const outcomes: RoundOutcome[] = services.map((service) => {
      const result =
        results.get(service.id) ??
        failure(service.id, 'action', 'the check returned no result', Date.now(), 0)
      return { service, result: capped(service, result) }
    })
    const writeStarted = performance.now()
    store.writeRound(
      roundId,
      outcomes.map((o) => o.result),
    )
    const ended = performance.now()
    return {
      roundId,
      durationMs: Math.round(ended - started),
      writeMs: Math.round((ended - writeStarted) * 100) / 100,
      outcomes,
    }
  } catch (err) {
    store.abortRound(roundId)
    throw err
  }
}

/** Services whose checks have finished, handed to `endCheck` in one transaction per event-loop turn. */
class EndCheckBatch {
  readonly #store: Store
  readonly #endCheck: (service: Service) => void
  #queued: Service[] = []
  #scheduled: NodeJS.Immediate | undefined

  constructor(store: Store, endCheck: (service: Service) => void) {
    this.#store = store
    this.#endCheck = endCheck
  }

  add(services: readonly Service[]): void {
    this.#queued.push(...services)
    this.#scheduled ??= setImmediate(() => this.flush())
  }

  flush(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled)
    this.#scheduled = undefined
    const batch = this.#queued
    this.#queued = []
    if (batch.length > 0) this.#store.transaction(() => batch.forEach(this.#endCheck))
  }
}

/** Counts finished checks and teams for a progress display. */
function progressOf(jobs: Job[], report: RoundOptions['progress']): ((jobId: number) => void) | undefined {
  if (!report) return undefined
  const left = new Map<number, number>()
  const byId = new Map(jobs.map((j) => [j.jobId, j]))
  const teamsOf = (job: Job) => (job.kind === 'standard' ? [job.team] : job.services.map((s) => s.team))
  for (const job of jobs) for (const team of teamsOf(job)) left.set(team, (left.get(team) ?? 0) + 1)
  const progress: RoundProgress = { checksDone: 0, checks: 0, teamsDone: 0, teams: left.size }
  for (const job of jobs) progress.checks += teamsOf(job).length
  return (jobId) => {
    const job = byId.get(jobId)
    if (!job) return
    for (const team of teamsOf(job)) {
      progress.checksDone++
      const n = (left.get(team) ?? 1) - 1
      left.set(team, n)
      if (n === 0) progress.teamsDone++
    }
    report({ ...progress })
  }
}

/** A job per standard check, and one job per mass check type with the services of every team. */
function buildJobs(services: Service[], registry: ServiceRegistry): Job[] {
  const jobs: Job[] = []
  const mass = new Map<string, Service[]>()
  let jobId = 0
  for (const service of services) {
    const cls = registry.get(service.subtype)
    if (cls && isMassType(cls)) {
      const list = mass.get(service.subtype) ?? []
      list.push(service)
      mass.set(service.subtype, list)
    } else {
      jobs.push({ jobId: jobId++, kind: 'standard', team: service.team, service })
    }
  }
  for (const list of mass.values()) jobs.push({ jobId: jobId++, kind: 'mass', services: list })
  return jobs
}
