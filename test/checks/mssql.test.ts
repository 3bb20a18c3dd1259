import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { DEMO_TLS_CERT } from '../../src/demo/tls-cert.ts'
import type { Service } from '../../src/service.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { startScriptedServer } from '../support/scripted-server.ts'
import { makeService } from '../support/service.ts'
import { startTdsServer, type TdsServerOptions } from '../support/tds-server.ts'

async function server(t: TestContext, extra: Partial<TdsServerOptions> = {}) {
  const s = await startTdsServer({
    users: { sa: 'Winter2026!' },
    databases: ['master', 'erp'],
    answers: {
      'SELECT TOP 2 name FROM customers': { values: ['Contoso', 'Fabrikam'] },
      'SELECT name FROM customers WHERE id = 0': { values: [] },
      'SELECT note FROM customers': { values: [null] },
      'SELECT * FROM orders': { rows: 'endless' },
      'SELECT logo FROM customers': { huge: 2 * 1024 * 1024 },
      "WAITFOR DELAY '01:00'": { hang: true },
      'SELECT half': { partial: true },
      'SELECT * FROM missing': { error: "Invalid object name 'missing'.", number: 208 },
    },
    ...extra,
  })
  t.after(() => s.close())
  return s
}

const sa = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({ subtype: 'mssql', port, username: 'sa', password: 'Winter2026!', options, ...extra })

test('mssql: up when the login succeeds and the default query runs', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(sa(s.port))
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(s.queries, ['SELECT 1'])
  assert.deepEqual(s.logins, [{ user: 'sa', tls: false }])
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : MSSQL query to 127.0.0.1:${s.port}`])
})

test('mssql: up when the first value of the first row matches expect, expect_regex and expect_exact', async (t) => {
  const s = await server(t)
  const options = {
    database: 'erp',
    query: 'SELECT TOP 2 name FROM customers',
    expect: 'toso',
    expect_regex: '^Con',
    expect_exact: 'Contoso',
  }
  const { result } = await runCheck(sa(s.port, options))
  assert.equal(result.up, true, result.error ?? '')
})

test('mssql: down with stage "auth" when the password is wrong', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(sa(s.port, {}, { password: 'Summer2026!' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused for user "sa"')
  assert.match(logs[0]!, /FAIL Team1 : MSSQL query to/)
})

test('mssql: down with stage "action" when the database cannot be opened', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(sa(s.port, { database: 'erp_old' }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'database "erp_old" does not exist or cannot be opened')
})

test('mssql: down with stage "action" and the server\'s message when the query fails', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(sa(s.port, { query: 'SELECT * FROM missing' }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'query "SELECT * FROM missing" failed: "Invalid object name \'missing\'."')
})

test('mssql: down with stage "match" when the first value is not the expected one, quoting it', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(
    sa(s.port, { query: 'SELECT TOP 2 name FROM customers', expect: 'Fabrikam' }),
  )
  assert.equal(result.stage, 'match')
  assert.equal(
    result.error,
    'first value of "SELECT TOP 2 name FROM customers" does not contain "Fabrikam"; received "Contoso"',
  )
})

test('mssql: down with stage "match" when the query returns no rows, and NULL is matched as NULL', async (t) => {
  const s = await server(t)
  const none = await runCheck(sa(s.port, { query: 'SELECT name FROM customers WHERE id = 0', expect: 'x' }))
  assert.equal(none.result.stage, 'match')
  assert.match(none.result.error!, /the query returned no rows$/)
  const nul = await runCheck(sa(s.port, { query: 'SELECT note FROM customers', expect_exact: 'NULL' }))
  assert.equal(nul.result.up, true, nul.result.error ?? '')
})

test('mssql: a query returning rows without end is read no further than its first row', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(sa(s.port, { query: 'SELECT * FROM orders', expect_exact: 'row 0' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('mssql: a value larger than 1 MiB fails at stage "action" without being read whole', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(sa(s.port, { query: 'SELECT logo FROM customers', expect: 'x' }))
  assert.equal(result.stage, 'action')
  assert.match(result.error!, /larger than 1 MiB/)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('mssql: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(sa(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('mssql: times out on time in stage "connect" when the server accepts and never answers', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(sa(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('mssql: times out on time in stage "action" when the query never finishes', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(sa(s.port, { query: "WAITFOR DELAY '01:00'" }, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('mssql: times out on time in stage "action" when the reply stops halfway, and tedious does not crash', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(sa(s.port, { query: 'SELECT half' }, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'timed out after 1 s')
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
  await new Promise((resolve) => setTimeout(resolve, 700))
})

test('mssql: a server that floods bytes fails fast without buffering them', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(sa(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(
    result.error,
    'the server did not answer as SQL Server: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"',
  )
  assert.ok(result.durationMs < 500, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('mssql: up over tls starttls (TLS inside PRELOGIN), with the pinned fingerprint; the login goes encrypted', async (t) => {
  const s = await server(t, { tls: 'starttls' })
  const fingerprint = new X509Certificate(DEMO_TLS_CERT).fingerprint256
  const { result } = await runCheck(sa(s.port, { tls: 'starttls', tls_fingerprint: fingerprint }))
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(s.logins, [{ user: 'sa', tls: true }])
  assert.deepEqual(s.queries, ['SELECT 1'])
})

test('mssql: down with stage "tls" when the certificate is not the pinned one, before the login is sent', async (t) => {
  const s = await server(t, { tls: 'starttls' })
  const { result } = await runCheck(sa(s.port, { tls: 'starttls', tls_fingerprint: 'AB'.repeat(32) }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /not the pinned/)
  assert.deepEqual(s.logins, [])
})

test('mssql: down with stage "tls" when tls_verify is on and the certificate is self-signed', async (t) => {
  const s = await server(t, { tls: 'starttls' })
  const { result } = await runCheck(sa(s.port, { tls: 'starttls', tls_verify: true }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /^TLS handshake failed: /)
  assert.deepEqual(s.logins, [])
})

test('mssql: up over tls implicit (TDS 8 strict: TLS first), with the pinned fingerprint', async (t) => {
  const s = await server(t, { tls: 'implicit' })
  const fingerprint = new X509Certificate(DEMO_TLS_CERT).fingerprint256
  const { result } = await runCheck(sa(s.port, { tls: 'implicit', tls_fingerprint: fingerprint }))
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(s.logins, [{ user: 'sa', tls: true }])
})

test('mssql: tls implicit fails at stage "tls" on a wrong pin (nothing sent) and on a plain TDS server', async (t) => {
  const s = await server(t, { tls: 'implicit' })
  const pinned = await runCheck(sa(s.port, { tls: 'implicit', tls_fingerprint: 'AB'.repeat(32) }))
  assert.equal(pinned.result.stage, 'tls')
  assert.match(pinned.result.error!, /not the pinned/)
  assert.deepEqual(s.logins, [])
  const plain = await server(t)
  const { result } = await runCheck(sa(plain.port, { tls: 'implicit' }, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'tls')
  assert.ok(result.durationMs < 1300, `took ${result.durationMs} ms`)
})

test('mssql: down with stage "tls" when tls starttls is asked of a server without encryption, before the login', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(sa(s.port, { tls: 'starttls' }))
  assert.equal(result.stage, 'tls')
  assert.equal(result.error, 'the server does not offer encryption (set tls: none, or give it a certificate)')
  assert.deepEqual(s.logins, [])
})

test('mssql: down with stage "tls" when the server requires encryption and tls is none', async (t) => {
  const s = await server(t, { tls: 'starttls' })
  const { result } = await runCheck(sa(s.port))
  assert.equal(result.stage, 'tls')
  assert.equal(result.error, 'the server requires encryption (set tls: starttls)')
})

test('mssql: a malformed reply fails the check at its stage instead of crashing the worker', async (t) => {
  const packet = (payload: number[]) =>
    Buffer.from([0x04, 0x01, 0, payload.length + 8, 0, 0, 1, 0, ...payload])
  // PRELOGIN: version, encryption not supported; then a login reply of an unknown token (0x42),
  // which tedious's token parser throws on with no error listener.
  const prelogin = packet([0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xff, 16, 0, 7, 0xd0, 0, 0, 2])
  const s = await startScriptedServer([prelogin, packet([0x42, 1, 2, 3])])
  t.after(() => s.close())
  const { result } = await runCheck(sa(s.port))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'the server sent a malformed reply: "Unknown type: 66"')
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})
