import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { migrations } from '../../db/migrations.ts'
import { Store } from '../../db/store.ts'
import { tempDir } from '../helpers/temp-dir.ts'
import { scoreToRecord } from '../helpers/score-to-record.ts'

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

test('migrations: a version 2 database with scores gets its running totals filled, and scoring goes on from them', (t) => {
  const file = join(tempDir(t), 'scanner.db')
  const v2 = new Database(file)
  v2.exec(migrations[0]!)
  v2.exec(migrations[1]!)
  v2.pragma('user_version = 2')
  v2.exec(`
    INSERT INTO teams (number, name) VALUES (1, 'Team 1'), (2, 'Team 2');
    INSERT INTO services (id, team, name, subtype, host, port, points, timeout_ms, score_cap)
      VALUES (7, 1, 'www', 'http', '127.0.1.1', 80, 5, 2000, NULL),
             (8, 2, 'www', 'http', '127.0.1.2', 80, 5, 2000, 2),
             (9, 2, 'dns', 'dns', '127.0.1.2', 53, 4, 2000, NULL);
    INSERT INTO service_state (service_id, last_scan, last_score_id) VALUES (7, 1, 5), (8, 1, 6), (9, NULL, NULL);
    INSERT INTO rounds (id, started_at, status) VALUES (1, '2026-11-01T10:00:00.000Z', 'complete'),
                                                      (2, '2026-11-01T10:02:00.000Z', 'complete');
    INSERT INTO scores (id, round_id, service_id, score, raw_score, up, created_at) VALUES
      (1, 1, 7, 0, 0, 0, '2026-11-01T10:00:00.000Z'),
      (2, 1, 8, 2, 5, 1, '2026-11-01T10:00:00.000Z'),
      (5, 2, 7, 5, 5, 1, '2026-11-01T10:02:00.000Z'),
      (6, 2, 8, 2, 5, 1, '2026-11-01T10:02:00.000Z');
  `)
  v2.close()

  const store = Store.open(file)
  t.after(() => store.close())
  assert.equal(store.db.pragma('user_version', { simple: true }), migrations.length)
  const state = store.db
    .prepare(
      'SELECT service_id, points, penalties, checks, up_checks, failures_in_a_row FROM service_state ORDER BY service_id',
    )
    .all()
  assert.deepEqual(state, [
    { service_id: 7, points: 5, penalties: 0, checks: 2, up_checks: 1, failures_in_a_row: 0 },
    { service_id: 8, points: 4, penalties: 0, checks: 2, up_checks: 2, failures_in_a_row: 0 },
    { service_id: 9, points: 0, penalties: 0, checks: 0, up_checks: 0, failures_in_a_row: 0 },
  ])
  assert.deepEqual(store.scoreTotals(), [
    { team: 1, team_name: 'Team 1', total: 5, services: { www: 5 }, penalties: 0 },
    { team: 2, team_name: 'Team 2', total: 4, services: { www: 4, dns: 0 }, penalties: 0 },
  ])

  const round = store.beginRound()
  const at = Date.parse('2026-11-01T10:04:00.000Z')
  const score = (serviceId: number, points: number) => scoreToRecord(serviceId, points, { startedAt: at })
  store.writeRound(round, [score(7, 5), score(8, 2), score(9, 4)])
  assert.deepEqual(
    store.scoreTotals().map((t) => t.total),
    [10, 10],
  )
})
