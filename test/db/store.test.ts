import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Store } from '../../db/store.ts'
import type { Competition, ServiceSpec } from '../../src/config/competition.ts'
import { serviceSpec } from '../helpers/service-spec.ts'
import { tempDir } from '../helpers/temp-dir.ts'
import { scoreToRecord } from '../helpers/score-to-record.ts'

const spec = serviceSpec

function competition(services: ServiceSpec[]): Competition {
  return {
    file: 'competition.yaml',
    name: 'Store test',
    round: { intervalMs: 120_000, jitterMs: 15_000 },
    teams: [
      {
        number: 1,
        name: 'Team 1',
        info: { admin: { username: 'a', password: 'b' } },
        pools: { users: [{ username: 'u', password: 'p' }] },
      },
      { number: 2, name: 'Team 2', info: {}, pools: {} },
    ],
    services,
    users: [],
    sla: null,
  }
}

test('store: the database file is created with mode 0600 in WAL mode', (t) => {
  const file = join(tempDir(t), 'scanner.db')
  const store = Store.open(file)
  t.after(() => store.close())
  assert.equal(statSync(file).mode & 0o777, 0o600)
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal')
})

test('store: sync upserts by team and service name, and retires removed services keeping their history', (t) => {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  store.syncCompetition(competition([spec(1, 'ssh'), spec(1, 'web'), spec(2, 'ssh')]))
  const ids = Object.fromEntries(store.activeServices().map((s) => [`${s.team}/${s.name}`, s.id]))
  const round = store.beginRound()
  store.transaction(() =>
    store.recordRoundScores(round, [scoreToRecord(ids['1/web']!, 5, { durationMs: 3 })]),
  )
  const summary = store.syncCompetition(competition([spec(1, 'ssh', { port: 2222 }), spec(2, 'ssh')]))
  assert.deepEqual(summary, { added: 0, updated: 2, retired: 1 })
  const active = store.activeServices()
  assert.deepEqual(
    active.map((s) => `${s.team}/${s.name}`),
    ['1/ssh', '2/ssh'],
  )
  assert.equal(active[0]!.id, ids['1/ssh'], 'the id is kept across syncs')
  assert.equal(active[0]!.port, 2222)
  const kept = store.db
    .prepare('SELECT COUNT(*) AS n FROM scores WHERE service_id = ?')
    .get(ids['1/web']) as { n: number }
  assert.equal(kept.n, 1, 'the retired service keeps its scores')
  const teams = store.teams()
  assert.deepEqual(teams.get(1)?.pools, { users: [{ username: 'u', password: 'p' }] })
  assert.deepEqual(teams.get(1)?.info, { admin: { username: 'a', password: 'b' } })
})

test('store: sync keeps white-team controls (administratively down, score cap)', (t) => {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  store.syncCompetition(competition([spec(1, 'ssh')]))
  const id = store.activeServices()[0]!.id
  store.setAdministrativelyDown(id, true, 'penalty')
  store.setScoreCap(id, 2)
  store.syncCompetition(competition([spec(1, 'ssh')]))
  const s = store.activeServices()[0]!
  assert.equal(s.administrativelyDown, true)
  assert.equal(s.downReason, 'penalty')
  assert.equal(s.scoreCap, 2)
})
