import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import type { Service } from '../../src/service.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { startMysqlServer, type MysqlServerOptions } from '../support/mysql-server.ts'
import { startScriptedServer } from '../support/scripted-server.ts'
import { makeService } from '../support/service.ts'

async function server(t: TestContext, extra: Partial<MysqlServerOptions> = {}) {
  const s = await startMysqlServer({
    users: { shop: 'Winter2026!' },
    databases: ['shop'],
    answers: {
      'SELECT name FROM products ORDER BY id': { values: ['lamp', 'desk'] },
      'SELECT name FROM products WHERE id = 0': { values: [] },
      'SELECT note FROM products': { values: [null] },
      'SELECT * FROM audit': { rows: 'endless' },
      'SELECT photo FROM products': { huge: 4 * 1024 * 1024 },
      'SELECT SLEEP(3600)': { hang: true },
      'SELECT * FROM missing': { error: "Table 'shop.missing' doesn't exist", code: 1146 },
    },
    ...extra,
  })
  t.after(() => s.close())
  return s
}

const shop = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({ subtype: 'mysql', port, username: 'shop', password: 'Winter2026!', options, ...extra })

test('mysql: up when the login succeeds and the default query runs', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(shop(s.port))
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(s.queries, ['SELECT 1'])
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : MySQL query to 127.0.0.1:${s.port}`])
})

test('mysql: up when the first value of the first row matches expect, expect_regex and expect_exact', async (t) => {
  const s = await server(t)
  const options = {
    database: 'shop',
    query: 'SELECT name FROM products ORDER BY id',
    expect: 'am',
    expect_regex: '^l',
    expect_exact: 'lamp',
  }
  const { result } = await runCheck(shop(s.port, options))
  assert.equal(result.up, true, result.error ?? '')
})

test('mysql: down with stage "auth" when the password is wrong', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(shop(s.port, {}, { password: 'Summer2026!' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused for user "shop"')
  assert.match(logs[0]!, /FAIL Team1 : MySQL query to/)
})

test('mysql: down with stage "auth" when the service has no credentials', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(makeService({ subtype: 'mysql', port: s.port }))
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /no credentials/)
})

test('mysql: down with stage "action" when the database does not exist', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(shop(s.port, { database: 'shop_old' }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'database "shop_old" does not exist or cannot be opened')
})

test('mysql: down with stage "action" and the server\'s message when the query fails', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(shop(s.port, { query: 'SELECT * FROM missing' }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'query "SELECT * FROM missing" failed: "Table \'shop.missing\' doesn\'t exist"')
})

test('mysql: down with stage "match" when the first value is not the expected one, quoting it', async (t) => {
  const s = await server(t)
  const options = { query: 'SELECT name FROM products ORDER BY id', expect_exact: 'desk' }
  const { result } = await runCheck(shop(s.port, options))
  assert.equal(result.stage, 'match')
  assert.equal(
    result.error,
    'first value of "SELECT name FROM products ORDER BY id" is not exactly "desk"; received "lamp"',
  )
})

test('mysql: down with stage "match" when the query returns no rows, and NULL is matched as NULL', async (t) => {
  const s = await server(t)
  const none = await runCheck(shop(s.port, { query: 'SELECT name FROM products WHERE id = 0', expect: 'x' }))
  assert.equal(none.result.stage, 'match')
  assert.match(none.result.error!, /the query returned no rows$/)
  const nul = await runCheck(shop(s.port, { query: 'SELECT note FROM products', expect_exact: 'NULL' }))
  assert.equal(nul.result.up, true, nul.result.error ?? '')
})

test('mysql: a query returning rows without end is read no further than its first row', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(shop(s.port, { query: 'SELECT * FROM audit', expect_exact: 'row 0' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('mysql: a value larger than 1 MiB fails at stage "action" without being read whole', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(shop(s.port, { query: 'SELECT photo FROM products', expect: 'x' }))
  assert.equal(result.stage, 'action')
  assert.match(result.error!, /larger than 1 MiB/)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('mysql: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(shop(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('mysql: times out on time in stage "connect" when the server accepts and never answers', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(shop(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('mysql: times out on time in stage "action" when the query never finishes', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(shop(s.port, { query: 'SELECT SLEEP(3600)' }, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('mysql: a server that floods bytes fails fast without buffering them', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(shop(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.up, false)
  assert.equal(result.stage, 'connect')
  assert.equal(
    result.error,
    'the server did not send a MySQL greeting: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"',
  )
  assert.ok(result.durationMs < 500, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('mysql: tls starttls fails at stage "tls" against a server that offers no TLS', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(shop(s.port, { tls: 'starttls' }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /does not offer TLS/)
})

test('mysql: the options schema takes the SPEC names and refuses tls: implicit', () => {
  const service = makeService({ subtype: 'mysql', options: { query: 'SELECT 2', expect: 2 } })
  assert.deepEqual(service.options, { query: 'SELECT 2', expect: ['2'], tls: 'none', tls_verify: false })
  assert.equal(service.port, 3306)
  assert.throws(() => makeService({ subtype: 'mysql', options: { tls: 'implicit' } }), /tls/)
  assert.throws(() => makeService({ subtype: 'mysql', options: { sql: 'SELECT 1' } }))
})

test('mysql: a malformed greeting fails the check instead of crashing the worker', async (t) => {
  // Protocol 10, then nothing of what a greeting must hold.
  const s = await startScriptedServer([], Buffer.from([2, 0, 0, 0, 10, 0x35]))
  t.after(() => s.close())
  const { result } = await runCheck(shop(s.port))
  assert.equal(result.up, false)
  assert.match(result.error!, /^the server sent a malformed reply: /)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})
