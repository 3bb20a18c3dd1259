import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Store } from '../../db/store.ts'
import { playScenario, SCENARIO_TOTALS, scenarioCompetition } from '../helpers/score-scenario.ts'

test('score totals: caps, an administratively down stretch and SLA penalties give exact totals per team and service', (t) => {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  playScenario(store)
  assert.deepEqual(store.scoreTotals(), SCENARIO_TOTALS)
})

test('score totals: each penalty is recorded with the score that reached the threshold', (t) => {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  playScenario(store)
  const rows = store.db
    .prepare(
      `SELECT s.team, s.name, p.points, p.reason, r.id AS round FROM penalties p
       JOIN services s ON s.id = p.service_id JOIN scores sc ON sc.id = p.score_id JOIN rounds r ON r.id = sc.round_id
       ORDER BY s.team, s.id, p.id`,
    )
    .all()
  assert.deepEqual(rows, [
    { team: 1, name: 'www', points: 3, reason: 'SLA: 2 failed checks in a row', round: 3 },
    { team: 1, name: 'www', points: 3, reason: 'SLA: 4 failed checks in a row', round: 5 },
    { team: 1, name: 'www', points: 3, reason: 'SLA: 2 failed checks in a row', round: 8 },
    { team: 1, name: 'mail', points: 10, reason: 'SLA: 3 failed checks in a row', round: 6 },
    { team: 2, name: 'mail', points: 10, reason: 'SLA: 3 failed checks in a row', round: 3 },
    { team: 2, name: 'mail', points: 10, reason: 'SLA: 6 failed checks in a row', round: 6 },
  ])
})

test('score totals: the running totals agree with the score rows they were kept from', (t) => {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  playScenario(store)
  const disagreeing = store.db
    .prepare(
      `SELECT st.service_id FROM service_state st
       WHERE st.points != (SELECT COALESCE(SUM(score), 0) FROM scores WHERE service_id = st.service_id)
          OR st.checks != (SELECT COUNT(*) FROM scores WHERE service_id = st.service_id)
          OR st.up_checks != (SELECT COUNT(*) FROM scores WHERE service_id = st.service_id AND up = 1)
          OR st.penalties != (SELECT COALESCE(SUM(points), 0) FROM penalties WHERE service_id = st.service_id)`,
    )
    .all()
  assert.deepEqual(disagreeing, [])
  const checks = store.db.prepare('SELECT DISTINCT checks FROM service_state').all()
  assert.deepEqual(checks, [{ checks: 8 }])
})

test('score totals: a retired service keeps its points in the totals (they were earned), a team without rounds has zeros', (t) => {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  playScenario(store)
  const competition = scenarioCompetition()
  competition.services = competition.services.filter((s) => s.name !== 'mail')
  competition.teams.push({ number: 3, name: 'Late Team', info: {}, pools: {} })
  competition.services.push({ ...competition.services[0]!, team: 3 })
  store.syncCompetition(competition)
  assert.deepEqual(store.scoreTotals(), [
    { team: 1, team_name: 'Blue Herons', total: -6, services: { www: -2, mail: -4, dns: 0 }, penalties: 19 },
    { team: 2, team_name: 'Team 2', total: 33, services: { www: 34, mail: -17, dns: 16 }, penalties: 20 },
    { team: 3, team_name: 'Late Team', total: 0, services: { www: 0 }, penalties: 0 },
  ])
})
