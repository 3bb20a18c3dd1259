import { setTimeout as sleep } from 'node:timers/promises'
import type { PauseState } from '../../db/pause-setting.ts'
import type { Store } from '../../db/store.ts'
import type { SyncSummary } from '../../db/sync-competition.ts'
import type { Competition } from '../config/competition.ts'
import { formatDuration } from '../config/duration.ts'
import type { ServiceRegistry } from '../registry.ts'
import { messageOfError } from './error-stage.ts'
import { runRound, type RoundProgress, type RoundSummary } from './round.ts'
import type { WorkerPool } from './worker-pool.ts'

export interface LoopOptions {
  intervalMs: number
  jitterMs: number
  /** How often the pause flag is read, in rounds and between them (default 500 ms). */
  pollMs?: number
  /** Uniform in [0, 1): draws the jitter (tests pass a fixed one). */
  random?: () => number
  /** Scan log lines of the checks. */
  log: (line: string) => void
  /** What the loop does and why: paused, resumed, late rounds, config re-read. */
  notice: (line: string) => void
  progress?: (progress: RoundProgress) => void
  /** After each complete round, with the milliseconds until the next one starts. */
  onRound?: (summary: RoundSummary, nextInMs: number) => void
  /** Reads the config again (see `RoundLoop.reload`); throws when the file cannot be used. */
  reload?: () => Competition
}

/** `3 teams, 9 services (9 added, 0 updated, 0 retired), rounds every 2m +- 15s` */
export function describeSync(competition: Competition, sync: SyncSummary): string {
  const { intervalMs, jitterMs } = competition.round
  return `${competition.teams.length} teams, ${competition.services.length} services (${sync.added} added, ${sync.updated} updated, ${sync.retired} retired), rounds every ${formatDuration(intervalMs)} +- ${formatDuration(jitterMs)}`
}

export interface LoopEnd {
  /** Rounds completed. */
  rounds: number
  /** Id of the round aborted by `abort()`, or null when the loop stopped between rounds. */
  aborted: number | null
}

const DEFAULT_POLL_MS = 500

/**
 * Milliseconds from the start of a round to the start of the next: `interval` plus a uniform
 * draw in [-jitter, +jitter], so that teams cannot time an outage between two rounds.
 *
 * @example
 * nextRoundDelay(120_000, 15_000, () => 0.5) // 120000
 */
export function nextRoundDelay(
  intervalMs: number,
  jitterMs: number,
  random: () => number = Math.random,
): number {
  return Math.max(0, Math.round(intervalMs + (random() * 2 - 1) * jitterMs))
}

/**
 * Continuous rounds (`scanner run`): a round starts `interval +- jitter` after the previous one
 * started, or right after it ends when it ran longer (rounds never overlap). `stop()` lets the
 * round in flight finish and starts no other; `abort()` aborts it. A pause set in the database
 * (`scanner pause`, by any process) keeps new rounds from starting until it is lifted.
 */
export class RoundLoop {
  readonly #stop = new AbortController()
  readonly #abort = new AbortController()
  #inFlight: number | null = null
  #paused: PauseState | null = null
  #pauseUnreadable = false
  #reloadWanted = false
  #timing = { intervalMs: 0, jitterMs: 0 }

  /** Id of the round in flight, null between rounds. */
  get roundInFlight(): number | null {
    return this.#inFlight
  }

  get stopping(): boolean {
    return this.#stop.signal.aborted
  }

  /** No new round starts; the round in flight (if any) finishes and `run` resolves. */
  stop(): void {
    this.#stop.abort()
  }

  /** Stops, and aborts the round in flight: marked aborted, no score written. */
  abort(): void {
    this.#stop.abort()
    this.#abort.abort()
  }

  /** Reads the config again before the next round starts (SIGHUP). */
  reload(): void {
    this.#reloadWanted = true
  }

  /** Runs rounds until `stop()` or `abort()`. The pool is reused by every round. */
  async run(
    store: Store,
    registry: ServiceRegistry,
    pool: WorkerPool,
    options: LoopOptions,
  ): Promise<LoopEnd> {
    const pollMs = options.pollMs ?? DEFAULT_POLL_MS
    this.#timing = { intervalMs: options.intervalMs, jitterMs: options.jitterMs }
    const watch = setInterval(() => this.#readPause(store, options), pollMs)
    let rounds = 0
    let nextAt = performance.now()
    try {
      for (;;) {
        if (!(await this.#waitUntil(nextAt, store, options, pollMs))) return { rounds, aborted: null }
        if (this.#reloadWanted) this.#reloadConfig(store, options)
        const started = performance.now()
        let summary: RoundSummary
        try {
          summary = await runRound({
            store,
            registry,
            pool,
            log: options.log,
            progress: options.progress,
            onBegin: (id) => (this.#inFlight = id),
            signal: this.#abort.signal,
          })
        } catch (err) {
          if ((err as { code?: unknown }).code === 'ERR_ROUND_ABORTED')
            return { rounds, aborted: this.#inFlight }
          throw err
        } finally {
          this.#inFlight = null
        }
        rounds++
        const delay = nextRoundDelay(this.#timing.intervalMs, this.#timing.jitterMs, options.random)
        nextAt = started + delay
        const late = performance.now() - nextAt
        if (late > 0 && !this.stopping)
          options.notice(
            `round ${summary.roundId} took ${formatDuration(summary.durationMs)}, longer than the ${formatDuration(delay)} drawn until the next round: the next round starts now`,
          )
        options.onRound?.(summary, Math.max(0, Math.round(-late)))
      }
    } finally {
      clearInterval(watch)
    }
  }

  /** Waits until `at` (a `performance.now()` time) and no pause is in force; false when stopped. */
  async #waitUntil(at: number, store: Store, options: LoopOptions, pollMs: number): Promise<boolean> {
    for (;;) {
      if (this.stopping) return false
      const paused = this.#readPause(store, options)
      const left = at - performance.now()
      if (!paused && left <= 0) return true
      await sleep(paused ? pollMs : Math.min(pollMs, left), undefined, { signal: this.#stop.signal }).catch(
        () => undefined,
      )
    }
  }

  /** Reads the pause flag and tells when it changed. */
  #readPause(store: Store, options: LoopOptions): boolean {
    let pause: PauseState | null
    try {
      pause = store.pause()
    } catch (err) {
      // A read that fails now and then (the disk, a lock) must not end the rounds: keep the state.
      if (!this.#pauseUnreadable) options.notice(`could not read the pause flag: ${messageOfError(err)}`)
      this.#pauseUnreadable = true
      return this.#paused !== null
    }
    this.#pauseUnreadable = false
    if (pause && !this.#paused) {
      const reason = pause.reason ? ` (${pause.reason})` : ''
      const inFlight = this.#inFlight === null ? '' : `round ${this.#inFlight} finishes, then `
      options.notice(
        `paused by ${pause.actor} since ${pause.since}${reason}: ${inFlight}no new round starts until scanner resume`,
      )
    } else if (!pause && this.#paused) {
      options.notice('resumed: rounds start again')
    }
    this.#paused = pause
    return pause !== null
  }

  #reloadConfig(store: Store, options: LoopOptions): void {
    this.#reloadWanted = false
    if (!options.reload) return
    try {
      const competition = options.reload()
      const sync = store.syncCompetition(competition)
      this.#timing = competition.round
      options.notice(
        `config re-read: ${describeSync(competition, sync)}; services files are read at start only`,
      )
    } catch (err) {
      options.notice(`config not re-read, the rounds go on as before: ${messageOfError(err)}`)
    }
  }
}
