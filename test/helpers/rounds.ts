import assert from 'node:assert/strict'
import type Database from 'better-sqlite3'

export interface RoundRow {
  id: number
  started_at: string
  finished_at: string | null
  status: string
  scores: number
}

/** Every round with the count of its scores. */
export function roundsOf(db: Database.Database): RoundRow[] {
  return db
    .prepare(
      `SELECT r.id, r.started_at, r.finished_at, r.status, COUNT(s.id) AS scores
         FROM rounds r LEFT JOIN scores s ON s.round_id = r.id GROUP BY r.id ORDER BY r.id`,
    )
    .all() as RoundRow[]
}

/**
 * Asserts that no round is half written and nothing is left behind: a complete round has one score
 * for every active non-external service, an aborted round has none, no round is still running, no
 * service is left in progress and the run lock is free. Returns the rounds.
 */
export function assertRoundsWhole(db: Database.Database): RoundRow[] {
  const services = (
    db.prepare('SELECT COUNT(*) AS n FROM services WHERE retired_at IS NULL AND external = 0').get() as {
      n: number
    }
  ).n
  const rounds = roundsOf(db)
  for (const round of rounds) {
    if (round.status === 'complete') assert.equal(round.scores, services, `round ${round.id} is complete`)
    else assert.deepEqual([round.status, round.scores], ['aborted', 0], `round ${round.id}`)
    assert.notEqual(round.finished_at, null, `round ${round.id} has an end`)
  }
  const inProgress = db.prepare('SELECT COUNT(*) AS n FROM service_state WHERE in_progress = 1').get() as {
    n: number
  }
  assert.equal(inProgress.n, 0, 'no service is left in progress')
  const runner = db.prepare('SELECT COUNT(*) AS n FROM runner').get() as { n: number }
  assert.equal(runner.n, 0, 'the run lock is released')
  return rounds
}
