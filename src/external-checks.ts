/**
 * The SDK side of external checks: `openScanner` gives a script the four functions of IScorE on
 * the scanner's database. The database module (and its native addon) loads only when a script
 * opens it, so importing the SDK stays as light for `services.ts` files and worker threads as it
 * was, and opens nothing.
 */
import type { Score } from '../db/external-scores.ts'
import type { Store } from '../db/store.ts'
import { DatabaseAccessError, UsageError } from './errors.ts'
import type { Service } from './service.ts'

export type { Score }

/** Where `openScanner` finds the database. */
export interface OpenScannerOptions {
  /** The database file; default: the `SCANNER_DB` environment variable, else `./scanner.db`. */
  db?: string
}

/**
 * The scanner's database, opened by `openScanner` for an external check. Every call is one
 * transaction, synchronous (SQLite on this machine): when it returns the change is committed. A
 * call that refuses (unknown service, a service that is not external, a result that is not a whole
 * number of 0 or more, an unknown score) throws a `ScannerError` with a `code`
 * (`ERR_UNKNOWN_SERVICE`, `ERR_NOT_EXTERNAL`, `ERR_BAD_RESULT`, `ERR_UNKNOWN_SCORE`) and changes
 * nothing.
 *
 * @example
 * using scanner = await openScanner()   // closed at the end of the block
 * for (const service of scanner.services('plant')) {
 *   scanner.insertServiceScoreInProgress(service.id)
 *   const score = scanner.insertServiceScore(service.id, 10, null)
 *   scanner.insertServiceScoreDone(service.id)
 * }
 */
export interface ScannerConnection {
  /** The database file this connection writes to. */
  readonly file: string
  /**
   * The active external services (`external: true` in competition.yaml), in team order; with
   * `name`, only the services of that name (one per team). Each has its `id`, `team`, `host`,
   * `port`, `url`, credentials and `options` as the config gives them.
   *
   * @example
   * const plants = scanner.services('plant')   // [{ id: 7, team: 1, host: '10.0.1.50', ... }, ...]
   */
  services(name?: string): Service[]
  /**
   * Marks the service's check in progress: the status pages show a spinner next to it.
   *
   * @example
   * scanner.insertServiceScoreInProgress(service.id)
   */
  insertServiceScoreInProgress(serviceId: number): void
  /**
   * Records the score of a check of an external service, outside any round. `result` is the
   * points the team earned (a whole number, 0 or more; the service is up when its recorded score
   * is above 0); `errorMsg` is shown to the team (null when there is nothing to say). The score is
   * capped by the service's `score_cap` (the raw result is kept), and counts in the totals and the
   * SLA like a round's. An administratively down service is scored 0 with the error
   * `Administratively down: <reason>`, as in rounds.
   *
   * @example
   * const score = scanner.insertServiceScore(service.id, 0, 'the controller reports the plant tripped')
   * console.log(score.id, score.score, score.up)   // 42 0 false
   */
  insertServiceScore(serviceId: number, result: number, errorMsg?: string | null): Score
  /**
   * Marks the service's check finished: the spinner goes away. Call it after
   * `insertServiceScoreInProgress`, also when the check failed (in a `finally`).
   *
   * @example
   * try { ... } finally { scanner.insertServiceScoreDone(service.id) }
   */
  insertServiceScoreDone(serviceId: number): void
  /**
   * Keeps the admin-only detail of a failed check (a ServiceError: stack, transcript, raw
   * answer), linked to the score `insertServiceScore` returned. An `Error` is kept with its stack.
   * At most 64 KiB are kept. Returns the id of the ServiceError.
   *
   * @example
   * const score = scanner.insertServiceScore(service.id, 0, 'controller unreachable')
   * scanner.reportServiceError(score, err)        // err: the Error the request threw
   */
  reportServiceError(score: Score | number, error: unknown): number
  /** Closes the database. */
  close(): void
  /** Closes the database: `using scanner = await openScanner()` closes it at the end of the block. */
  [Symbol.dispose](): void
}

/** The admin detail of whatever a script caught: an Error's stack, or its text. */
function detailOf(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`
  if (typeof error === 'string') return error
  try {
    return JSON.stringify(error) ?? String(error)
  } catch {
    return String(error)
  }
}

/**
 * Opens the scanner's database for an external check script. A script scores the services with
 * `external: true` (which rounds skip) while rounds run in another process: each call waits for
 * the round's write to finish rather than fail.
 *
 * Why an object rather than module functions as in IScorE: the database is named once (option,
 * or `SCANNER_DB`), the script decides when it is closed, and two databases can be scored from
 * one script. Why async: the SQLite module loads here, not when the SDK is imported. The calls
 * on the connection are synchronous.
 *
 * @throws ScannerError `ERR_USAGE` when the database file does not exist, `ERR_DATABASE_IN_WORKER` in a
 * worker thread (a check type running in the scanner reports with `reportScore` instead).
 *
 * @example
 * import { openScanner } from 'scanner'
 *
 * const scanner = await openScanner({ db: './scanner.db' })
 * try {
 *   const states = await (await fetch('http://10.0.0.5:8000/plants')).json()
 *   for (const service of scanner.services('plant')) {
 *     scanner.insertServiceScoreInProgress(service.id)
 *     try {
 *       const running = states[service.team] === 'running'
 *       scanner.insertServiceScore(service.id, running ? service.points : 0, running ? null : 'plant down')
 *     } finally {
 *       scanner.insertServiceScoreDone(service.id)
 *     }
 *   }
 * } finally {
 *   scanner.close()
 * }
 */
export async function openScanner(options: OpenScannerOptions = {}): Promise<ScannerConnection> {
  const { isMainThread } = await import('node:worker_threads')
  if (!isMainThread)
    throw new DatabaseAccessError(
      'openScanner is for external check scripts: a check type reports its result with reportScore, and a worker thread never opens the database',
    )
  const file = options.db ?? process.env.SCANNER_DB ?? './scanner.db'
  const { existsSync } = await import('node:fs')
  if (file !== ':memory:' && !existsSync(file))
    throw new UsageError(`database ${file} not found (give openScanner({ db }) or set SCANNER_DB)`)
  const { Store } = await import('../db/store.ts')
  return connection(Store.open(file), file)
}

function connection(store: Store, file: string): ScannerConnection {
  return {
    file,
    services: (name) =>
      store.activeServices().filter((s) => s.external && (name === undefined || s.name === name)),
    insertServiceScoreInProgress: (serviceId) => store.insertServiceScoreInProgress(serviceId),
    insertServiceScore: (serviceId, result, errorMsg = null) =>
      store.insertServiceScore(serviceId, result, errorMsg),
    insertServiceScoreDone: (serviceId) => store.insertServiceScoreDone(serviceId),
    reportServiceError: (score, error) =>
      store.reportServiceError(typeof score === 'number' ? score : score.id, detailOf(error)),
    close: () => store.close(),
    [Symbol.dispose]: () => store.close(),
  }
}
