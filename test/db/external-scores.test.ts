import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { Store } from '../../db/store.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { loadCheckTypes } from '../../src/engine/load-types.ts'
import { MAX_DETAIL_CHARS, MAX_ERROR_CHARS } from '../../src/engine/check-result.ts'
import { EXTERNAL_YAML, externalCompetition, snapshot } from '../support/external-competition.ts'
import { scoreToRecord } from '../helpers/score-to-record.ts'

async function opened(t: TestContext) {
  const competition = await externalCompetition(t)
  const store = Store.open(competition.db)
  t.after(() => store.close())
  return { ...competition, store }
}

interface StateRow {
  last_scan: number | null
  last_score_id: number | null
  in_progress: number
  points: number
  penalties: number
  checks: number
  up_checks: number
  failures_in_a_row: number
}

function state(store: Store, serviceId: number): StateRow {
  return store.db.prepare('SELECT * FROM service_state WHERE service_id = ?').get(serviceId) as StateRow
}

test('external scores: a score has no round, is capped by score_cap with the raw result kept, and updates the latest state and totals', async (t) => {
  const { store, ids } = await opened(t)
  const plant = ids['1/plant']!
  store.setScoreCap(plant, 4)
  const score = store.insertServiceScore(plant, 10, null)
  assert.deepEqual(
    { ...score, createdAt: typeof score.createdAt },
    {
      id: score.id,
      serviceId: plant,
      team: 1,
      service: 'plant',
      score: 4,
      rawScore: 10,
      up: true,
      error: null,
      createdAt: 'string',
    },
  )
  const row = store.db.prepare('SELECT * FROM scores WHERE id = ?').get(score.id) as Record<string, unknown>
  assert.equal(row.round_id, null)
  assert.deepEqual([row.score, row.raw_score, row.up, row.error], [4, 10, 1, null])
  assert.equal(row.created_at, score.createdAt)
  const s = state(store, plant)
  assert.deepEqual([s.last_scan, s.last_score_id, s.points, s.checks, s.up_checks], [1, score.id, 4, 1, 1])
  const status = store.status().find((r) => r.id === plant)
  assert.deepEqual([status?.up, status?.score, status?.error], [true, 4, null])

  const down = store.insertServiceScore(plant, 0, 'the controller reports the plant tripped')
  assert.deepEqual([down.score, down.up, down.error], [0, false, 'the controller reports the plant tripped'])
  assert.deepEqual(
    [state(store, plant).points, state(store, plant).checks, state(store, plant).up_checks],
    [4, 2, 1],
  )
  assert.equal(store.status().find((r) => r.id === plant)?.error, 'the controller reports the plant tripped')
})

test('external scores: failed external checks in a row reach the SLA threshold and record a penalty, as failed round checks do', async (t) => {
  const { store, ids } = await opened(t)
  const plant = ids['2/plant']!
  store.insertServiceScore(plant, 0, 'tripped')
  assert.equal(state(store, plant).failures_in_a_row, 1)
  const second = store.insertServiceScore(plant, 0, 'tripped')
  const penalties = store.db.prepare('SELECT * FROM penalties WHERE service_id = ?').all(plant) as {
    score_id: number
    points: number
    reason: string
  }[]
  assert.deepEqual(
    penalties.map((p) => [p.score_id, p.points, p.reason]),
    [[second.id, 7, 'SLA: 2 failed checks in a row']],
  )
  assert.deepEqual([state(store, plant).penalties, state(store, plant).failures_in_a_row], [7, 2])
  store.insertServiceScore(plant, 10, null)
  assert.equal(state(store, plant).failures_in_a_row, 0, 'an up check ends the run')
})

test('external scores: an administratively down service is scored 0 with the reason, SLA-neutral, keeping the raw result and the script message for admins', async (t) => {
  const { store, ids } = await opened(t)
  const plant = ids['1/plant']!
  store.setAdministrativelyDown(plant, true, 'red team incident')
  const first = store.insertServiceScore(plant, 10, 'all fine here')
  store.insertServiceScore(plant, 0, null)
  assert.deepEqual(
    [first.score, first.rawScore, first.up, first.error],
    [0, 10, false, 'Administratively down: red team incident'],
  )
  const detail = store.db.prepare('SELECT detail FROM service_errors WHERE score_id = ?').get(first.id) as
    { detail: string } | undefined
  assert.equal(detail?.detail, 'the external check reported 10: all fine here')
  const s = state(store, plant)
  assert.deepEqual([s.failures_in_a_row, s.penalties, s.points], [0, 0, 0])
})

test('external scores: each refusal says why with a code and writes nothing', async (t) => {
  const { store, ids, db } = await opened(t)
  const plant = ids['1/plant']!
  const roundScoreId = (() => {
    const round = store.beginRound()
    store.writeRound(round, [scoreToRecord(ids['1/ssh']!, 5)])
    return (store.db.prepare('SELECT id FROM scores WHERE round_id = ?').get(round) as { id: number }).id
  })()
  const before = snapshot(db)
  const refusals: [string, () => unknown, string, RegExp][] = [
    [
      'unknown service',
      () => store.insertServiceScore(999, 5, null),
      'ERR_UNKNOWN_SERVICE',
      /no service with id 999/,
    ],
    ['unknown service (start)', () => store.insertServiceScoreInProgress(999), 'ERR_UNKNOWN_SERVICE', /999/],
    ['unknown service (done)', () => store.insertServiceScoreDone(0), 'ERR_UNKNOWN_SERVICE', /whole number/],
    [
      'not external',
      () => store.insertServiceScore(ids['1/ssh']!, 5, null),
      'ERR_NOT_EXTERNAL',
      /team 1 ssh\) is not external/,
    ],
    [
      'not external (start)',
      () => store.insertServiceScoreInProgress(ids['2/ssh']!),
      'ERR_NOT_EXTERNAL',
      /not external/,
    ],
    ['a fraction', () => store.insertServiceScore(plant, 1.5, null), 'ERR_BAD_RESULT', /got 1\.5/],
    ['negative', () => store.insertServiceScore(plant, -5, null), 'ERR_BAD_RESULT', /0 or more, got -5/],
    ['NaN', () => store.insertServiceScore(plant, NaN, null), 'ERR_BAD_RESULT', /got NaN/],
    ['Infinity', () => store.insertServiceScore(plant, Infinity, null), 'ERR_BAD_RESULT', /got Infinity/],
    [
      'a string',
      () => store.insertServiceScore(plant, '5' as unknown as number, null),
      'ERR_BAD_RESULT',
      /got "5"/,
    ],
    [
      'unknown score',
      () => store.reportServiceError(12345, 'boom'),
      'ERR_UNKNOWN_SCORE',
      /no score with id 12345/,
    ],
    [
      "a round's score",
      () => store.reportServiceError(roundScoreId, 'boom'),
      'ERR_NOT_EXTERNAL',
      /belongs to round \d+, not to an external check/,
    ],
  ]
  for (const [what, call, code, message] of refusals) {
    assert.throws(call, (err: { code?: string; message?: string }) => {
      assert.equal(err.code, code, what)
      assert.match(err.message ?? '', message, what)
      return true
    })
  }
  assert.equal(snapshot(db), before)
})

test('external scores: a service removed from the config is refused, its history kept', async (t) => {
  const { store, ids, dir } = await opened(t)
  const plant = ids['1/plant']!
  store.insertServiceScore(plant, 10, null)
  writeFileSync(join(dir, 'competition.yaml'), EXTERNAL_YAML.replace(/\n {2}- \{ name: plant.*\n/, '\n'))
  store.syncCompetition(loadConfig(join(dir, 'competition.yaml'), (await loadCheckTypes([])).registry))
  assert.throws(
    () => store.insertServiceScore(plant, 10, null),
    (err: { code?: string; message?: string }) =>
      err.code === 'ERR_UNKNOWN_SERVICE' && /was removed from the config/.test(err.message ?? ''),
  )
  assert.equal(
    (store.db.prepare('SELECT COUNT(*) AS n FROM scores WHERE service_id = ?').get(plant) as { n: number }).n,
    1,
  )
})

test('external scores: start and done set and clear the spinner, which the repair at the start of a run leaves to the script', async (t) => {
  const { store, ids } = await opened(t)
  const plant = ids['1/plant']!
  const ssh = ids['1/ssh']!
  store.insertServiceScoreInProgress(plant)
  store.markInProgress(ssh) // as a killed round would leave it
  const inProgress = () =>
    store
      .status()
      .filter((r) => r.in_progress)
      .map((r) => r.id)
  assert.deepEqual(
    inProgress(),
    [ssh, plant].sort((a, b) => a - b),
  )
  store.acquireRunLock()
  store.releaseRunLock()
  assert.deepEqual(inProgress(), [plant], "the repair clears the round's flag, not the script's")
  store.insertServiceScoreDone(plant)
  assert.deepEqual(inProgress(), [])
})

test('external scores: the team message is cut to 1 KiB and cleaned, the admin detail to 64 KiB; an empty detail is refused', async (t) => {
  const { store, ids } = await opened(t)
  const score = store.insertServiceScore(ids['1/plant']!, 0, `bad\u0000${'x'.repeat(5000)}`)
  assert.equal(score.error?.length, MAX_ERROR_CHARS)
  assert.ok(score.error?.startsWith('bad?x'))
  assert.ok(score.error?.endsWith('…'))
  const errorId = store.reportServiceError(score.id, 'y'.repeat(100_000))
  const detail = store.db.prepare('SELECT detail FROM service_errors WHERE id = ?').get(errorId) as {
    detail: string
  }
  assert.equal(detail.detail.length, MAX_DETAIL_CHARS)
  assert.throws(() => store.reportServiceError(score.id, '  \n'), { code: 'ERR_BAD_RESULT' })
})
