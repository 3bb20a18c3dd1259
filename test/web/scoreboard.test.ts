import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Store } from '../../db/store.ts'
import { WebQueries } from '../../db/web-queries.ts'
import type { Competition, ServiceSpec } from '../../src/config/competition.ts'
import { rankTeams } from '../../src/web/ranking.ts'
import { ScoreHistory } from '../../src/web/score-history.ts'
import { serviceSpec } from '../helpers/service-spec.ts'
import { scoreToRecord } from '../helpers/score-to-record.ts'

function competition(): Competition {
  const spec = (team: number): ServiceSpec =>
    serviceSpec(team, 'web', {
      host: '127.0.0.1',
      port: 80,
      timeoutMs: 1000,
      sla: { threshold: 2, penalty: 3 },
    })
  return {
    file: 'competition.yaml',
    name: 'Chart',
    round: { intervalMs: 120_000, jitterMs: 15_000 },
    teams: [1, 2, 3].map((number) => ({ number, name: `Team ${number}`, info: {}, pools: {} })),
    services: [spec(1), spec(2), spec(3)],
    users: [],
    sla: null,
  }
}

function writeRound(store: Store, up: Record<number, boolean>): void {
  const round = store.beginRound()
  store.writeRound(
    round,
    store.activeServices().map((s) => scoreToRecord(s.id, up[s.team] ? 5 : 0)),
  )
}

test('scoreboard: the chart series adds only the rounds settled since it was last read, SLA penalties included', (t) => {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  store.syncCompetition(competition())
  const history = new ScoreHistory(new WebQueries(store.db))
  writeRound(store, { 1: true, 2: true, 3: false })
  writeRound(store, { 1: true, 2: false, 3: false })
  const first = history.series()
  assert.deepEqual(first.rounds, [1, 2])
  assert.deepEqual(first.cumulative.get(1), [5, 10])
  assert.deepEqual(first.cumulative.get(3), [0, -3], 'two failures in a row: an SLA penalty of 3')
  store.beginRound()
  assert.deepEqual(history.series().rounds, [1, 2], 'a running round is not drawn')
  store.abortRound(3)
  writeRound(store, { 1: false, 2: true, 3: true })
  const second = history.series()
  assert.deepEqual(second.rounds, [1, 2, 4])
  assert.deepEqual(second.cumulative.get(2), [5, 5, 10])
  assert.deepEqual(second.cumulative.get(1), [5, 10, 10])
  assert.deepEqual(second.cumulative.get(3), [0, -3, 2])
  const ranked = rankTeams(new WebQueries(store.db).teamTotals())
  assert.deepEqual(
    ranked.map((r) => [r.rank, r.team, r.total, r.penalties]),
    [
      [1, 1, 10, 0],
      [1, 2, 10, 0],
      [3, 3, 2, 3],
    ],
  )
})
