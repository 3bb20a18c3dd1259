import type { ServiceRegistry } from '../registry.ts'
import type { TeamData } from '../service.ts'
import type { CheckResult } from './check-result.ts'
import { runMassCheck, runStandardCheck } from './check-runner.ts'
import { fillCredentials } from './credentials.ts'
import type { Limiter } from './limiter.ts'
import type { MassJob, StandardJob } from './worker-messages.ts'

export interface JobEvents {
  started(jobId: number): void
  done(jobId: number, results: CheckResult[]): void
  log(line: string): void
}

/**
 * IScorE's TeamWorker: the checks of one team, run as concurrent async tasks (its ServiceWorkers)
 * inside a worker thread, with the team's own credentials and log thread name.
 */
export class TeamWorker {
  readonly team: TeamData
  readonly #registry: ServiceRegistry
  readonly #limiter: Limiter
  readonly #events: JobEvents

  constructor(team: TeamData, registry: ServiceRegistry, limiter: Limiter, events: JobEvents) {
    this.team = team
    this.#registry = registry
    this.#limiter = limiter
    this.#events = events
  }

  /** Starts a check; its timeout clock starts when it leaves the queue, not when it is queued. */
  run(job: StandardJob): Promise<void> {
    return this.#limiter.run(async () => {
      this.#events.started(job.jobId)
      const service = fillCredentials(job.service, this.team)
      const sink = {
        threadName: `TeamWorker-${this.team.number}`,
        log: (line: string) => this.#events.log(line),
      }
      const result = await runStandardCheck(this.#registry, service, sink)
      this.#events.done(job.jobId, [result])
    })
  }
}

/** Runs a mass check for every team at once, credentials filled per team. */
export async function runMassJob(
  job: MassJob,
  teams: ReadonlyMap<number, TeamData>,
  registry: ServiceRegistry,
  limiter: Limiter,
  events: JobEvents,
): Promise<void> {
  await limiter.run(async () => {
    events.started(job.jobId)
    const services = job.services.map((s) => {
      const team = teams.get(s.team)
      return team ? fillCredentials(s, team) : s
    })
    const name = job.services[0]?.subtype ?? 'mass'
    const results = await runMassCheck(registry, services, {
      threadName: `MassWorker-${name}`,
      log: (l) => events.log(l),
    })
    events.done(job.jobId, results)
  })
}
