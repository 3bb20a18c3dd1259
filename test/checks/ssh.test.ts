import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { test, type TestContext } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { DEMO_SSH_CLIENT_KEY, DEMO_SSH_CLIENT_PUBLIC_KEY } from '../../src/demo/ssh-keys.ts'
import { listen } from '../../src/demo/running-server.ts'
import { startSshServer } from '../../src/demo/ssh-server.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'
import type { Service } from '../../src/service.ts'

async function server(t: TestContext) {
  const s = await startSshServer({
    users: {
      alice: 'Winter2026!',
      deploy: { authorizedKey: DEMO_SSH_CLIENT_PUBLIC_KEY },
      kim: { password: 'Kbd-only1', methods: ['keyboard-interactive'] },
    },
  })
  t.after(() => s.close())
  return s
}

const alice = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({ subtype: 'ssh', port, username: 'alice', password: 'Winter2026!', options, ...extra })

test('ssh: up when the password login succeeds (no command: the login is the check)', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(alice(s.port))
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : SSH login to 127.0.0.1:${s.port}`])
})

test('ssh: a server that takes keyboard-interactive only is answered with the password', async (t) => {
  const s = await server(t)
  const kim = (password: string) =>
    makeService({ subtype: 'ssh', port: s.port, username: 'kim', password, options: { command: 'id -un' } })
  const { result } = await runCheck(kim('Kbd-only1'))
  assert.equal(result.up, true, result.error ?? '')
  const wrong = await runCheck(kim('nope'))
  assert.equal(wrong.result.stage, 'auth')
  assert.equal(wrong.result.error, 'login refused for user "kim"')
})

test('ssh: up when the command output matches expect, expect_exact and expect_regex', async (t) => {
  const s = await server(t)
  const options = { command: 'id -un', expect: 'ali', expect_exact: '{username}', expect_regex: '^alice$' }
  const { result } = await runCheck(alice(s.port, options))
  assert.equal(result.up, true, result.error ?? '')
})

test('ssh: takes a few milliseconds, not Nagle delays', async (t) => {
  const s = await server(t)
  await runCheck(alice(s.port, { command: 'echo warm' }))
  const { result } = await runCheck(alice(s.port, { command: 'echo hi', expect: 'hi' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.ok(result.durationMs < 100, `took ${result.durationMs} ms`)
})

test('ssh: up with a private_key login', async (t) => {
  const s = await server(t)
  const service = makeService({
    subtype: 'ssh',
    port: s.port,
    username: 'deploy',
    options: { private_key: DEMO_SSH_CLIENT_KEY, command: 'whoami', expect_exact: 'deploy' },
  })
  const { result } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
})

test('ssh: down with stage "auth" when the password is wrong', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(alice(s.port, { command: 'id -un' }, { password: 'Summer2026!' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused for user "alice"')
  assert.match(logs[0]!, /FAIL Team1 : SSH login to/)
})

test('ssh: down with stage "auth" when the service has no credentials', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(makeService({ subtype: 'ssh', port: s.port }))
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /no credentials/)
})

test('ssh: down with stage "match" when the output is not the expected one, quoting it', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(alice(s.port, { command: 'id -un', expect_exact: 'root' }))
  assert.equal(result.stage, 'match')
  assert.equal(result.error, 'output of "id -un" is not exactly "root"; received "alice"')
})

test('ssh: down with stage "action" when the command exits with another status than 0', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(alice(s.port, { command: 'systemctl status nginx' }))
  assert.equal(result.stage, 'action')
  assert.equal(
    result.error,
    'command "systemctl status nginx" exited with status 127: "sh: 1: systemctl: not found"',
  )
})

test('ssh: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(alice(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('ssh: times out on time in stage "connect" when the server accepts and never answers', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(alice(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('ssh: times out on time in stage "action" when the command never finishes', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(alice(s.port, { command: 'sleep 3600' }, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs < 1300, `took ${result.durationMs} ms`)
})

test('ssh: down with stage "action", not a timeout, when the server hangs up while the command runs', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(alice(s.port, { command: 'hangup' }, { timeoutMs: 5000 }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'the server closed the connection while "hangup" ran')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
})

test('ssh: down with stage "connect", not a timeout, when the server hangs up after its greeting', async (t) => {
  const hangUp = createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n'))
  const port = await listen(hangUp, '127.0.0.1', 0)
  t.after(() => hangUp.close())
  const { result } = await runCheck(alice(port, {}, { timeoutMs: 5000 }))
  assert.equal(result.stage, 'connect')
  assert.match(result.error!, /^SSH handshake failed: /)
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
})

test('ssh: a command that writes forever is read no further than 64 KiB', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(alice(s.port, { command: 'yes', expect: 'n' }))
  assert.equal(result.stage, 'match')
  assert.match(
    result.error!,
    /^output of "yes" \(first 65536 bytes\) does not contain "n"; received "y\\ny\\n/,
  )
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
})

test('ssh: a server that floods bytes instead of speaking SSH fails without hanging', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(alice(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.up, false)
  assert.equal(result.stage, 'connect')
  assert.ok(result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('ssh: expect without a command is refused by the options schema', () => {
  assert.throws(() => makeService({ subtype: 'ssh', options: { expect: 'root' } }), /need a command/)
})

test('ssh: a private_key that is not armoured as a private key is refused by the options schema', () => {
  assert.throws(
    () => makeService({ subtype: 'ssh', options: { private_key: 'not a key' } }),
    /private_key cannot be read: not an OpenSSH or PEM private key/,
  )
  assert.throws(
    () => makeService({ subtype: 'ssh', options: { private_key: DEMO_SSH_CLIENT_PUBLIC_KEY } }),
    /private_key cannot be read: this is a public key/,
  )
  const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n'
  assert.equal(makeService({ subtype: 'ssh', options: { private_key: pem } }).options.private_key, pem)
})

test('ssh: down with stage "auth" when the private_key is armoured as one but cannot be read', async (t) => {
  const s = await server(t)
  const broken = DEMO_SSH_CLIENT_KEY.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA')
  assert.notEqual(broken, DEMO_SSH_CLIENT_KEY)
  const service = makeService({
    subtype: 'ssh',
    port: s.port,
    username: 'deploy',
    options: { private_key: broken, command: 'whoami' },
  })
  const { result } = await runCheck(service)
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /^private_key cannot be read: /)
})
