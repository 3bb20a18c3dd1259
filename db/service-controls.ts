/**
 * White-team controls of a service (administratively down, score cap) and their log: each change
 * and its log entry are written in one transaction, so the log never misses a change nor records
 * one that did not happen.
 */
import type { SqliteDatabase } from './open-database.ts'

export type ControlAction = 'down' | 'up' | 'cap' | 'uncap'

/** One entry of the control log, as `scanner service log --json` prints it. */
export interface ControlLogEntry {
  id: number
  team: number
  team_name: string
  service: string
  action: ControlAction
  /** The cap, for `cap`. */
  value: number | null
  /** Why the service was taken down, for `down`. */
  reason: string | null
  /** `cli`, or the white-team user of the web pages. */
  actor: string
  created_at: string
}

interface Controls {
  administratively_down: number
  down_reason: string | null
  score_cap: number | null
}

/**
 * Takes a service administratively down with `reason`, or back up (`reason` null). Returns false,
 * writing nothing, when the service is already so (down with the same reason, or up).
 */
export function setDown(
  db: SqliteDatabase,
  serviceId: number,
  down: boolean,
  reason: string | null,
  actor: string,
): boolean {
  return db
    .transaction(() => {
      const now = controlsOf(db, serviceId)
      if (
        down ? now.administratively_down === 1 && now.down_reason === reason : now.administratively_down === 0
      )
        return false
      db.prepare('UPDATE services SET administratively_down = ?, down_reason = ? WHERE id = ?').run(
        down ? 1 : 0,
        down ? reason : null,
        serviceId,
      )
      logControl(db, serviceId, down ? 'down' : 'up', null, down ? reason : null, actor)
      return true
    })
    .immediate()
}

/** Sets the score cap of a service, or clears it (`cap` null). False, writing nothing, when unchanged. */
export function setCap(db: SqliteDatabase, serviceId: number, cap: number | null, actor: string): boolean {
  return db
    .transaction(() => {
      if (controlsOf(db, serviceId).score_cap === cap) return false
      db.prepare('UPDATE services SET score_cap = ? WHERE id = ?').run(cap, serviceId)
      logControl(db, serviceId, cap === null ? 'uncap' : 'cap', cap, null, actor)
      return true
    })
    .immediate()
}

/** The control log, oldest first; of one service when `serviceId` is given. */
export function controlLog(db: SqliteDatabase, serviceId?: number): ControlLogEntry[] {
  return db
    .prepare<[number | null, number | null], ControlLogEntry>(
      `SELECT l.id, s.team, t.name AS team_name, s.name AS service, l.action, l.value, l.reason, l.actor,
              l.created_at
       FROM service_control_log l JOIN services s ON s.id = l.service_id JOIN teams t ON t.number = s.team
       WHERE ? IS NULL OR l.service_id = ? ORDER BY l.id`,
    )
    .all(serviceId ?? null, serviceId ?? null)
}

function controlsOf(db: SqliteDatabase, serviceId: number): Controls {
  const row = db
    .prepare<[number], Controls>(
      'SELECT administratively_down, down_reason, score_cap FROM services WHERE id = ?',
    )
    .get(serviceId)
  if (!row) throw new Error(`no service with id ${serviceId}`)
  return row
}

function logControl(
  db: SqliteDatabase,
  serviceId: number,
  action: ControlAction,
  value: number | null,
  reason: string | null,
  actor: string,
): void {
  db.prepare(
    `INSERT INTO service_control_log (service_id, action, value, reason, actor, created_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(serviceId, action, value, reason, actor, new Date().toISOString())
}
