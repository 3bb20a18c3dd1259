import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { DEMO_SSH_CLIENT_KEY, DEMO_SSH_CLIENT_PUBLIC_KEY } from '../../src/demo/ssh-keys.ts'
import { startSshServer, type SshServerOptions } from '../../src/demo/ssh-server.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'
import type { Service } from '../../src/service.ts'

const REPORT = 'Quarterly report: Q3 revenue up\n'
const REPORT_SHA256 = createHash('sha256').update(REPORT).digest('hex')
/** A file larger than one SFTP read, with a marker at its very end. */
const LARGE = `${'z'.repeat(200_000)}END\n`

async function server(t: TestContext, options: SshServerOptions = {}) {
  const s = await startSshServer({
    users: { alice: 'Winter2026!', deploy: { authorizedKey: DEMO_SSH_CLIENT_PUBLIC_KEY } },
    files: {
      '/srv/share/report.txt': REPORT,
      '/srv/share/large.txt': LARGE,
      '/srv/share/endless.bin': { hostile: 'endless' },
      '/srv/share/stall.bin': { hostile: 'stall' },
    },
    ...options,
  })
  t.after(() => s.close())
  return s
}

const alice = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({
    subtype: 'sftp',
    port,
    username: 'alice',
    password: 'Winter2026!',
    options: { file: '/srv/share/report.txt', ...options },
    ...extra,
  })

test('sftp: up when the file matches expect, expect_regex, expect_exact and sha256', async (t) => {
  const s = await server(t)
  const options = {
    expect: 'Q3',
    expect_regex: '^Quarterly',
    expect_exact: REPORT.trim(),
    sha256: REPORT_SHA256,
  }
  const { result, logs } = await runCheck(alice(s.port, options))
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : SFTP login to 127.0.0.1:${s.port}`])
})

test('sftp: reads a file larger than one SFTP read to its end', async (t) => {
  const s = await server(t)
  const sha256 = createHash('sha256').update(LARGE).digest('hex')
  const { result } = await runCheck(
    alice(s.port, { file: '/srv/share/large.txt', expect_regex: 'END$', sha256 }),
  )
  assert.equal(result.up, true, result.error ?? '')
})

test('sftp: up with a private_key login', async (t) => {
  const s = await server(t)
  const service = makeService({
    subtype: 'sftp',
    port: s.port,
    username: 'deploy',
    options: { file: '/srv/share/report.txt', private_key: DEMO_SSH_CLIENT_KEY, expect: 'Q3' },
  })
  const { result } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
})

test('sftp: down with stage "auth" when the password is wrong', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(alice(s.port, {}, { password: 'Summer2026!' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused for user "alice"')
  assert.match(logs[0]!, /FAIL Team1 : SFTP login to/)
})

test('sftp: down with stage "action" when the file does not exist', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(alice(s.port, { file: '/srv/share/missing.txt' }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'file /srv/share/missing.txt not found')
})

test('sftp: down with stage "action" when the server has no SFTP subsystem', async (t) => {
  const s = await startSshServer({ users: { alice: 'Winter2026!' } })
  t.after(() => s.close())
  const { result } = await runCheck(alice(s.port))
  assert.equal(result.stage, 'action')
  assert.match(result.error!, /^the server refused the SFTP subsystem: /)
})

test('sftp: down with stage "match" when the content is not the expected one, quoting it', async (t) => {
  const s = await server(t, { files: { '/srv/share/report.txt': 'pwned by red team\n' } })
  const { result } = await runCheck(alice(s.port, { expect: 'Q3' }))
  assert.equal(result.stage, 'match')
  assert.equal(result.error, 'file /srv/share/report.txt does not contain "Q3"; received "pwned by red team"')
})

test('sftp: down with stage "match" when the sha256 differs', async (t) => {
  const s = await server(t, { files: { '/srv/share/report.txt': 'Quarterly report: Q3 revenue down\n' } })
  const { result } = await runCheck(alice(s.port, { sha256: REPORT_SHA256 }))
  assert.equal(result.stage, 'match')
  assert.match(
    result.error!,
    /^file \/srv\/share\/report.txt has changed: its sha256 is [0-9a-f]{16}…, expected /,
  )
})

test('sftp: a file that never ends is read no further than max_bytes', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(
    alice(s.port, { file: '/srv/share/endless.bin', expect: 'y', max_bytes: 100_000 }),
  )
  assert.equal(result.stage, 'match')
  assert.match(
    result.error!,
    /^file \/srv\/share\/endless.bin \(first 100000 bytes\) does not contain "y"; received "xxx/,
  )
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
})

test('sftp: a file of exactly max_bytes is whole, one byte more is cut', async (t) => {
  const s = await server(t)
  const whole = await runCheck(alice(s.port, { max_bytes: REPORT.length, sha256: REPORT_SHA256 }))
  assert.equal(whole.result.up, true, whole.result.error ?? '')
  const cut = await runCheck(alice(s.port, { max_bytes: REPORT.length - 1, sha256: REPORT_SHA256 }))
  assert.equal(cut.result.stage, 'match')
  assert.match(cut.result.error!, /is larger than max_bytes/)
})

test('sftp: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(alice(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('sftp: times out on time in stage "connect" when the server accepts and never answers', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(alice(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('sftp: times out on time in stage "action" when a read is never answered', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(alice(s.port, { file: '/srv/share/stall.bin' }, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
})

test('sftp: a server that floods bytes instead of speaking SSH fails without hanging', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(alice(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.up, false)
  assert.equal(result.stage, 'connect')
  assert.ok(result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('sftp: the options schema needs a file and reads the options it shares with ssh', () => {
  assert.throws(() => makeService({ subtype: 'sftp', options: {} }), /file/)
  assert.throws(
    () => makeService({ subtype: 'sftp', options: { file: 'x', private_key: 'not a key' } }),
    /private_key cannot be read/,
  )
  assert.throws(() => makeService({ subtype: 'sftp', options: { file: 'x', command: 'id' } }), /command/)
  assert.equal(makeService({ subtype: 'sftp', options: { file: 'x' } }).port, 22)
})
