import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { migrations } from '../../db/migrations.ts'
import { Store } from '../../db/store.ts'
import { tempDir } from '../helpers/temp-dir.ts'

test("migrations: a version 1 database keeps each service's latest state when it moves to service_state", (t) => {
  const file = join(tempDir(t), 'scanner.db')
  const v1 = new Database(file)
  v1.exec(migrations[0]!)
  v1.pragma('user_version = 1')
  v1.exec(`
    INSERT INTO teams (number, name) VALUES (1, 'Team 1');
    INSERT INTO services (id, team, name, subtype, host, port, points, timeout_ms, last_scan, last_scan_time,
                          last_scan_error, last_score_id, in_progress)
      VALUES (7, 1, 'www', 'http', '127.0.1.1', 80, 5, 2000, 0, '2026-11-01T10:00:00.000Z', 'connection refused', 3, 1);
    INSERT INTO rounds (id, started_at, status) VALUES (1, '2026-11-01T10:00:00.000Z', 'complete');
    INSERT INTO scores (id, round_id, service_id, score, raw_score, up, stage, error, created_at)
      VALUES (3, 1, 7, 0, 0, 0, 'connect', 'connection refused', '2026-11-01T10:00:00.000Z');
  `)
  v1.close()

  const store = Store.open(file)
  t.after(() => store.close())
  assert.equal(store.db.pragma('user_version', { simple: true }), migrations.length)
  const [row] = store.status()
  assert.equal(row?.up, false)
  assert.equal(row?.stage, 'connect')
  assert.equal(row?.error, 'connection refused')
  assert.equal(row?.last_scan_time, '2026-11-01T10:00:00.000Z')
  assert.equal(row?.in_progress, true)
  const columns = store.db
    .prepare<[], { name: string }>('PRAGMA table_info(services)')
    .all()
    .map((c) => c.name)
  assert.ok(!columns.includes('last_scan'), 'the state columns left the services table')
})
