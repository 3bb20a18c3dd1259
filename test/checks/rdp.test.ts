import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { createServer } from 'node:net'
import { test, type TestContext } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { startRdpServer, type RdpSelection } from '../../src/demo/rdp-server.ts'
import { listen } from '../../src/demo/running-server.ts'
import { DEMO_TLS_CERT } from '../../src/demo/tls-cert.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'

async function server(t: TestContext, select?: RdpSelection) {
  const s = await startRdpServer({ select })
  t.after(() => s.close())
  return s
}

const rdp = (port: number, options: Record<string, unknown> = {}, timeoutMs = 2000) =>
  makeService({ subtype: 'rdp', port, timeoutMs, options })

test('rdp: up when the server selects TLS and completes the handshake', async (t) => {
  const s = await server(t, 'tls')
  const { result, logs } = await runCheck(rdp(s.port))
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : RDP handshake to 127.0.0.1:${s.port}`])
})

test('rdp: up when the server selects CredSSP, and with nla required', async (t) => {
  const s = await server(t, 'credssp')
  const { result } = await runCheck(rdp(s.port, { nla: true }))
  assert.equal(result.up, true, result.error ?? '')
})

test('rdp: up when an old server answers with standard RDP security (no TLS)', async (t) => {
  const s = await server(t, 'rdp')
  const { result } = await runCheck(rdp(s.port))
  assert.equal(result.up, true, result.error ?? '')
})

test('rdp: down with stage "action" when nla is required and the server offers only TLS', async (t) => {
  const s = await server(t, 'tls')
  const { result } = await runCheck(rdp(s.port, { nla: 'true' }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'the server does not offer NLA (it selected SSL)')
})

test('rdp: down with stage "action" when the server refuses the negotiation', async (t) => {
  const s = await server(t, 2)
  const { result } = await runCheck(rdp(s.port))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'the server refused the connection: the server does not allow TLS')
})

test('rdp: down with stage "tls" when tls_verify is on and the certificate is self-signed', async (t) => {
  const s = await server(t, 'tls')
  const { result } = await runCheck(rdp(s.port, { tls_verify: true }))
  assert.equal(result.stage, 'tls')
  assert.equal(result.error, 'TLS handshake failed: self-signed certificate')
})

test('rdp: tls_fingerprint pins the certificate: the demo one is up, another fails at stage "tls"', async (t) => {
  const s = await server(t, 'tls')
  const right = new X509Certificate(DEMO_TLS_CERT).fingerprint256
  assert.equal((await runCheck(rdp(s.port, { tls_fingerprint: right }))).result.up, true)
  const { result } = await runCheck(rdp(s.port, { tls_fingerprint: 'AB'.repeat(32) }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /^the server's certificate has fingerprint .*, not the pinned AB:AB:/)
})

test('rdp: down with stage "connect" when the server is not an RDP server', async (t) => {
  const other = createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'))
  const port = await listen(other, '127.0.0.1', 0)
  t.after(() => other.close())
  const { result } = await runCheck(rdp(port))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'not an RDP server: the answer is not a TPKT packet')
})

test('rdp: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(rdp(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('rdp: times out on time in stage "connect" when the server accepts and never answers', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(rdp(s.port, {}, 1000))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('rdp: a server that floods bytes is read no further than 1 KiB and fails at once', async (t) => {
  const s = await startFlood({ payload: Buffer.from([3, 0, 0xff, 0xff]) })
  t.after(() => s.close())
  const { result } = await runCheck(rdp(s.port, {}, 1000))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'not an RDP server: TPKT length 65535 is out of range')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})
