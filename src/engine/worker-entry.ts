/**
 * Entry of a check worker thread: hosts the TeamWorkers of the teams the main thread gives it and
 * runs their checks. It never opens the database; results go back as messages, batched.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { TeamData } from '../service.ts'
import type { CheckResult } from './check-result.ts'
import { Limiter } from './limiter.ts'
import { loadCompiledCheckTypes } from './load-types.ts'
import { TeamWorker, runMassJob, type JobEvents } from './team-worker.ts'
import type { FromWorker, Job, ToWorker, WorkerInit } from './worker-messages.ts'

if (!parentPort) throw new Error('worker-entry runs only as a worker thread')
const port = parentPort

/** The settings: in `workerData`, or in the first message for a pre-started worker. */
function settings(): Promise<WorkerInit> {
  const data = workerData as WorkerInit | { deferred: true }
  if (!('deferred' in data)) return Promise.resolve(data)
  return new Promise((resolve) =>
    port.once('message', (msg: ToWorker) => {
      if (msg.type === 'init') resolve(msg.init)
    }),
  )
}

let outbox: Extract<FromWorker, { type: 'batch' }> | null = null
function batch(): Extract<FromWorker, { type: 'batch' }> {
  if (!outbox) {
    outbox = { type: 'batch', started: [], done: [], logs: [] }
    setImmediate(() => {
      const msg = outbox
      outbox = null
      if (msg) port.postMessage(msg satisfies FromWorker)
    })
  }
  return outbox
}
const events: JobEvents = {
  started: (jobId: number) => batch().started.push(jobId),
  done: (jobId: number, results: CheckResult[]) => batch().done.push({ jobId, results }),
  log: (line: string) => batch().logs.push(line),
}

// A stray error from one check's callbacks must not take the other checks of this thread with it.
process.on('uncaughtException', (err) => events.log(`worker: uncaught error in a check: ${err.message}`))
process.on('unhandledRejection', (err) =>
  events.log(`worker: unhandled rejection in a check: ${String(err)}`),
)

async function start(): Promise<void> {
  const init = await settings()
  const beat = new Int32Array(init.heartbeat)
  setInterval(() => Atomics.add(beat, 0, 1), init.heartbeatMs).unref()
  const registry = loadCompiledCheckTypes(init.services)
  const limiter = new Limiter(init.maxInFlight)
  const teams = new Map<number, TeamData>()
  const workers = new Map<number, TeamWorker>()

  const runJob = (job: Job): void => {
    if (job.kind === 'mass') {
      void runMassJob(job, teams, registry, limiter, events)
      return
    }
    let worker = workers.get(job.team)
    if (!worker) {
      const team = teams.get(job.team) ?? { number: job.team, name: `Team ${job.team}`, info: {}, pools: {} }
      worker = new TeamWorker(team, registry, limiter, events)
      workers.set(job.team, worker)
    }
    void worker.run(job)
  }

  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'teams') {
      for (const team of msg.teams) {
        teams.set(team.number, team)
        workers.delete(team.number)
      }
    } else if (msg.type === 'jobs') {
      for (const job of msg.jobs) runJob(job)
    }
  })
  port.postMessage({ type: 'ready' } satisfies FromWorker)
}

start().catch((err: unknown) => {
  const e = err as { code?: unknown; message?: unknown }
  port.postMessage({
    type: 'fatal',
    code: typeof e.code === 'string' ? e.code : 'ERR_WORKER_START',
    message: typeof e.message === 'string' ? e.message : String(err),
  } satisfies FromWorker)
})
