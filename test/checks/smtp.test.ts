import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from '../../src/demo/tls-cert.ts'
import type { Service } from '../../src/service.ts'
import { builtinTypes } from '../../checks/builtin-types.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'
import { optionsSchema } from '../../src/service-type.ts'

interface Received {
  from: string
  to: string[]
  user: string | undefined
  secure: boolean
  helo: string
  body: string
}

/** An SMTP server (smtp-server) on 127.0.0.1 that keeps every message it accepts. */
async function mailServer(t: TestContext, options: SMTPServerOptions = {}) {
  const received: Received[] = []
  const server = new SMTPServer({
    key: DEMO_TLS_KEY,
    cert: DEMO_TLS_CERT,
    logger: false,
    disableReverseLookup: true,
    authOptional: true,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === 'alice' && auth.password === 'Winter2026!')
        return callback(null, { user: 'alice' })
      callback(new Error('Invalid username or password'))
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('nobody@')) {
        return callback(Object.assign(new Error('5.1.1 user unknown'), { responseCode: 550 }))
      }
      callback()
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope
        received.push({
          from: mailFrom ? mailFrom.address : '',
          to: rcptTo.map((r) => r.address),
          user: session.user,
          secure: session.secure,
          helo: session.hostNameAppearsAs,
          body: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
    ...options,
  })
  server.on('error', () => undefined)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { port, received }
}

const mail = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({
    subtype: 'smtp',
    port,
    username: 'alice',
    password: 'Winter2026!',
    options: { to: 'alice@team1.local', from: 'scoring@cdc.local', ...options },
    ...extra,
  })

test('smtp: up when the message is accepted, carrying a unique id; no TLS by default', async (t) => {
  const s = await mailServer(t)
  const { result, logs } = await runCheck(mail(s.port))
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(s.received.length, 1)
  const got = s.received[0]!
  assert.equal(got.from, 'scoring@cdc.local')
  assert.deepEqual(got.to, ['alice@team1.local'])
  assert.equal(got.secure, false, 'a check with tls: none never upgrades')
  assert.equal(got.user, undefined)
  assert.equal(got.helo, '[127.0.0.1]')
  const id = /^Subject: Service check ([0-9a-f-]{36})$/m.exec(got.body)?.[1]
  assert.ok(id, got.body)
  assert.match(got.body, new RegExp(`^Message-ID: <${id}@`, 'm'))
  assert.match(result.detail ?? '', new RegExp(`message ${id} accepted`))
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : SMTP send mail to 127.0.0.1:${s.port}`])
})

test('smtp: up with STARTTLS and AUTH PLAIN; every recipient of a list is sent to', async (t) => {
  const s = await mailServer(t)
  const service = mail(s.port, { tls: 'starttls', auth: true, to: ['alice@team1.local', 'bob@team1.local'] })
  const { result } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(s.received[0]?.secure, true)
  assert.equal(s.received[0]?.user, 'alice')
  assert.deepEqual(s.received[0]?.to, ['alice@team1.local', 'bob@team1.local'])
  assert.doesNotMatch(
    result.detail ?? '',
    /AUTH PLAIN [A-Za-z0-9+/]/,
    'credentials kept out of the transcript',
  )
})

test('smtp: up with AUTH LOGIN when the server offers only LOGIN', async (t) => {
  const s = await mailServer(t, { authMethods: ['LOGIN'] })
  const { result } = await runCheck(mail(s.port, { auth: true }))
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(s.received[0]?.user, 'alice')
})

test('smtps: up over TLS from the first byte with AUTH; the sender defaults to the first recipient', async (t) => {
  const s = await mailServer(t, { secure: true })
  const service = makeService({
    subtype: 'smtps',
    port: s.port,
    username: 'alice',
    password: 'Winter2026!',
    options: { to: 'alice@team1.local', auth: true },
  })
  const { result, logs } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(s.received[0]?.secure, true)
  assert.equal(s.received[0]?.from, 'alice@team1.local')
  assert.match(logs[0]!, /Success Team1 : SMTPS send mail to/)
})

test('smtps: defaults to port 465 and implicit TLS', () => {
  const service = makeService({ subtype: 'smtps', options: { to: 'a@b' } })
  assert.equal(service.port, 465)
  assert.equal(service.options.tls, 'implicit')
  assert.equal(makeService({ subtype: 'smtp', options: { to: 'a@b' } }).port, 25)
})

test('smtp: down with stage "auth" when the password is wrong, quoting the reply', async (t) => {
  const s = await mailServer(t)
  const { result, logs } = await runCheck(mail(s.port, { auth: true }, { password: 'Summer2026!' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused for user "alice": 535 Invalid username or password')
  assert.equal(s.received.length, 0)
  assert.match(logs[0]!, /FAIL Team1 : SMTP send mail to/)
})

test('smtp: down with stage "auth" when the server offers no AUTH', async (t) => {
  const s = await mailServer(t, { disabledCommands: ['AUTH'] })
  const { result } = await runCheck(mail(s.port, { auth: true }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'the server does not offer AUTH on this connection')
})

test('smtp: down with stage "action" when a recipient is refused, quoting the reply', async (t) => {
  const s = await mailServer(t)
  const { result } = await runCheck(mail(s.port, { to: ['alice@team1.local', 'nobody@team1.local'] }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'the server refused RCPT TO <nobody@team1.local>: 550 5.1.1 user unknown')
  assert.equal(s.received.length, 0)
})

test('smtp: down with stage "action" when the message itself is refused', async (t) => {
  const s = await mailServer(t, {
    onData(stream, _session, callback) {
      stream.resume()
      stream.on('end', () => callback(Object.assign(new Error('5.7.1 spam detected'), { responseCode: 554 })))
    },
  })
  const { result } = await runCheck(mail(s.port))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'the server refused the message: 554 5.7.1 spam detected')
})

test('smtp: down with stage "tls" when STARTTLS is asked for and the server does not offer it', async (t) => {
  const s = await mailServer(t, { hideSTARTTLS: true })
  const { result } = await runCheck(mail(s.port, { tls: 'starttls' }))
  assert.equal(result.stage, 'tls')
  assert.equal(result.error, 'the server does not offer STARTTLS')
})

test('smtp: down with stage "tls" when the certificate is not the pinned one', async (t) => {
  const s = await mailServer(t)
  const pinned = new X509Certificate(DEMO_TLS_CERT).fingerprint256
  const ok = await runCheck(mail(s.port, { tls: 'starttls', tls_fingerprint: pinned }))
  assert.equal(ok.result.up, true, ok.result.error ?? '')
  const { result } = await runCheck(mail(s.port, { tls: 'starttls', tls_fingerprint: 'AB'.repeat(32) }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /^the server's certificate has fingerprint [0-9A-F:]+, not the pinned AB:AB/)
})

test('smtps: down with stage "tls" when the server does not speak TLS', async (t) => {
  const s = await mailServer(t)
  const service = makeService({ subtype: 'smtps', port: s.port, options: { to: 'a@team1.local' } })
  const { result } = await runCheck(service)
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /^TLS handshake failed/)
})

test('smtp: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(mail(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('smtp: down with stage "connect" when the server refuses the session in its greeting', async (t) => {
  const s = await mailServer(t, {
    onConnect(_session, callback) {
      callback(Object.assign(new Error('5.7.1 go away'), { responseCode: 554 }))
    },
  })
  const { result } = await runCheck(mail(s.port))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'the server refused the session: 554 5.7.1 go away')
})

test('smtp: times out on time in stage "connect" when the server never greets, and lets go of the connection', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(mail(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('smtp: times out on time in stage "action" when the server never answers the message', async (t) => {
  const s = await mailServer(t, {
    onData(stream) {
      stream.resume()
    },
  })
  const { result } = await runCheck(mail(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
})

test('smtp: a server that floods bytes fails at once on the first over-long line', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(mail(s.port))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'the server sent a line longer than 2048 bytes')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('smtp: a server that floods an endless multi-line reply fails at once after 100 lines', async (t) => {
  const s = await startFlood({ payload: '220-mail.team1.local ESMTP\r\n' })
  t.after(() => s.close())
  const { result } = await runCheck(mail(s.port))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, "the server's reply is longer than 100 lines")
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('smtp: a server that answers with something else than SMTP fails in stage "connect"', async (t) => {
  const s = await startFlood({ greeting: 'SSH-2.0-OpenSSH_9.6\r\n', payload: '\0' })
  t.after(() => s.close())
  const { result } = await runCheck(mail(s.port))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, `the server's reply is not SMTP: "SSH-2.0-OpenSSH_9.6"`)
})

test('smtp: the options schema needs a recipient and refuses addresses with spaces or brackets', () => {
  assert.throws(() => makeService({ subtype: 'smtp', options: {} }), /to/)
  assert.throws(() => makeService({ subtype: 'smtp', options: { to: 'a b@c' } }), /mail address/)
  assert.throws(() => makeService({ subtype: 'smtp', options: { to: 'a@c', from: '<a@c>' } }), /mail address/)
  assert.throws(() => makeService({ subtype: 'smtp', options: { to: 'a@c', tls: 'ssl' } }), /tls/)
})

test('smtp: parsed options are plain JSON and parse again to themselves', () => {
  assert.deepEqual(roundTrip('smtp', { to: 'a@b.c' }), {
    to: ['a@b.c'],
    auth: false,
    tls: 'none',
    tls_verify: false,
  })
  roundTrip('smtp', {
    to: ['a@b', 'c@d'],
    from: '',
    auth: 'true',
    tls: 'starttls',
    tls_fingerprint: 'ab'.repeat(32),
  })
  assert.equal(roundTrip('smtps', { to: 'a@b' }).tls, 'implicit')
})

/** Parses `raw` with the options schema of `type`, checking the result is plain JSON and parses again to itself. */
function roundTrip(type: string, raw: Record<string, unknown>): Record<string, unknown> {
  const schema = optionsSchema(builtinTypes().get(type)!)
  const once = schema.parse(raw) as Record<string, unknown>
  assert.deepEqual(JSON.parse(JSON.stringify(once)), once, `${type}: JSON round trip`)
  assert.deepEqual(schema.parse(once), once, `${type}: parsing twice`)
  return once
}
