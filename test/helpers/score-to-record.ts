import type { ScoreToRecord } from '../../db/store.ts'

/**
 * A check result to record, for tests and benches that write rounds by hand: up when `points` is
 * above 0, else down at stage `connect` with "connection refused"; `extra` overrides.
 */
export function scoreToRecord(
  serviceId: number,
  points: number,
  extra: Partial<ScoreToRecord> = {},
): ScoreToRecord {
  const up = points > 0
  return {
    serviceId,
    score: points,
    rawScore: points,
    administrativelyDown: false,
    up,
    stage: up ? null : 'connect',
    error: up ? null : 'connection refused',
    detail: null,
    startedAt: Date.now(),
    durationMs: 1,
    ...extra,
  }
}
