import assert from 'node:assert/strict'
import { test } from 'node:test'
import { threadId } from 'node:worker_threads'
import { runRoundWith } from '../helpers/engine.ts'

const yaml = `
name: Lifecycle
defaults: { timeout: 3s, points: 5 }
teams:
  - number: 1
    info: { admin: { username: alice, password: alice-pw } }
    pools: { users: [ "carol:carol-pw" ] }
  - number: 2
    info: { admin: { username: bob, password: wrong } }
    pools: { users: [] }
  - number: 3
    info: { other: plain }
    pools: { users: [ { username: dave, password: dave-pw }, "erin:erin-pw" ] }
services:
  - { name: probe, type: probe, host: 127.0.0.1, port: 1 }
  - { name: pooled, type: creds, host: 127.0.0.1, port: 1, credential_pool: users }
  - { name: plant, type: mass-sum, host: 127.0.0.1, port: 1, overrides: { 2: { port: 9 } } }
  - { name: remote, type: multi, host: 127.0.0.1, port: 1, overrides: { 3: { port: 2 } } }
  - { name: scripted, type: probe, host: 127.0.0.1, port: 1, external: true }
`

function hooksOf(logs: string[], team: number, service = '127.0.0.1:1'): { hook: string; thread: number }[] {
  return logs
    .filter((l) => l.includes(`Team${team} : PROBE hook`) && l.endsWith(service))
    .map((l) => {
      const m = /hook (\w+) thread (\d+)/.exec(l)
      return { hook: m![1]!, thread: Number(m![2]) }
    })
}

test('lifecycle: hooks run in order, startCheck/endCheck on the main thread and doCheck in a team worker', async (t) => {
  const run = await runRoundWith(t, yaml, { workers: 2 })
  for (const team of [1, 2, 3]) {
    const hooks = hooksOf(run.logs, team).filter((h, i, all) => all.findIndex((x) => x.hook === h.hook) === i)
    const names = hooks.map((h) => h.hook)
    assert.deepEqual(names.slice(0, 1), ['startCheck'])
    assert.deepEqual(names.slice(-1), ['endCheck'])
    assert.deepEqual(names.filter((n) => !['startCheck', 'endCheck'].includes(n)).slice(0, 4), [
      'resolveMulti',
      'preCheck',
      'doCheck',
      'postCheck',
    ])
    const threadOf = (hook: string) => hooks.find((h) => h.hook === hook)!.thread
    assert.equal(threadOf('startCheck'), threadId)
    assert.equal(threadOf('endCheck'), threadId)
    assert.notEqual(threadOf('doCheck'), threadId, 'doCheck must run in a worker thread')
    assert.equal(threadOf('preCheck'), threadOf('doCheck'))
  }
})

test('lifecycle: every non-external service gets exactly one score row per round, external ones none', async (t) => {
  const run = await runRoundWith(t, yaml, { workers: 2 })
  const rows = run.store.db
    .prepare(
      'SELECT s.team, s.name, COUNT(sc.id) AS n FROM services s LEFT JOIN scores sc ON sc.service_id = s.id AND sc.round_id = ? GROUP BY s.id',
    )
    .all(run.summary.roundId) as { team: number; name: string; n: number }[]
  assert.equal(rows.length, 15)
  for (const r of rows) assert.equal(r.n, r.name === 'scripted' ? 0 : 1, `${r.team}/${r.name}`)
  const inProgress = run.store.db
    .prepare('SELECT COUNT(*) AS n FROM service_state WHERE in_progress = 1')
    .get() as { n: number }
  assert.equal(inProgress.n, 0, 'no service may stay in progress after a clean round')
  assert.equal(run.store.rounds().at(-1)?.status, 'complete')
})

test('getCredentials: draws from the pool, and an empty pool is recorded as a CredentialsError of that service', async (t) => {
  const run = await runRoundWith(t, yaml, { workers: 1 })
  assert.equal(run.result(1, 'pooled').up, true)
  assert.ok(run.logs.some((l) => l.includes('Team1 : CREDS login as carol to')))
  assert.equal(run.result(3, 'pooled').up, true)
  const empty = run.result(2, 'pooled')
  assert.equal(empty.up, false)
  assert.equal(empty.stage, 'auth')
  assert.match(empty.error!, /credential pool "users" of Team2 is empty/)
  assert.ok(!run.logs.some((l) => /carol-pw|dave-pw|erin-pw/.test(l)), 'no password in the log')
})

test('mass check: one doMassCheck scores every team, preCheck gets the list', async (t) => {
  const run = await runRoundWith(t, yaml, { workers: 2 })
  assert.equal(run.result(1, 'plant').up, true)
  assert.equal(run.result(1, 'plant').score, 5)
  assert.equal(run.result(3, 'plant').up, true)
  assert.equal(run.result(2, 'plant').up, false)
  assert.equal(run.result(2, 'plant').error, 'controller reports the plant offline')
  const pre = run.logs.filter((l) => l.includes('mass preCheck of 3 services'))
  assert.equal(pre.length, 1, 'the mass check runs once for all teams')
})

test('multi-protocol: resolveMulti picks the type that checks each team', async (t) => {
  const run = await runRoundWith(t, yaml, { workers: 2 })
  assert.equal(run.result(1, 'remote').up, true)
  assert.equal(run.result(2, 'remote').up, true)
  const thrown = run.result(3, 'remote')
  assert.equal(thrown.up, false)
  assert.match(thrown.error!, /kaboom from a custom check/)
})
