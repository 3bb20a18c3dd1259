import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runRoundWith, tempDir } from '../helpers/engine.ts'

const yaml = `
name: Controls
defaults: { timeout: 2s, points: 5 }
teams: [ { number: 1 }, { number: 2 } ]
services:
  - { name: web, type: probe, host: 127.0.0.1, port: 1 }
`

test('administratively down: not checked, recorded as 0 with the reason; score cap clamps the recorded score and keeps the raw one', async (t) => {
  const dir = tempDir(t)
  const first = await runRoundWith(t, yaml, { dir, workers: 1 })
  const id = (team: number) => first.summary.outcomes.find((o) => o.service.team === team)!.service.id
  first.store.setAdministrativelyDown(id(1), true, 'red team penalty')
  first.store.setScoreCap(id(2), 2)

  const second = await runRoundWith(t, yaml, { dir, workers: 1 })
  const down = second.result(1, 'web')
  assert.equal(down.up, false)
  assert.equal(down.score, 0)
  assert.equal(down.error, 'Administratively down: red team penalty')
  assert.ok(
    !second.logs.some((l) => l.includes('Team1 : PROBE hook doCheck')),
    'an administratively down service is not checked',
  )

  const row = second.store.db
    .prepare('SELECT score, raw_score, up FROM scores WHERE round_id = ? AND service_id = ?')
    .get(second.summary.roundId, id(2))
  assert.deepEqual(row, { score: 2, raw_score: 5, up: 1 })
})
