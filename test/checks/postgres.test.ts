import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { DEMO_TLS_CERT } from '../../src/demo/tls-cert.ts'
import type { Service } from '../../src/service.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { startPostgresServer, type PostgresServerOptions } from '../support/postgres-server.ts'
import { startScriptedServer } from '../support/scripted-server.ts'
import { makeService } from '../support/service.ts'

async function server(t: TestContext, extra: Partial<PostgresServerOptions> = {}) {
  const s = await startPostgresServer({
    users: { wiki: 'Winter2026!' },
    databases: ['wiki'],
    answers: {
      'SELECT title FROM pages ORDER BY id': { values: ['Main Page', 'About'] },
      'SELECT title FROM pages WHERE id = 0': { values: [] },
      'SELECT note FROM pages': { values: [null] },
      'SELECT * FROM revisions': { rows: 'endless' },
      'SELECT body FROM pages': { huge: 4 * 1024 * 1024 },
      'SELECT pg_sleep(3600)': { hang: true },
      'SELECT * FROM missing': { error: 'relation "missing" does not exist', code: '42P01' },
    },
    ...extra,
  })
  t.after(() => s.close())
  return s
}

const wiki = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({
    subtype: 'postgres',
    port,
    username: 'wiki',
    password: 'Winter2026!',
    options: { database: 'wiki', ...options },
    ...extra,
  })

for (const auth of ['cleartext', 'md5', 'scram'] as const) {
  test(`postgres: up when the ${auth} password login succeeds and the default query runs`, async (t) => {
    const s = await server(t, { auth })
    const { result, logs } = await runCheck(wiki(s.port))
    assert.equal(result.up, true, result.error ?? '')
    assert.deepEqual(s.queries, ['SELECT 1'])
    assert.equal(s.startup.database, 'wiki')
    assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : PostgreSQL query to 127.0.0.1:${s.port}`])
  })

  test(`postgres: down with stage "auth" when the ${auth} password is wrong`, async (t) => {
    const s = await server(t, { auth })
    const { result } = await runCheck(wiki(s.port, {}, { password: 'Summer2026!' }))
    assert.equal(result.stage, 'auth')
    assert.equal(result.error, 'login refused for user "wiki"')
  })
}

test('postgres: up when the first value of the first row matches expect, expect_regex and expect_exact', async (t) => {
  const s = await server(t)
  const options = {
    query: 'SELECT title FROM pages ORDER BY id',
    expect: 'Main',
    expect_regex: 'Page$',
    expect_exact: 'Main Page',
  }
  const { result } = await runCheck(wiki(s.port, options))
  assert.equal(result.up, true, result.error ?? '')
})

test('postgres: the database defaults to the user name, as psql does', async (t) => {
  const s = await server(t)
  const service = makeService({
    subtype: 'postgres',
    port: s.port,
    username: 'wiki',
    password: 'Winter2026!',
  })
  const { result } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(s.startup.database, 'wiki')
})

test('postgres: down with stage "action" when the database does not exist', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(wiki(s.port, { database: 'wiki_old' }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'database "wiki_old" does not exist or cannot be opened')
})

test('postgres: down with stage "action" and the server\'s message when the query fails', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(wiki(s.port, { query: 'SELECT * FROM missing' }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'query "SELECT * FROM missing" failed: "relation \\"missing\\" does not exist"')
})

test('postgres: down with stage "match" when the first value is not the expected one, quoting it', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(
    wiki(s.port, { query: 'SELECT title FROM pages ORDER BY id', expect: 'About' }),
  )
  assert.equal(result.stage, 'match')
  assert.equal(
    result.error,
    'first value of "SELECT title FROM pages ORDER BY id" does not contain "About"; received "Main Page"',
  )
})

test('postgres: down with stage "match" when the query returns no rows, and NULL is matched as NULL', async (t) => {
  const s = await server(t)
  const none = await runCheck(wiki(s.port, { query: 'SELECT title FROM pages WHERE id = 0', expect: 'x' }))
  assert.equal(none.result.stage, 'match')
  assert.match(none.result.error!, /the query returned no rows$/)
  const nul = await runCheck(wiki(s.port, { query: 'SELECT note FROM pages', expect_exact: 'NULL' }))
  assert.equal(nul.result.up, true, nul.result.error ?? '')
})

test('postgres: a query returning rows without end is read no further than its first row', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(wiki(s.port, { query: 'SELECT * FROM revisions', expect_exact: 'row 0' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('postgres: a value larger than 1 MiB fails at stage "action" without being read whole', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(wiki(s.port, { query: 'SELECT body FROM pages', expect: 'x' }))
  assert.equal(result.stage, 'action')
  assert.match(result.error!, /larger than 1 MiB/)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('postgres: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(wiki(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('postgres: times out on time in stage "connect" when the server accepts and never answers', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(wiki(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('postgres: times out on time in stage "action" when the query never finishes', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(wiki(s.port, { query: 'SELECT pg_sleep(3600)' }, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('postgres: a server that floods bytes fails fast without buffering them', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(wiki(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(
    result.error,
    'the server did not answer as PostgreSQL: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"',
  )
  assert.ok(result.durationMs < 500, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('postgres: a server that floods valid login requests is cut off at 1 MiB', async (t) => {
  // AuthenticationCleartextPassword, over and over.
  const s = await startFlood({ payload: Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]) })
  t.after(() => s.close())
  const { result } = await runCheck(wiki(s.port, {}, { timeoutMs: 3000 }))
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /more than 1 MiB before the login finished/)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('postgres: up over tls starttls and tls implicit (direct), with the pinned fingerprint', async (t) => {
  const fingerprint = new X509Certificate(DEMO_TLS_CERT).fingerprint256
  for (const tls of ['starttls', 'implicit'] as const) {
    const s = await server(t, { tls, auth: 'scram' })
    const { result } = await runCheck(wiki(s.port, { tls, tls_fingerprint: fingerprint }))
    assert.equal(result.up, true, `${tls}: ${result.error ?? ''}`)
    assert.deepEqual(s.queries, ['SELECT 1'])
  }
})

test('postgres: down with stage "tls" when the certificate is not the pinned one, before the password is sent', async (t) => {
  const s = await server(t, { tls: 'starttls', auth: 'cleartext' })
  const { result } = await runCheck(wiki(s.port, { tls: 'starttls', tls_fingerprint: 'AB'.repeat(32) }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /not the pinned/)
  assert.deepEqual(s.received, [])
})

test('postgres: down with stage "tls" when tls_verify is on and the certificate is self-signed', async (t) => {
  const s = await server(t, { tls: 'starttls' })
  const { result } = await runCheck(wiki(s.port, { tls: 'starttls', tls_verify: true }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /^TLS handshake failed: /)
})

test('postgres: down with stage "tls" when tls starttls is asked of a server without TLS', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(wiki(s.port, { tls: 'starttls' }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /does not offer TLS/)
})

test('postgres: a malformed reply fails the check at its stage instead of crashing the worker', async (t) => {
  // An authentication request of an unknown kind (pg's parser throws on it), then a DataRow whose
  // field runs past its end.
  const auth99 = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 99])
  const s = await startScriptedServer([auth99])
  t.after(() => s.close())
  const { result } = await runCheck(wiki(s.port))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'the server sent a malformed reply: "Unknown authenticationOk message type 99"')
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})
