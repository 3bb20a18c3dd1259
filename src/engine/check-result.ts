import type { Stage } from '../errors.ts'

/** The outcome of one check of one service, as a worker sends it to the main thread. */
export interface CheckResult {
  serviceId: number
  /** Score reported by the check (before any score cap). */
  score: number
  up: boolean
  /** Failing stage, null when up. */
  stage: Stage | null
  /** Message shown to the team (bounded), null when up. */
  error: string | null
  /** Admin-only detail: stack, transcript (bounded). */
  detail: string | null
  startedAt: number
  durationMs: number
}

export const MAX_ERROR_CHARS = 1024
export const MAX_DETAIL_CHARS = 64 * 1024

/** Cuts text to `max` characters with an ellipsis. */
export function bound(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** Removes control characters a hostile server may send, keeping tabs and new lines. */
export function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '?')
}

/** A failure result built by the engine itself (timeouts, crashed threads, administratively down). */
export function failure(
  serviceId: number,
  stage: Stage | null,
  error: string,
  startedAt: number,
  durationMs: number,
  detail: string | null = null,
): CheckResult {
  return { serviceId, score: 0, up: false, stage, error, detail, startedAt, durationMs }
}
