/**
 * Password change requests (PCRs). The credential pools and team info are rewritten from the
 * config at every start, so a change is kept in a table of its own and laid over them each time
 * the credentials are read: the latest change of a (team, pool or info entry, user) wins.
 */
import type { TeamData } from '../src/service.ts'
import type { SqliteDatabase } from './open-database.ts'

/** Where a changed password lives: a credential pool, or a team info entry `{username, password}`. */
export type CredentialSource = 'pool' | 'info'

/** A password change to record. */
export interface PasswordChange {
  team: number
  source: CredentialSource
  /** Pool name or info key. */
  key: string
  username: string
  password: string
  /** Hash of the password it replaces (see `hashPassword`), never the password itself. */
  oldHash: string | null
}

/** One change in the history, without passwords (`scanner pcr --list --json`). */
export interface PasswordChangeEntry {
  id: number
  team: number
  team_name: string
  source: CredentialSource
  key: string
  username: string
  actor: string
  created_at: string
}

/** Records `changes` in order, in one transaction: all of them or none. */
export function recordPasswordChanges(
  db: SqliteDatabase,
  changes: readonly PasswordChange[],
  actor: string,
): void {
  const insert = db.prepare(
    `INSERT INTO password_changes (team, source, key, username, password, old_hash, actor, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  db.transaction(() => {
    const now = new Date().toISOString()
    for (const c of changes)
      insert.run(c.team, c.source, c.key, c.username, c.password, c.oldHash, actor, now)
  }).immediate()
}

/** Lays the latest change of each (team, source, key, user) over the credentials of `teams`. */
export function applyPasswordChanges(db: SqliteDatabase, teams: Map<number, TeamData>): void {
  // SQLite takes the bare columns from the row holding MAX(id): the latest change of each user.
  const latest = db
    .prepare<[], { team: number; source: CredentialSource; key: string; username: string; password: string }>(
      `SELECT team, source, key, username, password, MAX(id) FROM password_changes
       GROUP BY team, source, key, username`,
    )
    .all()
  for (const change of latest) {
    const team = teams.get(change.team)
    if (!team) continue
    const { username, password } = change
    if (change.source === 'pool') {
      const pool = team.pools[change.key] ?? []
      pool.forEach((entry, i) => {
        if (entry.username === username) pool[i] = { username, password }
      })
    } else {
      const entry = team.info[change.key]
      if (typeof entry === 'object' && entry.username === username)
        team.info[change.key] = { username, password }
    }
  }
}

/** Every change, oldest first, without passwords or hashes. */
export function passwordChangeHistory(db: SqliteDatabase): PasswordChangeEntry[] {
  return db
    .prepare<[], PasswordChangeEntry>(
      `SELECT p.id, p.team, t.name AS team_name, p.source, p.key, p.username, p.actor, p.created_at
       FROM password_changes p JOIN teams t ON t.number = p.team ORDER BY p.id`,
    )
    .all()
}
