import type { Worker } from 'node:worker_threads'
import { RoundAbortedError } from '../errors.ts'
import type { TeamData } from '../service.ts'
import { failure, type CheckResult } from './check-result.ts'
import { CheckThread, type ThreadEvents, type WorkerSource } from './check-thread.ts'
import type { CompiledServices } from './services-loader.ts'
import type { Job } from './worker-messages.ts'

export interface PoolOptions {
  /** Threads in the pool (default: one per core). */
  size: number
  services: CompiledServices
  /** Checks in flight at once per thread. */
  maxInFlight: number
  /** A thread whose event loop does not turn for this long is stalled: replaced, its checks re-run. */
  stallMs: number
  heartbeatMs: number
  /** Extra time past a check's own timeout before the engine gives up on a lost result. */
  graceMs: number
  source: WorkerSource
  /** Gives a worker already started with `source` (see worker-prestart.ts), if there is one. */
  prestarted?: (() => Worker | undefined) | undefined
  log: (line: string) => void
}

/** Largest number of quarantine threads a stalled thread's suspects are spread over. */
const MAX_QUARANTINE_GROUPS = 8

interface RunState {
  teams: TeamData[]
  results: Map<number, CheckResult[]>
  remaining: number
  onDone: (jobId: number, results: CheckResult[]) => void
  finish: () => void
}

function jobTimeoutMs(job: Job): number {
  return job.kind === 'standard'
    ? job.service.timeoutMs
    : Math.max(0, ...job.services.map((s) => s.timeoutMs))
}

/** The failure results of a job the engine had to give up on. */
function failJob(job: Job, message: string, since: number): CheckResult[] {
  const services = job.kind === 'standard' ? [job.service] : job.services
  const startedAt = Date.now() - Math.round(performance.now() - since)
  return services.map((s) =>
    failure(s.id, 'action', message, startedAt, Math.round(performance.now() - since)),
  )
}

/**
 * A bounded pool of check threads. Standard jobs of one team always go to the same thread (its
 * TeamWorker); a watchdog replaces a thread whose event loop stalls or that crashes, re-runs the
 * innocent checks it held, and records only the culprit as failed: suspects are split over fresh
 * quarantine threads until the check that stalls is alone in its thread.
 */
export class WorkerPool {
  readonly #options: PoolOptions
  readonly #threads: CheckThread[] = []
  readonly #quarantine = new Set<CheckThread>()
  #run: RunState | null = null
  #watchdog: NodeJS.Timeout | undefined

  private constructor(options: PoolOptions) {
    this.#options = options
  }

  static async start(options: PoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options)
    const threads = Array.from({ length: Math.max(1, options.size) }, () => pool.#spawn(false))
    pool.#threads.push(...threads)
    // The first thread up is enough to begin: the others take their teams' jobs when they are
    // ready (#dispatch waits for each). When none can start (a services file that throws, say),
    // the pool fails with the first reason.
    try {
      await Promise.any(threads.map((t) => t.ready))
    } catch (err) {
      await pool.close()
      throw (err as AggregateError).errors[0]
    }
    return pool
  }

  get size(): number {
    return this.#threads.length
  }

  #spawn(quarantine: boolean): CheckThread {
    const events: ThreadEvents = {
      started: () => undefined,
      done: (thread, jobId, results) => {
        this.#run?.onDone(jobId, results)
        if (thread.quarantine && !thread.busy) void this.#retire(thread)
      },
      log: (line) => this.#options.log(line),
      died: (thread, reason) => void this.#fail(thread, reason),
    }
    const o = this.#options
    const thread = new CheckThread({
      source: o.source,
      worker: quarantine ? undefined : o.prestarted?.(),
      services: o.services,
      maxInFlight: o.maxInFlight,
      heartbeatMs: o.heartbeatMs,
      events,
      quarantine,
    })
    if (!quarantine) thread.ready.catch((err: Error) => this.#dropUnstarted(thread, err))
    return thread
  }

  /**
   * A thread that could not start while another is up leaves the pool: its jobs go to the
   * threads that are (#dispatch). While none is up, the pool fails to start instead.
   */
  #dropUnstarted(thread: CheckThread, err: Error): void {
    const slot = this.#threads.indexOf(thread)
    if (slot < 0 || !this.#threads.some((t) => t.up)) return
    this.#threads.splice(slot, 1)
    this.#options.log(`engine: ${err.message}; going on with ${this.#threads.length} thread(s)`)
  }

  async #retire(thread: CheckThread): Promise<void> {
    this.#quarantine.delete(thread)
    await thread.stop()
  }

  /** Sends jobs to a thread once it is ready; a thread that cannot start fails them. */
  #dispatch(thread: CheckThread, jobs: Job[]): void {
    const run = this.#run
    if (!run || jobs.length === 0) return
    thread.ready.then(
      () => {
        if (!thread.stopped) thread.send(run.teams, jobs)
        else this.#dispatch(this.#threads.find((t) => !t.stopped) ?? this.#isolate(), jobs)
      },
      (err: Error) => {
        this.#dropUnstarted(thread, err)
        const up = !thread.quarantine && this.#threads.find((t) => t.up)
        if (up) return this.#dispatch(up, jobs)
        for (const job of jobs)
          run.onDone(job.jobId, failJob(job, `the check could not run: ${err.message}`, performance.now()))
      },
    )
  }

  async #fail(thread: CheckThread, reason: string): Promise<void> {
    let replacement: CheckThread | null = null
    if (!this.#quarantine.delete(thread)) {
      const slot = this.#threads.indexOf(thread)
      if (slot < 0) return
      replacement = this.#spawn(false)
      this.#threads[slot] = replacement
    }
    const suspects = [...thread.running.values()]
    const notStarted = [...thread.pending.values()]
    thread.running.clear()
    thread.pending.clear()
    const stopping = thread.stop()
    const run = this.#run
    if (run) {
      this.#options.log(
        `engine: a check ${reason}; the thread is replaced and its ${suspects.length} check(s) in flight are re-run apart`,
      )
      if (suspects.length === 1 && suspects[0]) {
        const { job, since } = suspects[0]
        run.onDone(job.jobId, failJob(job, `the check ${reason}`, since))
      } else if (suspects.length > 1) {
        const groups = Math.min(suspects.length, MAX_QUARANTINE_GROUPS)
        for (let g = 0; g < groups; g++)
          this.#dispatch(
            this.#isolate(),
            suspects.filter((_, i) => i % groups === g).map((s) => s.job),
          )
      }
      if (notStarted.length > 0) this.#dispatch(replacement ?? this.#isolate(), notStarted)
    }
    await stopping
  }

  #isolate(): CheckThread {
    const thread = this.#spawn(true)
    this.#quarantine.add(thread)
    return thread
  }

  #tick(): void {
    const run = this.#run
    if (!run) return
    const now = performance.now()
    for (const thread of [...this.#threads, ...this.#quarantine]) {
      if (thread.stopped || !thread.busy) continue
      if (thread.stalledFor(now) > this.#options.stallMs) {
        void this.#fail(
          thread,
          `blocked the event loop of its worker thread for more than ${this.#options.stallMs / 1000} s`,
        )
        continue
      }
      for (const [jobId, { job, since }] of thread.running) {
        if (now - since > jobTimeoutMs(job) + this.#options.graceMs) {
          thread.running.delete(jobId)
          run.onDone(
            jobId,
            failJob(job, `the check did not finish after its ${jobTimeoutMs(job) / 1000} s timeout`, since),
          )
        }
      }
    }
  }

  /**
   * Runs every job and resolves with the results of each, once all are in. `threadOf` places a
   * job on a thread index (a team's checks stay together); `onJobDone` hears of each job as it ends.
   * When `signal` aborts, rejects with a `RoundAbortedError` at once; the threads still holding
   * jobs are replaced, so that no result of this run can reach a later one.
   */
  async run(
    jobs: Job[],
    teams: TeamData[],
    threadOf: (job: Job) => number,
    onJobDone?: (jobId: number) => void,
    signal?: AbortSignal,
  ): Promise<Map<number, CheckResult[]>> {
    if (this.#run) throw new Error('the worker pool is already running a round')
    if (signal?.aborted) throw new RoundAbortedError()
    const results = new Map<number, CheckResult[]>()
    let onAbort: (() => void) | undefined
    const done = new Promise<void>((resolve, reject) => {
      onAbort = () => reject(new RoundAbortedError())
      signal?.addEventListener('abort', onAbort, { once: true })
      const state: RunState = {
        teams,
        results,
        remaining: jobs.length,
        onDone: (jobId, r) => {
          if (results.has(jobId)) return
          results.set(jobId, r)
          onJobDone?.(jobId)
          if (--state.remaining === 0) state.finish()
        },
        finish: resolve,
      }
      this.#run = state
      if (jobs.length === 0) resolve()
    })
    this.#watchdog = setInterval(() => this.#tick(), Math.max(20, Math.min(100, this.#options.stallMs / 4)))
    try {
      const perThread = new Map<number, Job[]>()
      for (const job of jobs) {
        const index = threadOf(job) % this.#threads.length
        const list = perThread.get(index) ?? []
        list.push(job)
        perThread.set(index, list)
      }
      for (const [index, list] of perThread) this.#dispatch(this.#threads[index]!, list)
      await done
      return results
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort)
      clearInterval(this.#watchdog)
      this.#run = null
      await Promise.all([...this.#quarantine].map((t) => this.#retire(t)))
      if (signal?.aborted) await this.#replaceBusyThreads()
    }
  }

  /** Replaces every thread that still holds jobs of an abandoned run with a fresh one. */
  async #replaceBusyThreads(): Promise<void> {
    const stopping: Promise<void>[] = []
    this.#threads.forEach((thread, slot) => {
      if (!thread.busy) return
      thread.running.clear()
      thread.pending.clear()
      this.#threads[slot] = this.#spawn(false)
      stopping.push(thread.stop())
    })
    await Promise.all(stopping)
  }

  async close(): Promise<void> {
    clearInterval(this.#watchdog)
    const all = [...this.#threads, ...this.#quarantine]
    this.#threads.length = 0
    this.#quarantine.clear()
    await Promise.all(all.map((t) => t.stop()))
  }
}
