import assert from 'node:assert/strict'
import { createHash, X509Certificate } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { startFtpServer, type FtpServerOptions } from '../../src/demo/ftp-server.ts'
import { DEMO_TLS_CERT } from '../../src/demo/tls-cert.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'
import type { Service } from '../../src/service.ts'

const WELCOME = 'Welcome to the Team 1 file server\n'
const WELCOME_SHA256 = createHash('sha256').update(WELCOME).digest('hex')

async function server(t: TestContext, options: FtpServerOptions = {}) {
  const s = await startFtpServer({
    users: { alice: 'Winter2026!' },
    files: {
      '/pub/welcome.txt': WELCOME,
      '/endless.bin': { hostile: 'endless' },
      '/stall.bin': { hostile: 'stall' },
    },
    ...options,
  })
  t.after(() => s.close())
  return s
}

const ftp = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({ subtype: 'ftp', port, options: { file: '/pub/welcome.txt', ...options }, ...extra })

const alice = { username: 'alice', password: 'Winter2026!' }

test('ftp: up when anonymous downloads the file and it matches expect, expect_regex and expect_exact', async (t) => {
  const s = await server(t)
  const options = { expect: 'Team 1', expect_regex: '^Welcome', expect_exact: WELCOME.trim() }
  const { result, logs } = await runCheck(ftp(s.port, options))
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(result.stage, null)
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : FTP login to 127.0.0.1:${s.port}`])
  assert.ok(s.commands.includes('USER anonymous'), s.commands.join(', '))
  assert.ok(s.commands.includes('RETR /pub/welcome.txt'))
  assert.deepEqual(s.transfers, [{ command: 'RETR /pub/welcome.txt', tls: false }])
})

test('ftp: up with the service credentials and a matching sha256 (as sha256sum prints it)', async (t) => {
  const s = await server(t)
  const options = { sha256: `${WELCOME_SHA256.toUpperCase()}  welcome.txt` }
  const { result } = await runCheck(ftp(s.port, options, alice))
  assert.equal(result.up, true, result.error ?? '')
  assert.ok(s.commands.includes('USER alice'))
  assert.ok(s.commands.includes('PASS ****'))
})

test('ftp: falls back to PASV when the server does not know EPSV', async (t) => {
  const s = await server(t, { epsv: false })
  const { result } = await runCheck(ftp(s.port, { expect: 'Welcome' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.ok(s.commands.includes('PASV'))
})

test('ftp: upload writes a file with a unique name, then deletes it', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(ftp(s.port, { upload: true }, alice))
  assert.equal(result.up, true, result.error ?? '')
  const stored = s.commands.find((c) => c.startsWith('STOR '))
  assert.match(stored ?? '', /^STOR \/?scanner-check-[0-9a-f]{12}\.txt$/)
  const name = stored!.slice('STOR '.length)
  assert.ok(s.commands.includes(`DELE ${name}`), s.commands.join(', '))
  assert.ok(s.commands.indexOf(`DELE ${name}`) < s.commands.indexOf('RETR /pub/welcome.txt'))
  assert.deepEqual([...s.files.keys()].sort(), ['/endless.bin', '/pub/welcome.txt', '/stall.bin'])
})

test('ftp: upload into a directory, without a file to download', async (t) => {
  const s = await server(t)
  const service = makeService({ subtype: 'ftp', port: s.port, options: { upload: '/incoming' } })
  const { result } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
  assert.ok(s.commands.some((c) => /^STOR \/incoming\/scanner-check-[0-9a-f]{12}\.txt$/.test(c)))
  assert.ok(!s.commands.some((c) => c.startsWith('RETR')))
})

test('ftp: down with stage "action" when the upload is refused', async (t) => {
  const s = await server(t, { upload: false })
  const { result } = await runCheck(ftp(s.port, { upload: '/incoming/' }))
  assert.equal(result.stage, 'action')
  assert.match(
    result.error!,
    /^upload of \/incoming\/scanner-check-[0-9a-f]{12}\.txt refused: "553 Could not create file\."$/,
  )
})

test('ftp: down with stage "action" when the uploaded file cannot be deleted', async (t) => {
  const s = await server(t, { delete: false })
  const { result } = await runCheck(ftp(s.port, { upload: true }))
  assert.equal(result.stage, 'action')
  assert.match(
    result.error!,
    /^uploaded scanner-check-[0-9a-f]{12}\.txt but could not delete it \(it is left on the server\): "550 Permission denied\."$/,
  )
})

test('ftp: down with stage "auth" when the password is wrong', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(ftp(s.port, {}, { ...alice, password: 'Summer2026!' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused for user "alice": "530 Login incorrect."')
  assert.match(logs[0]!, /FAIL Team1 : FTP login to/)
})

test('ftp: down with stage "auth" when the credential pool is empty (not anonymous)', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(ftp(s.port, {}, { credentialPool: 'users' }))
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /credential pool "users" of Team1 is empty/)
  assert.deepEqual(s.commands, [])
})

test('ftp: down with stage "action" when the file does not exist', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(ftp(s.port, { file: '/pub/missing.txt' }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'file /pub/missing.txt not found or not readable: "550 Failed to open file."')
})

test('ftp: down with stage "match" when the content is not the expected one, quoting it', async (t) => {
  const s = await server(t, { files: { '/pub/welcome.txt': 'pwned by red team\n' } })
  const { result } = await runCheck(ftp(s.port, { expect: 'Welcome' }))
  assert.equal(result.stage, 'match')
  assert.equal(result.error, 'file /pub/welcome.txt does not contain "Welcome"; received "pwned by red team"')
})

test('ftp: down with stage "match" when the sha256 differs', async (t) => {
  const s = await server(t, { files: { '/pub/welcome.txt': 'Welcome!\n' } })
  const { result } = await runCheck(ftp(s.port, { sha256: WELCOME_SHA256 }))
  assert.equal(result.stage, 'match')
  assert.match(
    result.error!,
    new RegExp(
      `^file /pub/welcome.txt has changed: its sha256 is [0-9a-f]{16}…, expected ${WELCOME_SHA256.slice(0, 16)}…$`,
    ),
  )
})

test('ftp: a file that never ends is downloaded no further than max_bytes', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(ftp(s.port, { file: '/endless.bin', expect: 'y', max_bytes: 100_000 }))
  assert.equal(result.stage, 'match')
  assert.match(
    result.error!,
    /^file \/endless.bin \(first 100000 bytes\) does not contain "y"; received "xxx/,
  )
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connections closed')
})

test('ftp: a file larger than max_bytes cannot match a sha256; without expectations it is up', async (t) => {
  const s = await server(t)
  const hashed = await runCheck(ftp(s.port, { file: '/endless.bin', sha256: WELCOME_SHA256 }))
  assert.equal(hashed.result.stage, 'match')
  assert.equal(
    hashed.result.error,
    'file /endless.bin is larger than max_bytes (1048576 bytes), so its sha256 cannot be checked',
  )
  const plain = await runCheck(ftp(s.port, { file: '/endless.bin' }))
  assert.equal(plain.result.up, true, plain.result.error ?? '')
})

test('ftp: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(ftp(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('ftp: times out on time in stage "connect" when the server accepts and never answers', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(ftp(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('ftp: times out on time in stage "action" when the transfer never sends, letting go of both connections', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(ftp(s.port, { file: '/stall.bin' }, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connections closed')
})

test('ftp: a server that floods bytes instead of a greeting fails fast', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(ftp(s.port))
  assert.equal(result.stage, 'connect')
  assert.equal(
    result.error,
    'not an FTP server: it sent "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…"',
  )
  assert.ok(result.durationMs < 500, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('ftp: a server that floods bytes after its greeting is read no further than 256 KiB', async (t) => {
  const s = await startFlood({ greeting: '220 hello\r\n' })
  t.after(() => s.close())
  const { result } = await runCheck(ftp(s.port))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'the server sent more than 256 KiB on the control connection')
  assert.ok(result.durationMs < 500, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('ftp: with tls starttls, logs in and downloads over TLS (AUTH TLS, PROT P)', async (t) => {
  const s = await server(t, { tls: 'explicit' })
  const { result } = await runCheck(ftp(s.port, { tls: 'starttls', expect: 'Welcome', upload: true }, alice))
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(s.commands.slice(0, 2), ['AUTH TLS', 'USER alice'])
  assert.ok(s.commands.includes('PROT P'))
  assert.equal(s.transfers.length, 2)
  assert.ok(s.transfers.every((transfer) => transfer.tls))
})

test('ftp: down with stage "tls" when starttls is asked of a server without AUTH TLS', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(ftp(s.port, { tls: 'starttls' }))
  assert.equal(result.stage, 'tls')
  assert.equal(result.error, 'the server refused AUTH TLS: "502 AUTH not available."')
})

const ftps = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({ subtype: 'ftps', port, options: { file: '/pub/welcome.txt', ...options }, ...extra })

test('ftps: up with implicit TLS, the data connection encrypted too', async (t) => {
  const s = await server(t, { tls: 'implicit' })
  const { result, logs } = await runCheck(ftps(s.port, { sha256: WELCOME_SHA256 }, alice))
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : FTPS login to 127.0.0.1:${s.port}`])
  assert.deepEqual(s.transfers, [{ command: 'RETR /pub/welcome.txt', tls: true }])
})

test('ftps: up with tls starttls (explicit FTPS)', async (t) => {
  const s = await server(t, { tls: 'explicit' })
  const { result } = await runCheck(ftps(s.port, { tls: 'starttls', expect: 'Welcome' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(s.commands[0], 'AUTH TLS')
  assert.deepEqual(s.transfers, [{ command: 'RETR /pub/welcome.txt', tls: true }])
})

test('ftps: tls_fingerprint pins the certificate (stage "tls" for another one)', async (t) => {
  const s = await server(t, { tls: 'implicit' })
  const fingerprint = new X509Certificate(DEMO_TLS_CERT).fingerprint256
  const pinned = await runCheck(ftps(s.port, { tls_fingerprint: fingerprint }))
  assert.equal(pinned.result.up, true, pinned.result.error ?? '')
  const fresh = await server(t, { tls: 'implicit' })
  const other = await runCheck(ftps(fresh.port, { tls_fingerprint: 'AB'.repeat(32) }))
  assert.equal(other.result.stage, 'tls')
  assert.match(other.result.error!, /^the server's certificate has fingerprint .+, not the pinned AB:AB:/)
  assert.deepEqual(fresh.commands, [], 'no command after a pin failure')
})

test('ftps: tls_verify refuses the self-signed certificate at stage "tls"', async (t) => {
  const s = await server(t, { tls: 'explicit' })
  const { result } = await runCheck(ftps(s.port, { tls: 'starttls', tls_verify: true }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /^TLS handshake failed: self.signed certificate/)
})

test('ftps: down with stage "tls" when the server speaks plain FTP', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(ftps(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /^TLS handshake failed/)
})

test('ftps: defaults to port 990 and implicit TLS; ftp to port 21 and no TLS', () => {
  const secure = ftps(990)
  assert.equal(makeService({ subtype: 'ftps', options: { file: 'x' } }).port, 990)
  assert.equal(secure.options.tls, 'implicit')
  assert.equal(makeService({ subtype: 'ftp', options: { file: 'x' } }).port, 21)
  assert.equal(ftp(21).options.tls, 'none')
  assert.equal(ftp(21).options.max_bytes, 1024 * 1024)
})

test('ftp: the options schema refuses what cannot work', () => {
  const refuse = (subtype: string, options: Record<string, unknown>, message: RegExp) =>
    assert.throws(() => makeService({ subtype, options }), message)
  refuse('ftp', {}, /file is required \(it may be left out when upload is set\)/)
  refuse('ftp', { expect: 'x' }, /need a file/)
  refuse('ftp', { upload: true, sha256: WELCOME_SHA256 }, /need a file/)
  refuse('ftp', { file: 'x', tls: 'implicit' }, /must be one of none, starttls/)
  refuse('ftps', { file: 'x', tls: 'none' }, /must be one of implicit, starttls/)
  refuse('ftp', { file: 'x', sha256: 'abc' }, /SHA-256 digest/)
  refuse('ftp', { file: 'x', max_bytes: 0 }, /at least 1/)
  refuse('ftp', { file: 'x', passive: false }, /passive/)
})
