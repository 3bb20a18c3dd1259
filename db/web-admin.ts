/**
 * The writes of the white team's web pages, each in one transaction with its log row. Kept apart
 * from the Store while the CLI's own control commands are written; both write the same tables
 * (services, service_control_log, password_changes, settings), so the two agree on the data.
 */
import type { SqliteDatabase } from './open-database.ts'

export type ControlAction = 'down' | 'up' | 'cap' | 'uncap'

export interface ServiceControl {
  serviceId: number
  action: ControlAction
  /** The cap, for `cap`. */
  value?: number | null
  reason?: string | null
  /** The white-team user of the pages. */
  actor: string
}

/**
 * Takes a service administratively down or back up, or sets or clears its score cap, and logs the
 * action. Returns false when there is no such active service.
 */
export function controlService(db: SqliteDatabase, control: ServiceControl): boolean {
  const now = new Date().toISOString()
  return db
    .transaction(() => {
      const { serviceId, action } = control
      const update =
        action === 'down' || action === 'up'
          ? db
              .prepare(
                'UPDATE services SET administratively_down = ?, down_reason = ? WHERE id = ? AND retired_at IS NULL',
              )
              .run(action === 'down' ? 1 : 0, action === 'down' ? (control.reason ?? null) : null, serviceId)
          : db
              .prepare('UPDATE services SET score_cap = ? WHERE id = ? AND retired_at IS NULL')
              .run(action === 'cap' ? (control.value ?? null) : null, serviceId)
      if (update.changes === 0) return false
      db.prepare(
        `INSERT INTO service_control_log (service_id, action, value, reason, actor, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(
        serviceId,
        action,
        action === 'cap' ? (control.value ?? null) : null,
        control.reason ?? null,
        control.actor,
        now,
      )
      return true
    })
    .immediate()
}

export interface PasswordChange {
  team: number
  source: 'pool' | 'info'
  /** The pool name or the team info key. */
  key: string
  username: string
  password: string
  actor: string
}

/**
 * Records a password change request. `oldHash` hashes the password it replaces (the latest change
 * of that user, or the config's): the request log never holds an old password.
 */
export function recordPasswordChange(
  db: SqliteDatabase,
  change: PasswordChange,
  oldHash: string | null,
): void {
  db.prepare(
    `INSERT INTO password_changes (team, source, key, username, password, old_hash, actor, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    change.team,
    change.source,
    change.key,
    change.username,
    change.password,
    oldHash,
    change.actor,
    new Date().toISOString(),
  )
}

/**
 * The password a user of a team's pool or info entry has now: the latest change request, else
 * the config's (synced into pool_credentials / team_info). Null when the user is unknown there.
 */
export function currentPassword(
  db: SqliteDatabase,
  change: Omit<PasswordChange, 'password' | 'actor'>,
): string | null {
  const latest = db
    .prepare(
      `SELECT password FROM password_changes WHERE team = ? AND source = ? AND key = ? AND username = ?
       ORDER BY id DESC LIMIT 1`,
    )
    .get(change.team, change.source, change.key, change.username) as { password: string } | undefined
  if (latest) return latest.password
  if (change.source === 'pool') {
    const row = db
      .prepare('SELECT password FROM pool_credentials WHERE team = ? AND pool = ? AND username = ? LIMIT 1')
      .get(change.team, change.key, change.username) as { password: string } | undefined
    return row?.password ?? null
  }
  const row = db
    .prepare('SELECT value FROM team_info WHERE team = ? AND key = ?')
    .get(change.team, change.key) as { value: string } | undefined
  if (!row) return null
  const value = JSON.parse(row.value) as string | { username: string; password: string }
  return typeof value === 'object' && value.username === change.username ? value.password : null
}
