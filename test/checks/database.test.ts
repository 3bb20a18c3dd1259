import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DatabaseCheck } from '../../checks/database.ts'
import { closedPort, runCheck } from '../support/check.ts'
import { startMysqlServer } from '../support/mysql-server.ts'
import { makeService } from '../support/service.ts'

test('database: resolves to postgres on 5432, mssql on 1433 and mysql on any other port', () => {
  const type = new DatabaseCheck()
  const on = (port?: number) =>
    type.resolveMulti(makeService({ subtype: 'database', ...(port ? { port } : {}) }) as never)
  assert.equal(on(), 'mysql')
  assert.equal(on(3306), 'mysql')
  assert.equal(on(5432), 'postgres')
  assert.equal(on(1433), 'mssql')
  assert.equal(on(13306), 'mysql')
})

test('database: takes the options of mysql, postgres and mssql alike, with their defaults', () => {
  const service = makeService({
    subtype: 'database',
    options: { database: 'shop', expect: 1, tls: 'implicit' },
  })
  assert.deepEqual(service.options, {
    database: 'shop',
    query: 'SELECT 1',
    expect: ['1'],
    tls: 'implicit',
    tls_verify: false,
  })
  assert.throws(() => makeService({ subtype: 'database', options: { command: 'x' } }))
})

test('database: a service on a MySQL port is checked, logged and scored as mysql', async (t) => {
  const s = await startMysqlServer({ users: { shop: 'Winter2026!' } })
  t.after(() => s.close())
  const service = makeService({
    subtype: 'database',
    port: s.port,
    username: 'shop',
    password: 'Winter2026!',
    options: { expect_exact: '1' },
  })
  const { result, logs } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
  assert.match(logs[0]!, /Success Team1 : MySQL query to/)
  assert.deepEqual(s.queries, ['SELECT 1'])
  const wrong = await runCheck({ ...service, password: 'nope' })
  assert.equal(wrong.result.stage, 'auth')
})

test('database: a tls mode the chosen protocol does not have fails at stage "connect", saying so', async () => {
  const service = makeService({
    subtype: 'database',
    port: await closedPort(),
    username: 'shop',
    password: 'Winter2026!',
    options: { tls: 'implicit' },
  })
  const { result } = await runCheck(service)
  assert.equal(result.stage, 'connect')
  assert.match(result.error!, /chose "mysql", whose options do not fit: tls: must be one of none, starttls/)
})
