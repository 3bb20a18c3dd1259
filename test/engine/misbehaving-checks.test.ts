import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runRoundWith } from '../helpers/engine.ts'

const TIMEOUT_S = 2
const yaml = (bad: string) => `
name: Misbehaving
defaults: { timeout: ${TIMEOUT_S}s, points: 3 }
teams: [ { number: 1 }, { number: 2 }, { number: 3 }, { number: 4 } ]
services:
  - { name: a, type: probe, host: 127.0.0.1, port: 1 }
  - { name: b, type: probe, host: 127.0.0.1, port: 1 }
  - { name: c, type: probe, host: 127.0.0.1, port: 1 }
  - { name: bad, type: probe, host: 127.0.0.1, port: 1, overrides: { 1: { type: hang }, 2: { type: throws }, 3: { type: ${bad} } } }
`

for (const bad of ['spin', 'exits']) {
  test(`engine: a check that never settles, one that throws and one that ${bad === 'spin' ? 'spins the CPU forever' : 'ends its thread'} cost no other check its points`, async (t) => {
    const run = await runRoundWith(t, yaml(bad), { workers: 1 })
    // The round itself (not loading the check types or starting the pool) ends within the
    // timeout plus a grace for noticing the stall, replacing the thread and re-running innocents.
    const elapsed = run.summary.durationMs / 1000
    assert.ok(elapsed < TIMEOUT_S + 3, `round took ${elapsed.toFixed(2)} s`)
    for (const team of [1, 2, 3, 4]) {
      for (const name of ['a', 'b', 'c'])
        assert.equal(run.result(team, name).up, true, `${team}/${name}: ${run.result(team, name).error}`)
    }
    assert.equal(run.result(4, 'bad').up, true)
    const hang = run.result(1, 'bad')
    assert.equal(hang.stage, 'auth')
    assert.equal(hang.error, `timed out after ${TIMEOUT_S} s`)
    assert.match(run.result(2, 'bad').error!, /kaboom/)
    const culprit = run.result(3, 'bad')
    assert.equal(culprit.up, false)
    assert.match(culprit.error!, bad === 'spin' ? /blocked the event loop/ : /crashed its worker thread/)
    const errors = new Set([hang.error, run.result(2, 'bad').error, culprit.error])
    assert.equal(errors.size, 3, 'three distinct reasons')
    const count = run.store.db
      .prepare('SELECT COUNT(*) AS n FROM scores WHERE round_id = ?')
      .get(run.summary.roundId) as { n: number }
    assert.equal(count.n, 16)
  })
}

test('engine: a check that asks for the database in a worker gets a clear error', async (t) => {
  const run = await runRoundWith(
    t,
    `name: X\nteams: [ { number: 1 } ]\nservices: [ { name: d, type: wants-db, host: 127.0.0.1, port: 1 } ]\n`,
    { workers: 1 },
  )
  assert.match(run.result(1, 'd').error!, /database access in a service worker is not allowed/)
})
