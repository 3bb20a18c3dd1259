/**
 * The pause of rounds, kept in the `settings` table so that any process on the database (`scanner
 * pause`, the admin pages) can pause a running `scanner run`, and a scanner started while paused
 * waits. Key `paused`, value `{"since": ISO time, "reason": text or null, "actor": who}`; no row
 * means rounds run.
 */
import type { SqliteDatabase } from './open-database.ts'

export interface PauseState {
  /** When rounds were paused (ISO 8601). */
  since: string
  reason: string | null
  /** `cli`, or the white-team user of the pages who paused. */
  actor: string
}

const KEY = 'paused'

/** The pause in force, or null when rounds run (also on a database older than the settings table). */
export function readPause(db: SqliteDatabase): PauseState | null {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'`).get()
  if (!table) return null
  const row = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(KEY)
  if (!row) return null
  try {
    const value = JSON.parse(row.value) as Partial<PauseState>
    return {
      since: typeof value.since === 'string' ? value.since : '?',
      reason: typeof value.reason === 'string' ? value.reason : null,
      actor: typeof value.actor === 'string' ? value.actor : '?',
    }
  } catch {
    // Written by hand or by another tool: the row is there, so rounds are paused all the same.
    return { since: '?', reason: row.value, actor: '?' }
  }
}

/** Pauses rounds; a pause already in force is kept as it was (`changed` false). */
export function pauseRounds(
  db: SqliteDatabase,
  reason: string | null,
  actor: string,
): { state: PauseState; changed: boolean } {
  return db
    .transaction(() => {
      const current = readPause(db)
      if (current) return { state: current, changed: false }
      const state: PauseState = { since: new Date().toISOString(), reason, actor }
      db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(KEY, JSON.stringify(state))
      return { state, changed: true }
    })
    .immediate()
}

/** Resumes rounds; returns the pause that was lifted, or null when rounds were not paused. */
export function resumeRounds(db: SqliteDatabase): PauseState | null {
  return db
    .transaction(() => {
      const current = readPause(db)
      db.prepare('DELETE FROM settings WHERE key = ?').run(KEY)
      return current
    })
    .immediate()
}
