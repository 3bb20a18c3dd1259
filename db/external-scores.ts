/**
 * The four external-check functions of IScorE, on the scanner's database: services with
 * `external: true` are skipped by rounds and scored by the white team's scripts, through
 * `scanner external ...` or the SDK's `openScanner`.
 *
 * Each call is one immediate write transaction: it waits for the write lock (the busy timeout of
 * `openDatabase`) while a round of another process is being written, instead of failing with
 * SQLITE_BUSY, and it changes nothing when it refuses.
 */
import { ScannerError } from '../src/errors.ts'
import { MAX_DETAIL_CHARS, MAX_ERROR_CHARS, bound, clean } from '../src/engine/check-result.ts'
import type { ScoreToRecord, Store } from './store.ts'

/** Why an external-check call was refused; the CLI exits 2 on each of them. */
export type ExternalErrorCode =
  'ERR_UNKNOWN_SERVICE' | 'ERR_NOT_EXTERNAL' | 'ERR_BAD_RESULT' | 'ERR_UNKNOWN_SCORE'

export const EXTERNAL_ERROR_CODES: readonly ExternalErrorCode[] = [
  'ERR_UNKNOWN_SERVICE',
  'ERR_NOT_EXTERNAL',
  'ERR_BAD_RESULT',
  'ERR_UNKNOWN_SCORE',
]

/** An external-check call refused: nothing was written. Test `code`, not the class. */
export class ExternalScoreError extends ScannerError {
  declare readonly code: ExternalErrorCode
  constructor(code: ExternalErrorCode, message: string) {
    super(code, message)
  }
}

/** A score recorded by an external check, as `insertServiceScore` returns it. */
export interface Score {
  /** The score id: give it to `reportServiceError` (or `scanner external error ID`). */
  id: number
  serviceId: number
  team: number
  /** The service name (`plant`). */
  service: string
  /** Points recorded, after the service's `score_cap`. */
  score: number
  /** The result the script reported, before the cap. */
  rawScore: number
  /** True when the recorded score is above 0. */
  up: boolean
  /** The message shown to the team, or null. */
  error: string | null
  /** ISO 8601 time of the score. */
  createdAt: string
}

interface ServiceRow {
  id: number
  team: number
  name: string
  external: number
  retired_at: string | null
  administratively_down: number
  down_reason: string | null
  score_cap: number | null
}

/** The service `serviceId`, which must exist, be active and be external. */
function externalService(store: Store, serviceId: number): ServiceRow {
  if (!Number.isSafeInteger(serviceId) || serviceId < 1)
    throw new ExternalScoreError(
      'ERR_UNKNOWN_SERVICE',
      `service id must be a positive whole number, got ${serviceId}`,
    )
  const row = store.db
    .prepare<[number], ServiceRow>(
      `SELECT id, team, name, external, retired_at, administratively_down, down_reason, score_cap
       FROM services WHERE id = ?`,
    )
    .get(serviceId)
  if (!row)
    throw new ExternalScoreError(
      'ERR_UNKNOWN_SERVICE',
      `no service with id ${serviceId} (scanner services lists the ids)`,
    )
  if (row.retired_at !== null)
    throw new ExternalScoreError(
      'ERR_UNKNOWN_SERVICE',
      `service ${serviceId} (team ${row.team} ${row.name}) was removed from the config on ${row.retired_at}`,
    )
  if (row.external !== 1)
    throw new ExternalScoreError(
      'ERR_NOT_EXTERNAL',
      `service ${serviceId} (team ${row.team} ${row.name}) is not external: rounds score it; only services with external: true take external scores`,
    )
  return row
}

function setInProgress(store: Store, serviceId: number, inProgress: boolean): void {
  store.transaction(() => {
    externalService(store, serviceId)
    if (inProgress) store.markInProgress(serviceId)
    else store.markFinished(serviceId)
  })
}

/** `insertServiceScoreInProgress`: shows the in-progress spinner of the service. */
export function startExternalCheck(store: Store, serviceId: number): void {
  setInProgress(store, serviceId, true)
}

/** `insertServiceScoreDone`: hides the in-progress spinner of the service. */
export function finishExternalCheck(store: Store, serviceId: number): void {
  setInProgress(store, serviceId, false)
}

/**
 * `insertServiceScore`: records `result` for the service outside any round (`round_id` NULL), the
 * way a round records each of its scores (latest state, running totals, SLA). The score is capped
 * by the service's `score_cap`, the raw result kept. The result must be a whole number of 0 or
 * more: penalties are the white team's, not a script's, so a negative result is refused.
 *
 * A service the white team took administratively down is scored 0 with the error
 * `Administratively down: <reason>`, as rounds do; the script's result stays as the raw score and
 * its message goes to the admin detail (a ServiceError), so nothing it measured is lost.
 */
export function insertExternalScore(
  store: Store,
  serviceId: number,
  result: number,
  errorMsg: string | null,
): Score {
  if (typeof result !== 'number' || !Number.isSafeInteger(result) || result < 0)
    throw new ExternalScoreError(
      'ERR_BAD_RESULT',
      `the result must be a whole number of points, 0 or more, got ${typeof result === 'string' ? JSON.stringify(result) : String(result)}`,
    )
  const message = errorMsg === null || errorMsg === '' ? null : bound(clean(errorMsg), MAX_ERROR_CHARS)
  return store.transaction(() => {
    const service = externalService(store, serviceId)
    const down = service.administratively_down === 1
    const capped = service.score_cap === null ? result : Math.min(result, service.score_cap)
    const score = down ? 0 : capped
    const record: ScoreToRecord = {
      serviceId,
      score,
      rawScore: result,
      administrativelyDown: down,
      up: score > 0,
      stage: null,
      error: down ? `Administratively down: ${service.down_reason ?? 'no reason given'}` : message,
      detail: down && message !== null ? `the external check reported ${result}: ${message}` : null,
      startedAt: Date.now(),
      durationMs: 0,
    }
    const id = store.recordScore(null, record)
    return {
      id,
      serviceId,
      team: service.team,
      service: service.name,
      score,
      rawScore: result,
      up: record.up,
      error: record.error,
      createdAt: new Date(record.startedAt).toISOString(),
    }
  })
}

/**
 * `reportServiceError`: keeps the admin detail of an external score (a stack, a transcript) as a
 * ServiceError, bounded to 64 KiB. The score must be one of an external service.
 */
export function reportExternalError(store: Store, scoreId: number, detail: string): number {
  if (!Number.isSafeInteger(scoreId) || scoreId < 1)
    throw new ExternalScoreError(
      'ERR_UNKNOWN_SCORE',
      `score id must be a positive whole number, got ${scoreId}`,
    )
  const text = bound(clean(detail), MAX_DETAIL_CHARS)
  if (text.trim() === '') throw new ExternalScoreError('ERR_BAD_RESULT', 'the error detail is empty')
  return store.transaction(() => {
    const score = store.db
      .prepare<[number], { service_id: number; round_id: number | null }>(
        'SELECT service_id, round_id FROM scores WHERE id = ?',
      )
      .get(scoreId)
    if (!score) throw new ExternalScoreError('ERR_UNKNOWN_SCORE', `no score with id ${scoreId}`)
    if (score.round_id !== null)
      throw new ExternalScoreError(
        'ERR_NOT_EXTERNAL',
        `score ${scoreId} belongs to round ${score.round_id}, not to an external check`,
      )
    const { lastInsertRowid } = store.db
      .prepare('INSERT INTO service_errors (score_id, detail, created_at) VALUES (?, ?, ?)')
      .run(scoreId, text, new Date().toISOString())
    return Number(lastInsertRowid)
  })
}
