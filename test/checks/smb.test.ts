import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createServer } from 'node:net'
import { test, type TestContext } from 'node:test'
import { md4 } from '../../checks/smb/md4.ts'
import { ntlmv2Blob, ntlmv2Proof, ntowfv2, rc4 } from '../../checks/smb/ntlm.ts'
import { aesCmac, smb3Kdf } from '../../checks/smb/smb2-signing.ts'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { listen } from '../../src/demo/running-server.ts'
import { startSmbServer, type SmbServerOptions } from '../../src/demo/smb-server.ts'
import type { Service } from '../../src/service.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'

const BIG = Buffer.alloc(200_000, 'abcdefghij')

async function server(t: TestContext, options: Partial<SmbServerOptions> = {}) {
  const s = await startSmbServer({
    users: { alice: 'Winter2026!' },
    shares: {
      files: {
        files: {
          'welcome.txt': 'Welcome to team 1\n',
          'docs/report.txt': 'quarterly report',
          'big.bin': BIG,
          'secret.txt': 'no',
        },
        denied: ['secret.txt'],
      },
      private: { files: { 'x.txt': 'x' }, denied: [''] },
    },
    ...options,
  })
  t.after(() => s.close())
  return s
}

const smb = (port: number, options: Record<string, unknown>, extra: Partial<Service> = {}) =>
  makeService({ subtype: 'smb', port, username: 'alice', password: 'Winter2026!', options, ...extra })

test('smb: MD4 gives the RFC 1320 digests', () => {
  assert.equal(md4(Buffer.from('')).toString('hex'), '31d6cfe0d16ae931b73c59d7e0c089c0')
  assert.equal(md4(Buffer.from('abc')).toString('hex'), 'a448017aaf21d8525fc10ae87aa6729d')
  const long = '1234567890'.repeat(8)
  assert.equal(md4(Buffer.from(long)).toString('hex'), 'e33b4ddc9c38f2199c3e7b164fcc0536')
})

test('smb: NTLMv2 gives the MS-NLMP 4.2.4 results; RC4 the usual test vector', () => {
  const key = ntowfv2('Password', 'User', 'Domain')
  assert.equal(key.toString('hex'), '0c868a403bfd7a93a3001ef22ef02e3f')
  const pair = (id: number, text: string) => {
    const value = Buffer.from(text, 'utf16le')
    return Buffer.concat([Buffer.from([id, 0, value.length, 0]), value])
  }
  const info = Buffer.concat([pair(2, 'Domain'), pair(1, 'Server'), Buffer.alloc(4)])
  const blob = ntlmv2Blob(Buffer.alloc(8, 0xaa), Buffer.alloc(8), info)
  const { proof, sessionBaseKey } = ntlmv2Proof(key, Buffer.from('0123456789abcdef', 'hex'), blob)
  assert.equal(proof.toString('hex'), '68cd0ab851e51c96aabc927bebef6a1c')
  assert.equal(sessionBaseKey.toString('hex'), '8de40ccadbc14a82f15cb0ad0de95ca3')
  assert.equal(rc4(Buffer.from('Key'), Buffer.from('Plaintext')).toString('hex'), 'bbf316e8d940af0ad3')
})

test('smb: AES-CMAC gives the RFC 4493 results; the SMB 3 KDF gives 16 bytes', () => {
  const key = Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex')
  const message = Buffer.from(
    '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411',
    'hex',
  )
  assert.equal(aesCmac(key, Buffer.alloc(0)).toString('hex'), 'bb1d6929e95937287fa37d129b756746')
  assert.equal(aesCmac(key, message.subarray(0, 16)).toString('hex'), '070a16b46b4d4144f79bdd9dd04a287c')
  assert.equal(aesCmac(key, message.subarray(0, 40)).toString('hex'), 'dfa66747de9ae63030ca32611497c827')
  assert.equal(smb3Kdf(key, 'SMB2AESCMAC\0', 'SmbSign\0').length, 16)
})

test('smb: up when the file is read and matches expect', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(
    smb(s.port, { share: 'files', file: 'welcome.txt', expect: 'Welcome' }),
  )
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(result.stage, null)
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : SMB login to 127.0.0.1:${s.port}`])
  assert.match(result.detail ?? '', /SMB 3\.1\.1\n/)
})

test('smb: up over 3.0.2 when the server offers no more, without signing', async (t) => {
  const s = await server(t, { maxDialect: 0x0302 })
  const { result } = await runCheck(smb(s.port, { share: 'files', file: 'welcome.txt' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.match(result.detail ?? '', /SMB 3\.0\.2\nlogged in \(session flags 0x0\)/)
})

for (const dialect of [0x0202, 0x0210, 0x0300, 0x0302, 0x0311]) {
  const name = `${dialect >> 8}.${(dialect >> 4) & 0xf}.${dialect & 0xf}`
  test(`smb: up over dialect ${name} with signing required (requests signed, answers checked)`, async (t) => {
    const s = await server(t, { maxDialect: dialect, signingRequired: true })
    const { result } = await runCheck(
      smb(s.port, { share: 'files', file: 'docs/report.txt', expect: 'report' }),
    )
    assert.equal(result.up, true, result.error ?? '')
    assert.match(result.detail ?? '', /the server requires signing\n.*signed\)/)
  })
}

test('smb: up with a DOMAIN\\user username', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(smb(s.port, { share: 'files' }, { username: 'DEMO\\alice' }))
  assert.equal(result.up, true, result.error ?? '')
})

test('smb: without a file, lists the share and matches the names', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(
    smb(s.port, { share: 'files', expect: 'docs', expect_regex: 'welcome\\.txt' }),
  )
  assert.equal(result.up, true, result.error ?? '')
  const miss = await runCheck(smb(s.port, { share: 'files', expect: 'payroll.xlsx' }))
  assert.equal(miss.result.stage, 'match')
  assert.match(miss.result.error!, /^listing of share files does not contain "payroll\.xlsx"; received "/)
})

test('smb: a file read over several requests matches its sha256', async (t) => {
  const s = await server(t)
  const sha256 = createHash('sha256').update(BIG).digest('hex')
  const { result } = await runCheck(
    smb(s.port, { share: 'files', file: '/big.bin', sha256, max_bytes: BIG.length }),
  )
  assert.equal(result.up, true, result.error ?? '')
  assert.match(result.detail ?? '', /big\.bin: 200000 bytes, 200000 read/)
})

test('smb: down with stage "match" when the sha256 differs, or the file is larger than max_bytes', async (t) => {
  const s = await server(t)
  const other = createHash('sha256').update('other').digest('hex')
  const wrong = await runCheck(smb(s.port, { share: 'files', file: 'welcome.txt', sha256: other }))
  assert.equal(wrong.result.stage, 'match')
  assert.match(wrong.result.error!, /^file welcome\.txt has changed: its sha256 is [0-9a-f]{16}…/)
  const sha256 = createHash('sha256').update(BIG).digest('hex')
  const big = await runCheck(smb(s.port, { share: 'files', file: 'big.bin', sha256, max_bytes: 1000 }))
  assert.equal(big.result.stage, 'match')
  assert.equal(
    big.result.error,
    'file big.bin is larger than max_bytes (1000 bytes), so its sha256 cannot be checked',
  )
  assert.match(big.result.detail ?? '', /200000 bytes, 1000 read/)
})

test('smb: down with stage "match" when the content is not the expected one, quoting it', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(smb(s.port, { share: 'files', file: 'welcome.txt', expect: 'team 2' }))
  assert.equal(result.stage, 'match')
  assert.equal(result.error, 'file welcome.txt does not contain "team 2"; received "Welcome to team 1"')
})

test('smb: down with stage "auth" when the password is wrong', async (t) => {
  const s = await server(t)
  const { result, logs } = await runCheck(smb(s.port, { share: 'files' }, { password: 'Summer2026!' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused for user "alice"')
  assert.match(logs[0]!, /FAIL Team1 : SMB login to/)
})

test('smb: down with stage "auth" when the server lets an unknown user in as a guest', async (t) => {
  const s = await server(t, { guestForUnknownUsers: true })
  const { result } = await runCheck(smb(s.port, { share: 'files' }, { username: 'mallory' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'the server let user "mallory" in only as a guest: the password was not checked')
})

test('smb: down with stage "auth" when the service has no credentials', async (t) => {
  const s = await server(t)
  const { result } = await runCheck(smb(s.port, { share: 'files' }, { username: null, password: null }))
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /no credentials/)
})

test('smb: down with stage "action" naming the NT status when the share or file is missing or denied', async (t) => {
  const s = await server(t)
  const cases: [Record<string, unknown>, string][] = [
    [{ share: 'nosuch' }, 'share nosuch not found (STATUS_BAD_NETWORK_NAME)'],
    [{ share: 'private' }, 'access to share private denied (STATUS_ACCESS_DENIED)'],
    [
      { share: 'files', file: 'nope.txt' },
      'file nope.txt not found in share files (STATUS_OBJECT_NAME_NOT_FOUND)',
    ],
    [
      { share: 'files', file: 'a/b.txt' },
      'file a/b.txt not found in share files (STATUS_OBJECT_PATH_NOT_FOUND)',
    ],
    [{ share: 'files', file: 'secret.txt' }, 'access to file secret.txt denied (STATUS_ACCESS_DENIED)'],
    [{ share: 'files', file: 'docs' }, 'docs is a folder, not a file (STATUS_FILE_IS_A_DIRECTORY)'],
  ]
  for (const [options, error] of cases) {
    const { result } = await runCheck(smb(s.port, options))
    assert.equal(result.stage, 'action', error)
    assert.equal(result.error, error)
  }
})

test('smb: down when the server signs with a wrong key (it does not know the password)', async (t) => {
  const s = await server(t, { signingRequired: true, quirk: 'bad-signature' })
  const { result } = await runCheck(smb(s.port, { share: 'files' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'the server signed the end of the login with a wrong key')
})

test('smb: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(smb(await closedPort(), { share: 'files' }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('smb: down with stage "connect" when the server closes without answering the negotiation', async (t) => {
  const plain = createServer((socket) => {
    socket.on('error', () => socket.destroy())
    socket.once('data', () => socket.end())
  })
  const port = await listen(plain, '127.0.0.1', 0)
  t.after(() => new Promise<void>((resolve) => plain.close(() => resolve())))
  const { result } = await runCheck(smb(port, { share: 'files' }))
  assert.equal(result.stage, 'connect')
  assert.match(result.error!, /closed the connection during the SMB2 negotiation/)
})

test('smb: a message announced larger than 256 KiB is refused without reading it', async (t) => {
  const huge = createServer((socket) => {
    socket.on('error', () => socket.destroy())
    socket.once('data', () => socket.write(Buffer.from([0, 0xff, 0xff, 0xff])))
  })
  const port = await listen(huge, '127.0.0.1', 0)
  t.after(() => new Promise<void>((resolve) => huge.close(() => resolve())))
  const { result } = await runCheck(smb(port, { share: 'files' }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'the server sent a 16777215-byte message (at most 262144 read)')
})

test('smb: times out on time in stage "connect" when the server never answers, and lets go of the connection', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(smb(s.port, { share: 'files' }, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('smb: a server that floods bytes fails fast, and the connection is let go', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(smb(s.port, { share: 'files' }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'the server did not answer with an SMB2 message')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('smb: the options need a share; sha256 needs a file', () => {
  assert.throws(() => makeService({ subtype: 'smb', options: {} }), /share/)
  assert.throws(() => makeService({ subtype: 'smb', options: { share: 'a/b' } }), /without slashes/)
  assert.throws(
    () => makeService({ subtype: 'smb', options: { share: 'files', sha256: 'a'.repeat(64) } }),
    /sha256 needs a file/,
  )
  const parsed = makeService({ subtype: 'smb', options: { share: '\\\\files', file: '/docs/a.txt' } }).options
  assert.deepEqual(parsed, { share: 'files', file: 'docs/a.txt', max_bytes: 1024 * 1024 })
})
