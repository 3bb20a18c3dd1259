import { hostname } from 'node:os'
import { ScannerError } from '../src/errors.ts'
import type { SqliteDatabase } from './open-database.ts'

/** Another scanner process is running rounds on this database. */
export class RoundLockedError extends ScannerError {
  constructor(pid: number, since: string) {
    super(
      'ERR_ROUND_LOCKED',
      `another scanner (pid ${pid}, since ${since}) is running rounds on this database; wait for it or stop it`,
    )
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

interface RunnerRow {
  pid: number
  host: string
  started_at: string
}

/** The live holder of the run lock, or null when nobody (alive on this host) holds it. */
export function liveRunner(db: SqliteDatabase): RunnerRow | null {
  const row = db.prepare<[], RunnerRow>('SELECT pid, host, started_at FROM runner WHERE id = 1').get()
  if (!row) return null
  if (row.pid === process.pid && row.host === hostname()) return row
  return row.host === hostname() && alive(row.pid) ? row : null
}

/**
 * Takes the run lock for this process: only one process runs rounds on a database. A lock left
 * by a killed process (its pid is gone) is taken over, and what that process left is repaired.
 */
export function acquireRunLock(db: SqliteDatabase): { repaired: number } {
  let repaired = 0
  db.transaction(() => {
    const holder = liveRunner(db)
    if (holder && holder.pid !== process.pid) throw new RoundLockedError(holder.pid, holder.started_at)
    repaired = repairAbandonedRounds(db)
    db.prepare(`INSERT OR REPLACE INTO runner (id, pid, host, started_at) VALUES (1, ?, ?, ?)`).run(
      process.pid,
      hostname(),
      new Date().toISOString(),
    )
  }).immediate()
  return { repaired }
}

export function releaseRunLock(db: SqliteDatabase): void {
  db.prepare('DELETE FROM runner WHERE id = 1 AND pid = ?').run(process.pid)
}

/** Marks rounds left running by a dead process aborted and clears their in-progress flags. */
function repairAbandonedRounds(db: SqliteDatabase): number {
  const now = new Date().toISOString()
  const { changes } = db
    .prepare(`UPDATE rounds SET status = 'aborted', finished_at = ? WHERE status = 'running'`)
    .run(now)
  // External services keep theirs: their scripts run apart from rounds and clear their own.
  db.prepare(
    `UPDATE service_state SET in_progress = 0
       WHERE in_progress = 1 AND service_id IN (SELECT id FROM services WHERE external = 0)`,
  ).run()
  return changes
}
