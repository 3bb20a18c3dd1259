import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Store } from '../../db/store.ts'
import { load, onlyProblem, problemsOf } from './config-fixtures.ts'

const yaml = `name: SLA
teams: [ { number: 1 }, { number: 2 }, { number: 3 } ]
sla: { threshold: 5, penalty: 50 }
services:
  - { name: www, type: http, host: h }
  - name: ssh
    type: ssh
    host: h
    sla: { threshold: 3, penalty: 10 }
    overrides: { 2: { sla: null }, 3: { sla: { threshold: 1, penalty: 2.5 } } }
  - { name: dns, type: dns, host: h, options: { record: a.example }, sla: null, overrides: { 3: { sla: { threshold: 2, penalty: 1 } } } }
`

test('sla per service: a service or one team override sets its own SLA, null turns it off, absent is the competition default', () => {
  const c = load(yaml)
  const sla = (team: number, name: string) => c.services.find((s) => s.team === team && s.name === name)?.sla
  assert.equal(sla(1, 'www'), undefined)
  assert.ok(!('sla' in c.services.find((s) => s.name === 'www')!), 'no sla key when the service sets none')
  assert.deepEqual(sla(1, 'ssh'), { threshold: 3, penalty: 10 })
  assert.equal(sla(2, 'ssh'), null)
  assert.deepEqual(sla(3, 'ssh'), { threshold: 1, penalty: 2.5 })
  assert.equal(sla(1, 'dns'), null)
  assert.deepEqual(sla(3, 'dns'), { threshold: 2, penalty: 1 })
})

test('sla per service: the sync writes each service its SLA, the competition default where it sets none', (t) => {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  store.syncCompetition(load(yaml))
  const rows = store.db
    .prepare(
      'SELECT team, name, sla_threshold AS threshold, sla_penalty AS penalty FROM services ORDER BY name, team',
    )
    .all()
  assert.deepEqual(rows, [
    { team: 1, name: 'dns', threshold: null, penalty: null },
    { team: 2, name: 'dns', threshold: null, penalty: null },
    { team: 3, name: 'dns', threshold: 2, penalty: 1 },
    { team: 1, name: 'ssh', threshold: 3, penalty: 10 },
    { team: 2, name: 'ssh', threshold: null, penalty: null },
    { team: 3, name: 'ssh', threshold: 1, penalty: 2.5 },
    { team: 1, name: 'www', threshold: 5, penalty: 50 },
    { team: 2, name: 'www', threshold: 5, penalty: 50 },
    { team: 3, name: 'www', threshold: 5, penalty: 50 },
  ])
})

test('sla per service: a threshold below 1, a negative penalty or an unknown key is refused where it is written', () => {
  const base = 'name: SLA\nteams: [ { number: 1 } ]\nservices:\n'
  const threshold = onlyProblem(
    `${base}  - { name: www, type: http, host: h, sla: { threshold: 0, penalty: 5 } }\n`,
  )
  assert.equal(threshold.path, 'services[0].sla.threshold')
  assert.match(threshold.message, /threshold must be at least 1/)
  const penalty = onlyProblem(
    `${base}  - { name: www, type: http, host: h, overrides: { 1: { sla: { threshold: 2, penalty: -1 } } } }\n`,
  )
  assert.equal(penalty.path, 'services[0].overrides[1].sla.penalty')
  assert.match(penalty.message, /penalty must not be negative, got -1/)
  const unknown = problemsOf(
    `${base}  - { name: www, type: http, host: h, sla: { threshold: 2, points: 5 } }\n`,
  )
  assert.deepEqual(
    unknown.map((p) => `${p.path}: ${p.message}`),
    [
      'services[0].sla.penalty: missing required key "penalty"',
      'services[0].sla.points: unknown key "points" (known keys: threshold, penalty)',
    ],
  )
})
