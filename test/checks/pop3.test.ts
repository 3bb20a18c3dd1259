import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { DEMO_TLS_CERT } from '../../src/demo/tls-cert.ts'
import type { Service } from '../../src/service.ts'
import { builtinTypes } from '../../checks/builtin-types.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { startPop3Server, type Pop3ServerOptions } from '../support/pop3-server.ts'
import { makeService } from '../support/service.ts'
import { optionsSchema } from '../../src/service-type.ts'

async function server(t: TestContext, options: Pop3ServerOptions = {}) {
  const s = await startPop3Server(options)
  t.after(() => s.close())
  return s
}

const alice = (
  port: number,
  options: Record<string, unknown> = {},
  extra: Partial<Service> & { subtype?: string } = {},
) => makeService({ subtype: 'pop3', port, username: 'alice', password: 'Winter2026!', options, ...extra })

test('pop3: up when USER/PASS and STAT succeed; the message count goes to the transcript', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(alice(s.port))
  assert.equal(result.up, true, result.error ?? '')
  await eventually(() => s.commands.length === 4, 1000, 'QUIT received')
  assert.deepEqual(s.commands, ['USER alice', 'PASS ****', 'STAT', 'QUIT'])
  assert.match(result.detail ?? '', /the mailbox holds 3 messages, 6000 bytes/)
  assert.doesNotMatch(result.detail ?? '', /Winter2026!/)
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : POP3 login to 127.0.0.1:${s.port}`])
})

test('pop3: up with STLS; the login goes over TLS', async (t) => {
  const s = await server(t)
  const pinned = new X509Certificate(DEMO_TLS_CERT).fingerprint256
  const { result } = await runCheck(alice(s.port, { tls: 'starttls', tls_fingerprint: pinned }))
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(s.commands.slice(0, 3), ['STLS', 'USER alice [tls]', 'PASS **** [tls]'])
})

test('pop3s: up over TLS from the first byte, on port 995 by default', async (t) => {
  const s = await server(t, { implicitTls: true })
  const { result, logs } = await runCheck(alice(s.port, {}, { subtype: 'pop3s' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(s.commands[0], 'USER alice [tls]')
  assert.match(logs[0]!, /Success Team1 : POP3S login to/)
  const defaults = makeService({ subtype: 'pop3s' })
  assert.equal(defaults.port, 995)
  assert.equal(defaults.options.tls, 'implicit')
  assert.equal(makeService({ subtype: 'pop3' }).port, 110)
  assert.equal(makeService({ subtype: 'pop3' }).options.tls, 'none')
})

test('pop3: down with stage "auth" when the password is wrong, quoting the server', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(alice(s.port, {}, { password: 'Summer2026!' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused for user "alice": -ERR [AUTH] Authentication failed.')
  assert.match(logs[0]!, /FAIL Team1 : POP3 login to/)
})

test('pop3: down with stage "auth" when the service has no credentials, or ones with a line break', async (t) => {
  const s = await server(t)
  const none = await runCheck(makeService({ subtype: 'pop3', port: s.port }))
  assert.equal(none.result.stage, 'auth')
  assert.match(none.result.error!, /no credentials/)
  const broken = await runCheck(alice(s.port, {}, { username: 'alice\r\nSTAT' }))
  assert.equal(broken.result.stage, 'auth')
  assert.equal(broken.result.error, 'the credentials contain a line break, which POP3 cannot send')
})

test('pop3: down with stage "action" when the STAT reply is refused or not a count', async (t) => {
  const refused = await server(t, { statReply: '-ERR mailbox locked' })
  const locked = await runCheck(alice(refused.port))
  assert.equal(locked.result.stage, 'action')
  assert.equal(locked.result.error, 'the server refused STAT: -ERR mailbox locked')
  const odd = await server(t, { statReply: '+OK lots' })
  const { result } = await runCheck(alice(odd.port))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, "the server's STAT reply is not a count: +OK lots")
})

test('pop3: down with stage "tls" when STLS is refused, without sending the password', async (t) => {
  const s = await server(t, { stls: false })
  const { result } = await runCheck(alice(s.port, { tls: 'starttls' }))
  assert.equal(result.stage, 'tls')
  assert.equal(result.error, 'the server refused STLS: -ERR TLS not available')
  assert.ok(!s.commands.some((c) => c.startsWith('USER') || c.startsWith('PASS')), s.commands.join(', '))
})

test('pop3: down with stage "tls" when the certificate is not the pinned one', async (t) => {
  const s = await server(t, { implicitTls: true })
  const { result } = await runCheck(alice(s.port, { tls_fingerprint: 'AB'.repeat(32) }, { subtype: 'pop3s' }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /^the server's certificate has fingerprint [0-9A-F:]+, not the pinned AB:AB/)
  assert.deepEqual(s.commands, [])
})

test('pop3: down with stage "connect" when the greeting refuses the session', async (t) => {
  const s = await server(t, { greeting: '-ERR too many connections' })
  const { result } = await runCheck(alice(s.port))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'the server refused the session: -ERR too many connections')
})

test('pop3: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(alice(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('pop3: times out on time in stage "connect" when the server never greets, and lets go of the connection', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(alice(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('pop3: times out on time in stage "action" when STAT is never answered', async (t) => {
  const s = await server(t, { hangOn: 'STAT' })
  const { result } = await runCheck(alice(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('pop3: a server that floods bytes fails at once on the first over-long line', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(alice(s.port))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'the server sent a line longer than 2048 bytes')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('pop3: a server that answers with something else than POP3 fails in stage "connect"', async (t) => {
  const s = await startFlood({ greeting: '220 mail.team1.local ESMTP\r\n', payload: '\0' })
  t.after(() => s.close())
  const { result } = await runCheck(alice(s.port))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, `the server's reply is not POP3: "220 mail.team1.local ESMTP"`)
})

test('pop3: the options schema refuses unknown options and TLS modes', () => {
  assert.throws(() => makeService({ subtype: 'pop3', options: { mailbox: 'INBOX' } }), /mailbox/)
  assert.throws(() => makeService({ subtype: 'pop3s', options: { tls: 'ssl' } }), /tls/)
})

test('pop3: parsed options are plain JSON and parse again to themselves', () => {
  assert.deepEqual(roundTrip('pop3', {}), { tls: 'none', tls_verify: false })
  roundTrip('pop3', { tls: 'starttls', tls_verify: 'true', tls_fingerprint: 'ab'.repeat(32) })
  assert.equal(roundTrip('pop3s', {}).tls, 'implicit')
})

/** Parses `raw` with the options schema of `type`, checking the result is plain JSON and parses again to itself. */
function roundTrip(type: string, raw: Record<string, unknown>): Record<string, unknown> {
  const schema = optionsSchema(builtinTypes().get(type)!)
  const once = schema.parse(raw) as Record<string, unknown>
  assert.deepEqual(JSON.parse(JSON.stringify(once)), once, `${type}: JSON round trip`)
  assert.deepEqual(schema.parse(once), once, `${type}: parsing twice`)
  return once
}
