import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { Store } from '../../db/store.ts'
import { scenarioCompetition } from '../helpers/score-scenario.ts'

function storeWithServices(t: TestContext): {
  store: Store
  id: (key: string) => number
} {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  store.syncCompetition(scenarioCompetition())
  const id = (key: string) => store.activeServices().find((s) => `${s.team}/${s.name}` === key)!.id
  return { store, id }
}

test('service controls: each change is logged with its action, value, reason, actor and time', (t) => {
  const { store, id } = storeWithServices(t)
  const before = new Date().toISOString()
  assert.equal(store.setAdministrativelyDown(id('1/www'), true, 'red team penalty'), true)
  assert.equal(store.setAdministrativelyDown(id('1/www'), true, 'defaced home page'), true)
  assert.equal(store.setScoreCap(id('2/dns'), 2, 'white'), true)
  assert.equal(store.setScoreCap(id('2/dns'), null), true)
  assert.equal(store.setAdministrativelyDown(id('1/www'), false, null), true)
  const log = store.controlLog()
  assert.deepEqual(
    log.map(({ id: _id, created_at: _at, ...entry }) => entry),
    [
      {
        team: 1,
        team_name: 'Blue Herons',
        service: 'www',
        action: 'down',
        value: null,
        reason: 'red team penalty',
        actor: 'cli',
      },
      {
        team: 1,
        team_name: 'Blue Herons',
        service: 'www',
        action: 'down',
        value: null,
        reason: 'defaced home page',
        actor: 'cli',
      },
      { team: 2, team_name: 'Team 2', service: 'dns', action: 'cap', value: 2, reason: null, actor: 'white' },
      {
        team: 2,
        team_name: 'Team 2',
        service: 'dns',
        action: 'uncap',
        value: null,
        reason: null,
        actor: 'cli',
      },
      {
        team: 1,
        team_name: 'Blue Herons',
        service: 'www',
        action: 'up',
        value: null,
        reason: null,
        actor: 'cli',
      },
    ],
  )
  for (const entry of log) assert.ok(entry.created_at >= before, entry.created_at)
  assert.deepEqual(
    store.controlLog(id('2/dns')).map((e) => e.action),
    ['cap', 'uncap'],
  )
})

test('service controls: a control that changes nothing writes nothing', (t) => {
  const { store, id } = storeWithServices(t)
  assert.equal(store.setAdministrativelyDown(id('1/www'), false, null), false, 'already up')
  assert.equal(store.setScoreCap(id('1/www'), null), false, 'no cap to clear')
  store.setScoreCap(id('1/www'), 3)
  store.setAdministrativelyDown(id('1/www'), true, 'penalty')
  assert.equal(store.setScoreCap(id('1/www'), 3), false, 'the same cap')
  assert.equal(store.setAdministrativelyDown(id('1/www'), true, 'penalty'), false, 'down for the same reason')
  assert.equal(store.controlLog().length, 2)
})

test('service controls: the change and its log entry are one transaction', (t) => {
  const { store, id } = storeWithServices(t)
  store.db.exec(
    `CREATE TEMP TRIGGER refuse_log BEFORE INSERT ON service_control_log BEGIN SELECT RAISE(ABORT, 'log refused'); END`,
  )
  assert.throws(() => store.setScoreCap(id('1/www'), 1), /log refused/)
  assert.throws(() => store.setAdministrativelyDown(id('1/www'), true, 'penalty'), /log refused/)
  const service = store.activeServices().find((s) => s.id === id('1/www'))!
  assert.equal(service.scoreCap, null, 'the cap was not set without its log entry')
  assert.equal(service.administrativelyDown, false)
})

test('service controls: a config sync keeps the controls and their log', (t) => {
  const { store, id } = storeWithServices(t)
  store.setAdministrativelyDown(id('1/mail'), true, 'penalty')
  store.setScoreCap(id('2/www'), 1)
  store.syncCompetition(scenarioCompetition())
  const services = store.activeServices()
  const mail = services.find((s) => s.id === id('1/mail'))!
  assert.deepEqual([mail.administrativelyDown, mail.downReason], [true, 'penalty'])
  assert.equal(services.find((s) => s.id === id('2/www'))!.scoreCap, 1)
  assert.equal(store.controlLog().length, 2)
})
