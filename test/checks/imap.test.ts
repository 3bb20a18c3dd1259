import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { DEMO_TLS_CERT } from '../../src/demo/tls-cert.ts'
import type { Service } from '../../src/service.ts'
import { builtinTypes } from '../../checks/builtin-types.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { startImapServer, type ImapServerOptions } from '../support/imap-server.ts'
import { makeService } from '../support/service.ts'
import { optionsSchema } from '../../src/service-type.ts'

async function server(t: TestContext, options: ImapServerOptions = {}) {
  const s = await startImapServer(options)
  t.after(() => s.close())
  return s
}

const alice = (
  port: number,
  options: Record<string, unknown> = {},
  extra: Partial<Service> & { subtype?: string } = {},
) =>
  makeService({
    subtype: 'imap',
    port,
    username: 'alice',
    password: 'Winter2026!',
    options,
    ...extra,
  })

const PINNED = new X509Certificate(DEMO_TLS_CERT).fingerprint256

test('imap: up when the login and SELECT INBOX succeed; no TLS by default, even when offered', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(alice(s.port))
  assert.equal(result.up, true, result.error ?? '')
  assert.ok(s.commands.includes('LOGIN alice ****'), s.commands.join(', '))
  assert.ok(s.commands.includes('SELECT INBOX'), s.commands.join(', '))
  assert.ok(!s.commands.includes('STARTTLS'))
  assert.ok(!s.commands.some((c) => c.startsWith('FETCH')), 'no FETCH without a match option')
  assert.match(result.detail ?? '', /INBOX: 2 messages/)
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : IMAP login to 127.0.0.1:${s.port}`])
})

test('imap: up with STARTTLS when a subject matches expect; the login goes over TLS', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(alice(s.port, { tls: 'starttls', expect: 'Welcome to Team {num}' }))
  assert.equal(result.up, false, 'templates other than {username} are filled by the config loader')
  const ok = await runCheck(
    alice(s.port, { tls: 'starttls', expect: 'Welcome to Team 1', tls_fingerprint: PINNED }),
  )
  assert.equal(ok.result.up, true, ok.result.error ?? '')
  assert.ok(s.commands.includes('LOGIN alice **** [tls]'), s.commands.join(', '))
})

test('imap: expect_regex and expect_exact must hold for one and the same subject', async (t) => {
  const s = await server(t, { mailboxes: { INBOX: ['Welcome to Team 1', 'Quarterly report'] } })
  const both = await runCheck(alice(s.port, { expect_regex: '^Welcome', expect_exact: 'Welcome to Team 1' }))
  assert.equal(both.result.up, true, both.result.error ?? '')
  const split = await runCheck(alice(s.port, { expect_regex: '^Welcome', expect_exact: 'Quarterly report' }))
  assert.equal(split.result.stage, 'match')
  assert.equal(
    split.result.error,
    'no message in "INBOX" has a subject matching /^Welcome/ and equal to "Quarterly report"; ' +
      'latest subjects: "Quarterly report", "Welcome to Team 1"',
  )
})

test('imap: reads only the subjects of the latest 50 messages', async (t) => {
  const subjects = Array.from({ length: 120 }, (_, i) => `message ${i + 1}`)
  const s = await server(t, { mailboxes: { INBOX: subjects } })
  const latest = await runCheck(alice(s.port, { expect_exact: 'message 71' }))
  assert.equal(latest.result.up, true, latest.result.error ?? '')
  assert.ok(s.commands.includes('FETCH 71:120 (ENVELOPE UID)'), s.commands.join(', '))
  const old = await runCheck(alice(s.port, { expect_exact: 'message 70' }))
  assert.equal(old.result.stage, 'match')
  assert.match(
    old.result.error!,
    /^no message among the latest 50 of "INBOX" has a subject equal to "message 70"/,
  )
})

test('imaps: up over TLS from the first byte, on port 993 by default', async (t) => {
  const s = await server(t, { implicitTls: true })
  const { result, logs } = await runCheck(alice(s.port, { tls_fingerprint: PINNED }, { subtype: 'imaps' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.match(logs[0]!, /Success Team1 : IMAPS login to/)
  const defaults = makeService({ subtype: 'imaps' })
  assert.equal(defaults.port, 993)
  assert.equal(defaults.options.tls, 'implicit')
  assert.equal(defaults.options.mailbox, 'INBOX')
  assert.equal(makeService({ subtype: 'imap' }).port, 143)
})

test('imap: down with stage "auth" when the password is wrong, quoting the server', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(alice(s.port, {}, { password: 'Summer2026!' }))
  assert.equal(result.stage, 'auth')
  assert.equal(
    result.error,
    'login refused for user "alice": NO [AUTHENTICATIONFAILED] Authentication failed.',
  )
  assert.match(logs[0]!, /FAIL Team1 : IMAP login to/)
})

test('imap: down with stage "auth" when the server refuses logins before TLS; up with STARTTLS', async (t) => {
  const s = await server(t, { loginDisabled: true })
  const { result } = await runCheck(alice(s.port))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'the server does not allow a login on this connection (LOGINDISABLED)')
  assert.ok(!s.commands.some((c) => c.startsWith('LOGIN')), 'no login attempted')
  const secured = await runCheck(alice(s.port, { tls: 'starttls' }))
  assert.equal(secured.result.up, true, secured.result.error ?? '')
})

test('imap: down with stage "auth" when the service has no credentials', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(makeService({ subtype: 'imap', port: s.port }))
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /no credentials/)
})

test('imap: down with stage "action" when the mailbox does not exist', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(alice(s.port, { mailbox: 'Archive' }))
  assert.equal(result.stage, 'action')
  assert.equal(
    result.error,
    `mailbox "Archive" cannot be selected: NO [NONEXISTENT] Mailbox doesn't exist: Archive`,
  )
})

test('imap: down with stage "match" when no subject matches, and when the mailbox is empty', async (t) => {
  const s = await server(t, { mailboxes: { INBOX: ['Quarterly report'], Empty: [] } })
  const { result } = await runCheck(alice(s.port, { expect: 'Welcome' }))
  assert.equal(result.stage, 'match')
  assert.equal(
    result.error,
    'no message in "INBOX" has a subject containing "Welcome"; latest subjects: "Quarterly report"',
  )
  const empty = await runCheck(alice(s.port, { mailbox: 'Empty', expect: 'Welcome' }))
  assert.equal(empty.result.stage, 'match')
  assert.equal(
    empty.result.error,
    'no message in "Empty" has a subject containing "Welcome"; "Empty" is empty',
  )
})

test('imap: down with stage "tls" when STARTTLS is asked for and not offered', async (t) => {
  const s = await server(t, { starttls: false })
  const { result } = await runCheck(alice(s.port, { tls: 'starttls' }))
  assert.equal(result.stage, 'tls')
  assert.equal(result.error, 'the server does not offer STARTTLS')
  assert.ok(!s.commands.some((c) => c.startsWith('LOGIN')), 'no login in clear text')
})

test('imap: down with stage "tls" when the certificate is not the pinned one (STARTTLS and implicit)', async (t) => {
  const plain = await server(t)
  const { result } = await runCheck(alice(plain.port, { tls: 'starttls', tls_fingerprint: 'AB'.repeat(32) }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /^the server's certificate has fingerprint [0-9A-F:]+, not the pinned AB:AB/)
  assert.ok(!plain.commands.some((c) => c.startsWith('LOGIN')), 'no login to an impostor')
  const secure = await server(t, { implicitTls: true })
  const implicit = await runCheck(
    alice(secure.port, { tls_fingerprint: 'AB'.repeat(32) }, { subtype: 'imaps' }),
  )
  assert.equal(implicit.result.stage, 'tls')
})

test('imap: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(alice(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('imap: times out on time in stage "connect" when the server never greets, and lets go of the connection', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(alice(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('imap: times out on time in stage "action" when SELECT is never answered', async (t) => {
  const s = await server(t, { hangOn: 'SELECT' })
  const { result } = await runCheck(alice(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('imap: times out on time after a STARTTLS handshake, closing both sockets without crashing', async (t) => {
  const s = await server(t, { hangOn: 'SELECT' })
  for (let i = 0; i < 3; i++) {
    const { result } = await runCheck(alice(s.port, { tls: 'starttls' }, { timeoutMs: 1000 }))
    assert.equal(result.stage, 'action')
    assert.equal(result.error, 'timed out after 1 s')
    assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  }
  await eventually(() => s.openConnections === 0, 1000, 'connections closed')
})

test('imap: a server that never answers LOGOUT does not fail a check that passed', async (t) => {
  const s = await server(t, { hangOn: 'LOGOUT' })
  const { result } = await runCheck(alice(s.port))
  assert.equal(result.up, true, result.error ?? '')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('imap: a server that floods bytes fails at once on the first over-long line', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(alice(s.port))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'the server sent a line longer than 64 KiB')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('imap: a server that floods an endless literal fails at once', async (t) => {
  const s = await startFlood({ greeting: '* OK {100000000}\r\n' })
  t.after(() => s.close())
  const { result } = await runCheck(alice(s.port))
  assert.equal(result.up, false)
  assert.equal(result.error, 'the server sent a reply larger than 1 MiB')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
})

test('imap: a server that floods well-formed lines is cut off on time', async (t) => {
  const s = await startFlood({ greeting: '* OK ready\r\n', payload: '* OK hello\r\n' })
  t.after(() => s.close())
  const { result } = await runCheck(alice(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  assert.ok(s.bytesSent > 1024 * 1024, `only ${s.bytesSent} bytes were sent: not a flood`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('imap: a server that floods well-formed lines does not make the check pile them up', async (t) => {
  const s = await startFlood({ greeting: '* OK ready\r\n', payload: '* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n' })
  t.after(() => s.close())
  // What the heap keeps while the check reads the flood, garbage collected at each sample (the
  // collections slow the check down: its timing is the test above).
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  const baseline = process.memoryUsage().heapUsed
  let peak = baseline
  const sampler = setInterval(() => {
    gc()
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }, 200)
  const { result } = await runCheck(alice(s.port, {}, { timeoutMs: 1500 }))
  clearInterval(sampler)
  assert.equal(result.error, 'timed out after 1.5 s')
  assert.ok(s.bytesSent > 1024 * 1024, `only ${s.bytesSent} bytes were sent: not a flood`)
  assert.ok(peak - baseline < 32 * 1024 * 1024, `the heap kept ${peak - baseline} bytes more`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('imap: the options schema refuses unknown options and a regex that does not compile', () => {
  assert.throws(() => makeService({ subtype: 'imap', options: { folder: 'INBOX' } }), /folder/)
  assert.throws(() => makeService({ subtype: 'imap', options: { expect_regex: '(' } }), /does not compile/)
})

test('imap: parsed options are plain JSON and parse again to themselves', () => {
  assert.deepEqual(roundTrip('imap', {}), { mailbox: 'INBOX', tls: 'none', tls_verify: false })
  roundTrip('imap', {
    mailbox: 'Archive',
    expect: ['x', 7],
    expect_regex: '^x',
    expect_exact: 'y',
    tls: 'starttls',
  })
  assert.equal(roundTrip('imaps', {}).tls, 'implicit')
})

/** Parses `raw` with the options schema of `type`, checking the result is plain JSON and parses again to itself. */
function roundTrip(type: string, raw: Record<string, unknown>): Record<string, unknown> {
  const schema = optionsSchema(builtinTypes().get(type)!)
  const once = schema.parse(raw) as Record<string, unknown>
  assert.deepEqual(JSON.parse(JSON.stringify(once)), once, `${type}: JSON round trip`)
  assert.deepEqual(schema.parse(once), once, `${type}: parsing twice`)
  return once
}
