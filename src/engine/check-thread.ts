import { Worker } from 'node:worker_threads'
import type { TeamData } from '../service.ts'
import type { CheckResult } from './check-result.ts'
import type { CompiledServices } from './services-loader.ts'
import type { FromWorker, Job, ToWorker, WorkerInit } from './worker-messages.ts'

/**
 * V8 limits of a check thread: the young generation (where hundreds of checks in flight put their
 * short-lived buffers) held at 48 MB. Measured on a 100 x 15 round (bench/engine-rounds.ts, one
 * worker): peak RSS 342-365 MB without limits, 255-288 MB with them, rounds no slower (noisy);
 * 6 MB saved little more and made rounds ~25% slower (more collections).
 */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 48 }

/** Where the worker script comes from: a file, or its code (the single binary embeds it). */
export type WorkerSource = { file: URL } | { code: string }

export interface ThreadEvents {
  started(thread: CheckThread, jobId: number): void
  done(thread: CheckThread, jobId: number, results: CheckResult[]): void
  log(line: string): void
  /** The thread died on its own (crash, exit) after it was ready. */
  died(thread: CheckThread, reason: string): void
}

export interface ThreadOptions {
  source: WorkerSource
  /** A worker already started with `source` and waiting for its `WorkerInit` (worker-prestart.ts). */
  worker?: Worker | undefined
  services: CompiledServices
  maxInFlight: number
  heartbeatMs: number
  events: ThreadEvents
  /** A thread that only re-runs suspects of a stalled thread, closed when they are done. */
  quarantine: boolean
}

/** One worker thread and the jobs it holds: sent but not started, and running. */
export class CheckThread {
  readonly worker: Worker
  readonly quarantine: boolean
  readonly pending = new Map<number, Job>()
  readonly running = new Map<number, { job: Job; since: number }>()
  readonly ready: Promise<void>
  #beat: Int32Array
  #lastBeat = 0
  #lastBeatAt = performance.now()
  #stopped = false
  #up = false

  constructor(options: ThreadOptions) {
    this.quarantine = options.quarantine
    const heartbeat = new SharedArrayBuffer(4)
    this.#beat = new Int32Array(heartbeat)
    const workerData: WorkerInit = {
      services: options.services,
      heartbeat,
      heartbeatMs: options.heartbeatMs,
      maxInFlight: options.maxInFlight,
    }
    const src = options.source
    if (options.worker) {
      this.worker = options.worker
      this.worker.postMessage({ type: 'init', init: workerData } satisfies ToWorker)
    } else {
      this.worker =
        'file' in src
          ? new Worker(src.file, { workerData, resourceLimits: WORKER_LIMITS })
          : new Worker(src.code, { eval: true, workerData, resourceLimits: WORKER_LIMITS })
    }
    const events = options.events
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          this.#up = true
          this.#lastBeatAt = performance.now()
          resolve()
        } else if (msg.type === 'fatal') {
          reject(Object.assign(new Error(msg.message), { code: msg.code }))
        } else {
          for (const line of msg.logs) events.log(line)
          const now = performance.now()
          for (const jobId of msg.started) {
            const job = this.pending.get(jobId)
            if (!job) continue
            this.pending.delete(jobId)
            this.running.set(jobId, { job, since: now })
          }
          for (const { jobId, results } of msg.done) {
            if (this.running.delete(jobId) || this.pending.delete(jobId)) events.done(this, jobId, results)
          }
        }
      })
      const onDeath = (reason: string) => {
        if (this.#stopped) return
        this.#stopped = true
        if (this.#up) events.died(this, reason)
        else reject(new Error(`worker thread could not start: ${reason}`))
      }
      this.worker.on('error', (err: Error) => onDeath(`crashed its worker thread: ${err.message}`))
      this.worker.on('exit', (code) => onDeath(`crashed its worker thread (exit code ${code})`))
    })
    this.ready.catch(() => undefined)
  }

  get busy(): boolean {
    return this.pending.size > 0 || this.running.size > 0
  }

  /** The thread has started and not ended. */
  get up(): boolean {
    return this.#up && !this.#stopped
  }

  get stopped(): boolean {
    return this.#stopped
  }

  send(teams: TeamData[], jobs: Job[]): void {
    for (const job of jobs) this.pending.set(job.jobId, job)
    this.worker.postMessage({ type: 'teams', teams } satisfies ToWorker)
    this.worker.postMessage({ type: 'jobs', jobs } satisfies ToWorker)
  }

  /** Milliseconds since the worker's event loop last turned. */
  stalledFor(now: number): number {
    const value = Atomics.load(this.#beat, 0)
    if (value !== this.#lastBeat) {
      this.#lastBeat = value
      this.#lastBeatAt = now
    }
    return now - this.#lastBeatAt
  }

  /** Ends the thread; what it held is the caller's to re-run. */
  async stop(): Promise<void> {
    this.#stopped = true
    await this.worker.terminate()
  }
}
