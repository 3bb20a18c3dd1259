import assert from 'node:assert/strict'
import { createSocket, type Socket, type SocketType } from 'node:dgram'
import { test, type TestContext } from 'node:test'
import snmp, { type User } from 'net-snmp'
import { desCbc, desPrivacy } from '../../checks/snmp/snmp-des.ts'
import { startUdpBlackhole } from '../../src/demo/blackhole.ts'
import type { Service } from '../../src/service.ts'
import { runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'
import { builtinTypes } from '../../checks/builtin-types.ts'
import { optionsSchema } from '../../src/service-type.ts'

const SYS_DESCR = '1.3.6.1.2.1.1.1.0'
const MAC_OID = '1.3.6.1.4.1.99999.1.0'

/** A UDP port on 127.0.0.1 that nothing listens on. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(resolve))
  return port
}

/** net-snmp's own agent on 127.0.0.1, answering sysDescr.0 and a binary scalar. */
async function agent(t: TestContext, access: { communities?: string[]; users?: User[] } = {}) {
  const port = await freeUdpPort()
  let socket: Socket | undefined
  const a = snmp.createAgent(
    {
      port,
      address: '127.0.0.1',
      dgramModule: { createSocket: (type: SocketType) => (socket = createSocket(type)) },
    },
    () => undefined,
  )
  await new Promise((resolve) => socket!.once('listening', resolve))
  const authorizer = a.getAuthorizer()
  for (const community of access.communities ?? ['public']) authorizer.addCommunity(community)
  for (const user of access.users ?? []) authorizer.addUser(user)
  const mib = a.getMib()
  const scalar = (name: string, oid: string, scalarType: number) =>
    mib.registerProvider({
      name,
      type: snmp.MibProviderType.Scalar,
      oid,
      scalarType,
      maxAccess: snmp.MaxAccess['read-only'],
    })
  scalar('sysDescr', '1.3.6.1.2.1.1.1', snmp.ObjectType.OctetString!)
  mib.setScalarValue('sysDescr', 'Linux team1-web 6.1.0-18-amd64 x86_64')
  scalar('mac', '1.3.6.1.4.1.99999.1', snmp.ObjectType.OctetString!)
  mib.setScalarValue('mac', Buffer.from([0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e]))
  t.after(() => new Promise<void>((resolve) => a.close(() => resolve())))
  return { port }
}

const v3User: User = {
  name: 'monitor',
  level: snmp.SecurityLevel.authPriv,
  authProtocol: snmp.AuthProtocols.sha,
  authKey: 'Winter2026!',
  privProtocol: snmp.PrivProtocols.aes,
  privKey: 'Winter2026!',
}

const v2c = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({ subtype: 'snmp', port, options, ...extra })

const v3 = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({
    subtype: 'snmp',
    port,
    username: 'monitor',
    password: 'Winter2026!',
    options: { version: 3, ...options },
    ...extra,
  })

test('snmp: up when the v2c GET of sysDescr.0 matches expect', async (t) => {
  const a = await agent(t)
  const { result, logs } = await runCheck(v2c(a.port, { expect: 'Linux', expect_regex: 'x86_64$' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(result.score, 5)
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : SNMP GET ${SYS_DESCR} to 127.0.0.1:${a.port}`])
  assert.ok(result.durationMs < 500, `took ${result.durationMs} ms`)
})

test('snmp: version is read as 2c whether written 2, "2", "v2c" or "2c", and a community is used', async (t) => {
  const a = await agent(t, { communities: ['team1ro'] })
  for (const version of [2, '2', 'v2c', '2c']) {
    const { result } = await runCheck(v2c(a.port, { version, community: 'team1ro' }))
    assert.equal(result.up, true, `${version}: ${result.error ?? ''}`)
  }
})

test('snmp: up with a v3 user (SHA and AES, the password as both keys)', async (t) => {
  const a = await agent(t, { users: [v3User] })
  const { result } = await runCheck(v3(a.port, { expect: 'Linux' }))
  assert.equal(result.up, true, result.error ?? '')
})

test('snmp: v3 takes auth_protocol, priv_protocol and a separate priv_password', async (t) => {
  const users: User[] = [
    {
      name: 'monitor',
      level: snmp.SecurityLevel.authPriv,
      authProtocol: snmp.AuthProtocols.sha256,
      authKey: 'Winter2026!',
      privProtocol: snmp.PrivProtocols.des,
      privKey: 'PrivacyKey9',
    },
    {
      name: 'reader',
      level: snmp.SecurityLevel.authNoPriv,
      authProtocol: snmp.AuthProtocols.md5,
      authKey: 'Reader2026!',
    },
  ]
  const a = await agent(t, { users })
  const priv = await runCheck(
    v3(a.port, { auth_protocol: 'SHA256', priv_protocol: 'des', priv_password: 'PrivacyKey9' }),
  )
  assert.equal(priv.result.up, true, priv.result.error ?? '')
  const noPriv = await runCheck(
    v3(
      a.port,
      { auth_protocol: 'md5', priv_protocol: 'none' },
      { username: 'reader', password: 'Reader2026!' },
    ),
  )
  assert.equal(noPriv.result.up, true, noPriv.result.error ?? '')
})

test('snmp: down with stage "auth" when the v3 password is wrong (net-snmp\'s agent then stays silent)', async (t) => {
  const a = await agent(t, { users: [v3User] })
  const { result, logs } = await runCheck(v3(a.port, {}, { password: 'Summer2026!', timeoutMs: 1000 }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'timed out after 1 s')
  assert.match(logs[0]!, /FAIL Team1 : SNMP GET/)
})

test('snmp: down with stage "auth" when the v3 user is unknown', async (t) => {
  const a = await agent(t, { users: [v3User] })
  const { result } = await runCheck(v3(a.port, {}, { username: 'mallory' }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused for user "mallory" (unknown user)')
})

test('snmp: a wrong v2c community times out in stage "auth": the agent is there, but silent', async (t) => {
  const a = await agent(t)
  const { result } = await runCheck(v2c(a.port, { community: 'guessme' }, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
})

test('snmp: down with stage "match" when the value does not contain expect, quoting it', async (t) => {
  const a = await agent(t)
  const { result } = await runCheck(v2c(a.port, { expect: 'Windows' }))
  assert.equal(result.stage, 'match')
  assert.equal(
    result.error,
    `value of ${SYS_DESCR} does not contain "Windows"; received "Linux team1-web 6.1.0-18-amd64 x86_64"`,
  )
})

test('snmp: a value that is not printable text is matched in hex, as snmpget writes it', async (t) => {
  const a = await agent(t)
  const { result } = await runCheck(v2c(a.port, { oid: MAC_OID, expect_exact: '00 1A 2B 3C 4D 5E' }))
  assert.equal(result.up, true, result.error ?? '')
})

test('snmp: down with stage "action" when the agent has no such OID', async (t) => {
  const a = await agent(t)
  const { result } = await runCheck(v2c(a.port, { oid: '.1.3.6.1.4.1.99999.7.0' }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'the agent has no value for OID 1.3.6.1.4.1.99999.7.0 (NoSuchObject)')
})

test('snmp: down with stage "connect" at once when the UDP port is closed', async () => {
  const { result } = await runCheck(v2c(await freeUdpPort()))
  assert.equal(result.stage, 'connect')
  assert.match(result.error!, /^connection refused: no SNMP agent listens on UDP port \d+$/)
  assert.ok(result.durationMs < 500, `took ${result.durationMs} ms`)
})

test('snmp: times out on time in stage "connect" when nothing ever answers', async (t) => {
  const hole = await startUdpBlackhole()
  t.after(() => hole.close())
  const { result } = await runCheck(v2c(hole.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
})

test('snmp: an agent that floods datagrams that are not SNMP fails at once, without crashing', async (t) => {
  const flood = createSocket('udp4')
  flood.on('error', () => undefined)
  flood.on('message', (_message, from) => {
    for (let i = 0; i < 50; i++) flood.send(Buffer.alloc(60_000, 'A'), from.port, from.address)
  })
  await new Promise<void>((resolve) => flood.bind(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => flood.close(resolve)))
  const { result } = await runCheck(v2c(flood.address().port, { expect: 'Linux' }))
  assert.equal(result.up, false)
  assert.match(result.error!, /not valid SNMP/)
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
})

test('snmp: the options schema refuses a community with version 3, priv_password without it, and a named OID', () => {
  assert.throws(
    () => makeService({ subtype: 'snmp', options: { version: 3, community: 'x' } }),
    /versions 1 and 2c/,
  )
  assert.throws(() => makeService({ subtype: 'snmp', options: { priv_password: 'x' } }), /for version 3/)
  assert.throws(() => makeService({ subtype: 'snmp', options: { oid: 'sysDescr.0' } }), /numeric OID/)
  assert.throws(() => makeService({ subtype: 'snmp', options: { version: 4 } }), /one of 1, 2c, 3/)
  assert.equal(makeService({ subtype: 'snmp', options: { version: 'V3' } }).options.version, '3')
  assert.equal(makeService({ subtype: 'snmp' }).options.oid, SYS_DESCR)
  assert.equal(makeService({ subtype: 'snmp' }).port, 161)
  const options = { version: 'v3', oid: '.1.3.6.1.2.1.1.5.0', auth_protocol: 'SHA1', priv_protocol: 'AES128' }
  const once = makeService({ subtype: 'snmp', options }).options
  assert.deepEqual(once.oid, '1.3.6.1.2.1.1.5.0')
  assert.deepEqual(
    optionsSchema(builtinTypes().get('snmp')!).parse(once),
    once,
    'parsed options parse to themselves',
  )
})

test('snmp: DES privacy, computed as 3DES with equal keys, is DES and decrypts what it encrypts', () => {
  // The classic worked example of DES (key 133457799BBCDFF1).
  const key = Buffer.from('133457799bbcdff1', 'hex')
  const block = desCbc('encrypt', key, Buffer.alloc(8), Buffer.from('0123456789abcdef', 'hex'))
  assert.equal(block.toString('hex'), '85e813540f0ab405')
  const engine = { engineID: Buffer.from('80001f888056e9a1b5a9e0c96500000000', 'hex') }
  const pdu = Buffer.from('301d04000400a017020412345678020100020100300930070603' + '2b06010500', 'hex')
  const des = snmp.PrivProtocols.des!
  const sha = snmp.AuthProtocols.sha!
  const { encryptPdu, decryptPdu } = desPrivacy(snmp)
  const { encryptedPdu, msgPrivacyParameters } = encryptPdu(pdu, des, 'PrivacyKey9', sha, engine)
  assert.equal(encryptedPdu.length, 32)
  const plain = decryptPdu(encryptedPdu, des, msgPrivacyParameters, 'PrivacyKey9', sha, engine)
  assert.deepEqual(plain.subarray(0, pdu.length), pdu)
})
