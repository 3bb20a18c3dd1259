/**
 * The queries of `scanner export`: every score with the times of its round, read row by row
 * (`iterate`), so that a competition of 300 000 scores is never held in memory at once.
 */
import type { SqliteDatabase } from './open-database.ts'

/** A round as the export shows it. */
export interface ExportedRound {
  round: number
  started_at: string
  finished_at: string | null
  status: 'complete' | 'aborted'
}

/** A score as the export shows it (the field names of `scanner export --format json`). */
export interface ExportedScore {
  team: number
  service: string
  score: number
  raw_score: number
  up: boolean
  stage: string | null
  error: string | null
  duration_ms: number | null
}

/** A score of an external check: no round, its own id and time. */
export interface ExportedExternalScore extends ExportedScore {
  id: number
  created_at: string
}

/** One row of the rounds export: a round, and one of its scores (null for a round without any). */
export interface RoundScoreRow {
  round: ExportedRound
  score: ExportedScore | null
}

interface Row {
  round: number
  started_at: string
  finished_at: string | null
  status: 'complete' | 'aborted'
  score_id: number | null
  team: number | null
  service: string | null
  score: number | null
  raw_score: number | null
  up: number | null
  stage: string | null
  error: string | null
  duration_ms: number | null
}

/**
 * Every score of every finished round (or of round `roundId`), in round order, then service id
 * order: the order of the `scores_by_round` index, so SQLite sorts nothing. A running round is left
 * out: its scores are written when it ends. Consecutive rows of one round share one round object.
 */
export function* roundScoreRows(db: SqliteDatabase, roundId?: number): Generator<RoundScoreRow> {
  const rows = db
    .prepare<[number | null, number | null], Row>(
      `SELECT r.id AS round, r.started_at, r.finished_at, r.status, sc.id AS score_id, s.team,
              s.name AS service, sc.score, sc.raw_score, sc.up, sc.stage, sc.error, sc.duration_ms
       FROM rounds r
       LEFT JOIN scores sc ON sc.round_id = r.id
       LEFT JOIN services s ON s.id = sc.service_id
       WHERE r.status != 'running' AND (? IS NULL OR r.id = ?)
       ORDER BY r.id, sc.service_id`,
    )
    .iterate(roundId ?? null, roundId ?? null)
  let round: ExportedRound = { round: 0, started_at: '', finished_at: null, status: 'complete' }
  for (const r of rows) {
    if (round.round !== r.round)
      round = { round: r.round, started_at: r.started_at, finished_at: r.finished_at, status: r.status }
    yield {
      round,
      score:
        r.score_id === null
          ? null
          : {
              team: r.team ?? 0,
              service: r.service ?? '',
              score: r.score ?? 0,
              raw_score: r.raw_score ?? 0,
              up: r.up === 1,
              stage: r.stage,
              error: r.error,
              duration_ms: r.duration_ms,
            },
    }
  }
}

/** Every score recorded by an external check (no round), in the order they were recorded. */
export function* externalScoreRows(db: SqliteDatabase): Generator<ExportedExternalScore> {
  const rows = db
    .prepare<[], Omit<ExportedExternalScore, 'up'> & { up: number }>(
      `SELECT sc.id, sc.created_at, s.team, s.name AS service, sc.score, sc.raw_score, sc.up, sc.stage,
              sc.error, sc.duration_ms
       FROM scores sc JOIN services s ON s.id = sc.service_id
       WHERE sc.round_id IS NULL ORDER BY sc.id`,
    )
    .iterate()
  for (const r of rows) yield { ...r, up: r.up === 1 }
}

/** How many scores external checks recorded. */
export function externalScoreCount(db: SqliteDatabase): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM scores WHERE round_id IS NULL').get() as { n: number }).n
}
