import assert from 'node:assert/strict'
import { createCipheriv, getCiphers, randomBytes } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { desEncryptBlock } from '../../checks/vnc/des.ts'
import { agreedMinor, vncAuthResponse } from '../../checks/vnc/vnc.ts'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { startVncServer, type VncServerOptions } from '../../src/demo/vnc-server.ts'
import type { Service } from '../../src/service.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'

async function server(t: TestContext, options: VncServerOptions = {}) {
  const s = await startVncServer({ password: 'Winter26', desktopName: 'team1:1 (alice)', ...options })
  t.after(() => s.close())
  return s
}

const vnc = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({ subtype: 'vnc', port, password: 'Winter26', options, ...extra })

test('vnc: DES encrypts the FIPS 46 example block, and agrees with OpenSSL on random keys', () => {
  const block = desEncryptBlock(Buffer.from('0123456789abcdef', 'hex'), Buffer.from('Now is t'))
  assert.equal(block.toString('hex'), '3fa40e8a984d4815')
  if (!getCiphers().includes('des-ede3-ecb')) return
  for (let i = 0; i < 20; i++) {
    const key = randomBytes(8)
    const plain = randomBytes(8)
    // Triple DES with three equal keys is single DES.
    const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null).setAutoPadding(false)
    assert.deepEqual(desEncryptBlock(key, plain), cipher.update(plain))
  }
})

test('vnc: the authentication response uses the password bit-reversed as the key, cut to 8 bytes', () => {
  const challenge = Buffer.from('00112233445566778899aabbccddeeff', 'hex')
  // "password" with each byte bit-reversed is 0e86ceceeef64e26 (as libvncserver computes it).
  const expected = Buffer.concat([
    desEncryptBlock(Buffer.from('0e86ceceeef64e26', 'hex'), challenge.subarray(0, 8)),
    desEncryptBlock(Buffer.from('0e86ceceeef64e26', 'hex'), challenge.subarray(8)),
  ])
  assert.deepEqual(vncAuthResponse('password', challenge), expected)
  assert.deepEqual(vncAuthResponse('password-and-more', challenge), expected)
})

test('vnc: the version spoken is the highest of 3.3, 3.7 and 3.8 the server offers', () => {
  assert.equal(agreedMinor(3, 3), 3)
  assert.equal(agreedMinor(3, 7), 7)
  assert.equal(agreedMinor(3, 8), 8)
  assert.equal(agreedMinor(3, 889), 8)
  assert.equal(agreedMinor(4, 1), 8)
  assert.equal(agreedMinor(3, 5), 3)
})

test('vnc: up when the password is accepted and the desktop name matches', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(vnc(s.port, { expect: 'team1', expect_regex: '\\(alice\\)$' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(result.stage, null)
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : VNC login to 127.0.0.1:${s.port}`])
  assert.match(result.detail ?? '', /desktop 1024x768 named "team1:1 \(alice\)"/)
})

for (const version of ['3.3', '3.7'] as const) {
  test(`vnc: up with an RFB ${version} server`, async (t) => {
    const s = await server(t, { version })
    const { result } = await runCheck(vnc(s.port, { expect_exact: 'team1:1 (alice)' }))
    assert.equal(result.up, true, result.error ?? '')
  })
}

test('vnc: uses the password when the server offers None too', async (t) => {
  const s = await server(t, { securityTypes: [1, 2] })
  const { result } = await runCheck(vnc(s.port, {}, { password: 'wrong' }))
  assert.equal(result.stage, 'auth')
})

test('vnc: up without a password when the server offers only None, and says so in the transcript', async (t) => {
  for (const version of ['3.3', '3.7', '3.8'] as const) {
    const s = await server(t, { version, securityTypes: [1] })
    const { result } = await runCheck(vnc(s.port, {}, { password: null }))
    assert.equal(result.up, true, `${version}: ${result.error ?? ''}`)
    assert.match(result.detail ?? '', /asks for no password/)
  }
})

test('vnc: down with stage "auth" when the password is wrong, with the server\'s reason', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(vnc(s.port, {}, { password: 'Summer26' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'VNC password refused: "Authentication failed"')
  assert.match(logs[0]!, /FAIL Team1 : VNC login to/)
})

test('vnc: down with stage "auth" when the password is wrong on an RFB 3.3 server (no reason)', async (t) => {
  const s = await server(t, { version: '3.3' })
  const { result } = await runCheck(vnc(s.port, {}, { password: 'Summer26' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'VNC password refused')
})

test('vnc: down with stage "auth" when no password is configured and the server asks for one', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(vnc(s.port, {}, { password: null }))
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /no credentials/)
})

test('vnc: down with stage "auth" when the server refuses the connection, with its reason', async (t) => {
  const s = await server(t, { securityTypes: [] })
  const { result } = await runCheck(vnc(s.port))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'the server refused the connection: "Too many security failures"')
})

test('vnc: down with stage "auth" when the server offers only unsupported security types', async (t) => {
  const s = await server(t, { securityTypes: [19, 5] })
  const { result } = await runCheck(vnc(s.port))
  assert.equal(result.stage, 'auth')
  assert.equal(
    result.error,
    'the server offers no security type the check supports (it offers VeNCrypt, RA2; supported: VNC authentication, None)',
  )
})

test('vnc: down with stage "match" when the desktop name is not the expected one, quoting it', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(vnc(s.port, { expect: 'team2' }))
  assert.equal(result.stage, 'match')
  assert.equal(result.error, 'desktop name does not contain "team2"; received "team1:1 (alice)"')
})

test('vnc: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(vnc(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('vnc: down with stage "connect" when the server is not an RFB server', async (t) => {
  const s = await server(t, { version: Buffer.from('SSH-2.0-Open') })
  const { result } = await runCheck(vnc(s.port))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'not a VNC server: it sent "SSH-2.0-Open"')
})

test('vnc: times out on time in stage "connect" when the server never greets, and lets go of the connection', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(vnc(s.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('vnc: a server that floods bytes after its greeting fails fast without reading them all', async (t) => {
  // 255 security types, then an endless stream: the check reads what it needs and stops.
  const s = await startFlood({ greeting: 'RFB 003.008\n', payload: Buffer.from([0xff]) })
  t.after(() => s.close())
  const { result } = await runCheck(vnc(s.port))
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /offers no security type the check supports/)
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('vnc: a huge desktop name is read no further than 4 KiB', async (t) => {
  const s = await server(t, { desktopName: 'x'.repeat(100_000) })
  const { result } = await runCheck(vnc(s.port, { expect: 'team1' }))
  assert.equal(result.stage, 'match')
  assert.match(result.error!, /received "x{120}…"/)
})
