import { readFileSync } from 'node:fs'
import { ExternalScoreError } from '../../db/external-scores.ts'
import { Store } from '../../db/store.ts'
import { UsageError } from '../errors.ts'
import { existingDb, type CommonArgs } from './common.ts'

export type ExternalAction = 'start' | 'score' | 'done' | 'error'

export interface ExternalArgs extends CommonArgs {
  action: ExternalAction
  /** The service id (start, score, done) or the score id (error), as typed. */
  id: string
  /** score: the result, as typed. */
  result?: string
  /** score: the message shown to the team; error: the admin detail (none or `-`: read from stdin). */
  message?: string
}

/**
 * A whole number as typed on a command line: digits only. `Number()` would take "1e3", "0x10",
 * " 5" or "" (as 0), and a script that prints "5x" or "1.5" has a bug worth stopping at.
 */
function wholeNumber(text: string | undefined, what: string, code: ExternalScoreError['code']): number {
  const value = /^\d{1,15}$/.test(text ?? '') ? Number(text) : NaN
  if (!Number.isSafeInteger(value))
    throw new ExternalScoreError(code, `${what} must be a whole number, got ${JSON.stringify(text ?? '')}`)
  return value
}

/** The detail piped to `scanner external error ID` (or `... ID -`). */
function detailFromStdin(): string {
  if (process.stdin.isTTY) throw new UsageError('give the error detail as MESSAGE, or pipe it to stdin')
  return readFileSync(0, 'utf8')
}

/**
 * `scanner external start|score|done|error`: the four external-check functions, for scripts in
 * any language. `score` prints the new score id (or the score with --json); the others print
 * nothing. A refused call exits 2 and changes nothing.
 */
export function externalCommand(args: ExternalArgs, out: (text: string) => void): void {
  const id = wholeNumber(
    args.id,
    args.action === 'error' ? 'the score id' : 'the service id',
    args.action === 'error' ? 'ERR_UNKNOWN_SCORE' : 'ERR_UNKNOWN_SERVICE',
  )
  const result =
    args.action === 'score' ? wholeNumber(args.result, 'the result (points, 0 or more)', 'ERR_BAD_RESULT') : 0
  const store = Store.open(existingDb(args.db))
  try {
    switch (args.action) {
      case 'start':
        store.insertServiceScoreInProgress(id)
        break
      case 'done':
        store.insertServiceScoreDone(id)
        break
      case 'score': {
        const score = store.insertServiceScore(id, result, args.message ?? null)
        const json = {
          id: score.id,
          service_id: score.serviceId,
          team: score.team,
          service: score.service,
          score: score.score,
          raw_score: score.rawScore,
          up: score.up,
          error: score.error,
          created_at: score.createdAt,
        }
        out(args.json ? JSON.stringify(json, null, 2) : String(score.id))
        break
      }
      case 'error':
        store.reportServiceError(id, args.message && args.message !== '-' ? args.message : detailFromStdin())
        break
    }
  } finally {
    store.close()
  }
}
