import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { createServer } from 'node:http'
import { test, type TestContext } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { startHttpServer } from '../../src/demo/http-server.ts'
import { listen } from '../../src/demo/running-server.ts'
import { DEMO_TLS_CERT } from '../../src/demo/tls-cert.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'

const routes = {
  '/': { body: '<h1>Welcome to Team 1</h1>' },
  '/admin': { body: 'admin console', auth: true },
  '/moved': { status: 301, headers: { location: '/' } },
  '/big': { body: Buffer.concat([Buffer.alloc(2 * 1024 * 1024, 'x'), Buffer.from('TAIL')]) },
  '/endless': { body: 'Welcome ', endless: true },
}

async function server(t: TestContext, tls = false) {
  const s = await startHttpServer({ routes, users: { alice: 'Winter2026!' }, tls })
  t.after(() => s.close())
  return s
}

test('http: up when the page has the status and contains http_string', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(
    makeService({ subtype: 'http', port: s.port, url: '/', httpString: 'Welcome' }),
  )
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(result.score, 5)
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : HTTP GET / to 127.0.0.1:${s.port}`])
})

test('http: up when http_regex matches the page', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(
    makeService({ subtype: 'http', port: s.port, httpRegex: 'Welcome to Team \\d' }),
  )
  assert.equal(result.up, true, result.error ?? '')
})

test('http: down with stage "match" when the page lacks http_string, quoting the page', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(
    makeService({ subtype: 'http', port: s.port, httpString: 'Hacked by red team' }),
  )
  assert.equal(result.stage, 'match')
  assert.match(
    result.error!,
    /page does not contain "Hacked by red team"; received "<h1>Welcome to Team 1<\/h1>"/,
  )
})

test('http: down with stage "action" when the status is not the expected one', async (t) => {
  const s = await server(t)
  const missing = await runCheck(makeService({ subtype: 'http', port: s.port, url: '/missing' }))
  assert.equal(missing.result.stage, 'action')
  assert.equal(missing.result.error, 'HTTP 404 for GET /missing, expected 200')
  const moved = await runCheck(
    makeService({ subtype: 'http', port: s.port, url: '/moved', options: { status: [200, '301'] } }),
  )
  assert.equal(moved.result.up, true, moved.result.error ?? '')
})

test('http: up with basic_auth and the right credentials', async (t) => {
  const s = await server(t)
  const service = makeService({
    subtype: 'http',
    port: s.port,
    url: '/admin',
    httpString: 'console',
    username: 'alice',
    password: 'Winter2026!',
    options: { basic_auth: true },
  })
  const { result } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
})

test('http: down with stage "auth" when the basic_auth password is wrong', async (t) => {
  const s = await server(t)
  const service = makeService({
    subtype: 'http',
    port: s.port,
    url: '/admin',
    username: 'alice',
    password: 'wrong',
    options: { basic_auth: true },
  })
  const { result } = await runCheck(service)
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused: HTTP 401 for GET /admin')
})

test('http: down with stage "auth" when basic_auth has no credentials to use', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(
    makeService({ subtype: 'http', port: s.port, url: '/admin', options: { basic_auth: true } }),
  )
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /no credentials/)
})

test('http: the vhost option sets the Host header', async (t) => {
  let host: string | undefined
  const s = createServer((req, res) => {
    host = req.headers.host
    res.end('ok')
  })
  const port = await listen(s, '127.0.0.1', 0)
  t.after(() => s.close())
  const { result } = await runCheck(
    makeService({ subtype: 'http', port, options: { vhost: 'www.team1.local' } }),
  )
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(host, 'www.team1.local')
})

test('http: reads no more than max_body and matches within it', async (t) => {
  const s = await server(t)
  const tail = await runCheck(makeService({ subtype: 'http', port: s.port, url: '/big', httpString: 'TAIL' }))
  assert.equal(tail.result.stage, 'match')
  assert.match(tail.result.error!, /page \(first 1048576 bytes\) does not contain "TAIL"/)
  const head = await runCheck(
    makeService({
      subtype: 'http',
      port: s.port,
      url: '/endless',
      httpString: 'Welcome',
      options: { max_body: '65536' },
    }),
  )
  assert.equal(head.result.up, true, head.result.error ?? '')
  assert.ok(head.result.durationMs < 1000, `took ${head.result.durationMs} ms`)
})

test('http: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(makeService({ subtype: 'http', port: await closedPort() }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('http: times out on time in stage "action" when the server accepts and never answers', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(makeService({ subtype: 'http', port: s.port, timeoutMs: 1000 }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('http: a server that floods bytes fails stage "action" quickly', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(makeService({ subtype: 'http', port: s.port, timeoutMs: 1000 }))
  assert.equal(result.up, false)
  assert.equal(result.stage, 'action')
  assert.match(result.error!, /^the answer is not valid HTTP/)
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('https: up over TLS with a self-signed certificate (tls_verify off by default)', async (t) => {
  const s = await server(t, true)
  const { result, logs } = await runCheck(
    makeService({ subtype: 'https', port: s.port, httpString: 'Welcome' }),
  )
  assert.equal(result.up, true, result.error ?? '')
  assert.match(logs[0]!, /Success Team1 : HTTPS GET \/ to/)
})

test('https: down with stage "tls" when tls_verify is on and the certificate is self-signed', async (t) => {
  const s = await server(t, true)
  const { result } = await runCheck(
    makeService({ subtype: 'https', port: s.port, options: { tls_verify: true } }),
  )
  assert.equal(result.stage, 'tls')
  assert.equal(result.error, 'TLS handshake failed: self-signed certificate')
})

test('https: tls_fingerprint pins the certificate: the right one is up, another fails at stage "tls"', async (t) => {
  const s = await server(t, true)
  const right = new X509Certificate(DEMO_TLS_CERT).fingerprint256
  const pinned = await runCheck(
    makeService({
      subtype: 'https',
      port: s.port,
      options: { tls_fingerprint: right.replaceAll(':', '').toLowerCase() },
    }),
  )
  assert.equal(pinned.result.up, true, pinned.result.error ?? '')
  const wrong = '00:'.repeat(31) + '00'
  const { result } = await runCheck(
    makeService({ subtype: 'https', port: s.port, options: { tls_fingerprint: wrong } }),
  )
  assert.equal(result.stage, 'tls')
  assert.equal(result.error, `the server's certificate has fingerprint ${right}, not the pinned ${wrong}`)
})

test('https: a tls_fingerprint that is not 64 hex digits is refused with the config', () => {
  assert.throws(
    () => makeService({ subtype: 'https', options: { tls_fingerprint: 'AB:CD' } }),
    /must be a SHA-256 fingerprint/,
  )
})

test('https: down with stage "tls" when the server does not speak TLS', async (t) => {
  const s = await server(t, false)
  const { result } = await runCheck(makeService({ subtype: 'https', port: s.port }))
  assert.equal(result.stage, 'tls')
  assert.equal(result.error, 'TLS handshake failed: the server does not speak TLS (wrong version number)')
})

test('https: times out on time in stage "tls" when the server never answers the handshake', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(makeService({ subtype: 'https', port: s.port, timeoutMs: 1000 }))
  assert.equal(result.stage, 'tls')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})
