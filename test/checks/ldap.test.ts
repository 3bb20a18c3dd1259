import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'
import { test, type TestContext } from 'node:test'
import { TLSSocket } from 'node:tls'
import ldap from 'ldapjs'
import { BerReader, BerWriter, FilterParser } from 'ldapts'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { listen } from '../../src/demo/running-server.ts'
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from '../../src/demo/tls-cert.ts'
import type { Service } from '../../src/service.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'
import { builtinTypes } from '../../checks/builtin-types.ts'
import { ldapFilterProblem } from '../../checks/ldap/ldap-filter.ts'
import { optionsSchema } from '../../src/service-type.ts'

const BASE = 'dc=team1,dc=local'
const ALICE = `uid=alice,ou=people,${BASE}`
const STARTTLS_OID = '1.3.6.1.4.1.1466.20037'

const directory: Record<string, { password?: string; attributes: Record<string, string | string[]> }> = {
  [ALICE]: {
    password: 'Winter2026!',
    attributes: {
      objectClass: ['top', 'inetOrgPerson'],
      uid: 'alice',
      cn: 'Alice Liddell',
      mail: 'alice@team1.local',
    },
  },
  [`uid=bob,ou=people,${BASE}`]: {
    password: 'Hunter2!',
    attributes: { objectClass: ['top', 'inetOrgPerson'], uid: 'bob', cn: 'Bob Builder' },
  },
}

/** What the ldapjs server hands its handlers (its published types lack them). */
interface LdapRequest {
  dn: { toString(): string }
  credentials: string
  filter: { matches(attributes: Record<string, unknown>): boolean }
  connection: Socket
}
interface LdapResponse {
  end(status?: number): void
  send(entry: { dn: string; attributes: Record<string, unknown> }): void
  connection: Socket
}
type Next = (err?: unknown) => void

interface LdapServerOptions {
  tls?: boolean
  starttls?: boolean
  /** Search base `dc=endless` answers entries until the client goes away, never ending the search. */
  endless?: boolean
  /** Stop searches after this many entries with result code 4 (sizeLimitExceeded), as slapd does. */
  sizeLimit?: number
}

/** An ldapjs directory on 127.0.0.1: binds checked against `directory`, searches under `BASE`. */
async function ldapServer(t: TestContext, options: LdapServerOptions = {}) {
  const tls = options.tls ? { certificate: DEMO_TLS_CERT, key: DEMO_TLS_KEY } : {}
  const server = ldap.createServer(tls)
  const sockets = new Set<Socket>()
  server.on('error', () => undefined)
  server.on('clientError', () => undefined)
  server.bind(BASE, (req: LdapRequest, res: LdapResponse, next: Next) => {
    const dn = req.dn.toString()
    if (directory[dn]?.password !== undefined && directory[dn].password === req.credentials) {
      res.end()
      return next()
    }
    return next(new ldap.InvalidCredentialsError())
  })
  server.search(BASE, (req: LdapRequest, res: LdapResponse, next: Next) => {
    const base = req.dn.toString()
    let sent = 0
    for (const [dn, entry] of Object.entries(directory)) {
      if (!dn.endsWith(base) || !req.filter.matches(entry.attributes)) continue
      if (sent === options.sizeLimit) {
        res.end(4)
        return next()
      }
      res.send({ dn, attributes: entry.attributes })
      sent++
    }
    res.end()
    return next()
  })
  // Binds under dc=slow are never answered.
  server.bind('dc=slow', () => undefined)
  if (options.endless) {
    server.search('dc=endless', (_req: LdapRequest, res: LdapResponse) => {
      let n = 0
      const pump = () => {
        if (res.connection.destroyed || n > 1_000_000) return
        for (let i = 0; i < 200; i++, n++) {
          res.send({ dn: `uid=u${n},dc=endless`, attributes: { objectClass: 'person', uid: `u${n}` } })
        }
        setImmediate(pump)
      }
      pump()
    })
  }
  if (options.starttls) {
    server.exop(STARTTLS_OID, (req: LdapRequest, res: LdapResponse) => {
      const plain = req.connection
      res.end()
      plain.removeAllListeners('data')
      const secure = new TLSSocket(plain, { isServer: true, cert: DEMO_TLS_CERT, key: DEMO_TLS_KEY })
      secure.on('error', () => secure.destroy())
      ;(server as unknown as { newConnection(socket: Socket): void }).newConnection(secure)
    })
  }
  const inner = (server as unknown as { server: NetServer }).server
  inner.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (inner.address() as AddressInfo).port
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  )
  return { port, openConnections: () => sockets.size }
}

/**
 * An Active Directory-like bind server: takes any bind name (a UPN such as `alice@team1.local`,
 * which ldapjs would refuse as a DN), accepts `accepted` with its password, and records the names.
 */
async function upnServer(t: TestContext, accepted: { name: string; password: string }) {
  const names: string[] = []
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy())
    socket.on('data', (data: Buffer) => {
      const reader = new BerReader(data)
      reader.readSequence()
      const id = reader.readInt() ?? 0
      const op = reader.readSequence()
      if (op !== 0x60) return socket.destroy()
      reader.readInt()
      const name = reader.readString() ?? ''
      const password = reader.readString(0x80) ?? ''
      names.push(name)
      const ok = name === accepted.name && password === accepted.password
      const writer = new BerWriter()
      writer.startSequence()
      writer.writeInt(id)
      writer.startSequence(0x61)
      writer.writeEnumeration(ok ? 0 : 49)
      writer.writeString('')
      writer.writeString(
        ok ? '' : '80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e',
      )
      writer.endSequence()
      writer.endSequence()
      socket.write(writer.buffer)
    })
  })
  const port = await listen(server, '127.0.0.1', 0)
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { port, names }
}

const fingerprint = new X509Certificate(DEMO_TLS_CERT).fingerprint256
const otherFingerprint = fingerprint.replace(/^../, fingerprint.startsWith('00') ? '11' : '00')

const alice = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({
    subtype: 'ldap',
    port,
    username: 'alice',
    password: 'Winter2026!',
    options: { bind_dn: `uid={username},ou=people,${BASE}`, ...options },
    ...extra,
  })

test('ldap: up when the bind as bind_dn succeeds (no base_dn: the bind is the check)', async (t) => {
  const s = await ldapServer(t)
  const { result, logs } = await runCheck(alice(s.port))
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(result.score, 5)
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : LDAP bind to 127.0.0.1:${s.port}`])
  await eventually(() => s.openConnections() === 0, 2000, 'connection closed')
})

test('ldap: up when the search under base_dn finds an entry that matches expect', async (t) => {
  const s = await ldapServer(t)
  const options = {
    base_dn: BASE,
    filter: '(uid={username})',
    expect: 'mail: alice@team1.local',
    expect_regex: '^dn: uid=alice,',
  }
  const { result, logs } = await runCheck(alice(s.port, options))
  assert.equal(result.up, true, result.error ?? '')
  assert.match(logs[0]!, /Success Team1 : LDAP bind and search to/)
})

test('ldap: with domain, binds as user@domain (as Active Directory expects)', async (t) => {
  const s = await upnServer(t, { name: 'alice@team1.local', password: 'Winter2026!' })
  const service = makeService({
    subtype: 'ldap',
    port: s.port,
    username: 'alice',
    password: 'Winter2026!',
    options: { domain: 'team1.local' },
  })
  const { result } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(s.names, ['alice@team1.local'])
})

test('ldap: with domain, a username that already names its domain is sent as it is', async (t) => {
  const s = await upnServer(t, { name: 'TEAM1\\alice', password: 'Winter2026!' })
  const service = makeService({
    subtype: 'ldap',
    port: s.port,
    username: 'TEAM1\\alice',
    password: 'Winter2026!',
    options: { domain: 'team1.local' },
  })
  const { result } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
})

test('ldap: down with stage "auth" when the password is wrong', async (t) => {
  const s = await ldapServer(t)
  const { result, logs } = await runCheck(alice(s.port, {}, { password: 'Summer2026!' }))
  assert.equal(result.up, false)
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, `login refused for "${ALICE}"`)
  assert.match(logs[0]!, /FAIL Team1 : LDAP bind to/)
})

test('ldap: down with stage "auth" when Active Directory refuses user@domain', async (t) => {
  const s = await upnServer(t, { name: 'alice@team1.local', password: 'Winter2026!' })
  const service = makeService({
    subtype: 'ldap',
    port: s.port,
    username: 'alice',
    password: 'wrong',
    options: { domain: 'team1.local' },
  })
  const { result } = await runCheck(service)
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused for "alice@team1.local"')
})

test('ldap: an empty password is refused at stage "auth" rather than sent as an anonymous bind', async (t) => {
  const s = await ldapServer(t)
  const { result } = await runCheck(alice(s.port, {}, { password: '' }))
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /password for "uid=alice,ou=people,dc=team1,dc=local" is empty/)
})

test('ldap: a service without credentials searches anonymously', async (t) => {
  const s = await ldapServer(t)
  const service = makeService({
    subtype: 'ldap',
    port: s.port,
    options: { base_dn: BASE, filter: '(uid=bob)', expect: 'cn: Bob Builder' },
  })
  const { result } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
})

test('ldap: down with stage "match" when the entries do not contain expect, quoting them', async (t) => {
  const s = await ldapServer(t)
  const { result } = await runCheck(
    alice(s.port, { base_dn: BASE, filter: '(uid=alice)', expect: 'mail: root@team1.local' }),
  )
  assert.equal(result.stage, 'match')
  assert.match(
    result.error!,
    /^search result \(1 entries\) does not contain "mail: root@team1.local"; received "dn: uid=alice,ou=people/,
  )
})

test('ldap: down with stage "match" when the search finds nothing', async (t) => {
  const s = await ldapServer(t)
  const { result } = await runCheck(alice(s.port, { base_dn: BASE, filter: '(uid=mallory)' }))
  assert.equal(result.stage, 'match')
  assert.equal(result.error, `the search under "${BASE}" with filter (uid=mallory) found no entries`)
})

test('ldap: down with stage "action" when the base DN does not exist', async (t) => {
  const s = await ldapServer(t)
  const { result } = await runCheck(alice(s.port, { base_dn: 'dc=nowhere' }))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'the base DN "dc=nowhere" does not exist')
})

test('ldap: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(alice(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('ldap: times out on time in stage "auth" when the server never answers the bind, and lets go of the connection', async (t) => {
  const server = await startBlackhole()
  t.after(() => server.close())
  const { result } = await runCheck(alice(server.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => server.openConnections === 0, 1000, 'connection closed')
})

test('ldap: a server that floods bytes that are not LDAP fails at once', async (t) => {
  const server = await startFlood()
  t.after(() => server.close())
  const { result } = await runCheck(alice(server.port))
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /not LDAP|more than 1024 KiB/)
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => server.openConnections === 0, 1000, 'connection closed')
})

test('ldap: an answer declaring a 2 GiB message is read no further than 1 MiB', async (t) => {
  const server = await startFlood({ greeting: Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]) })
  t.after(() => server.close())
  const { result } = await runCheck(alice(server.port))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'the server sent more than 1024 KiB without finishing its answer')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  assert.ok(server.bytesSent < 16 * 1024 * 1024, `server sent ${server.bytesSent} bytes`)
})

test('ldap: a search that never ends is read up to 100 entries, which are matched', async (t) => {
  const s = await ldapServer(t, { endless: true })
  const found = await runCheck(alice(s.port, { base_dn: 'dc=endless', expect: 'uid: u42' }))
  assert.equal(found.result.up, true, found.result.error ?? '')
  assert.ok(found.result.durationMs < 1000, `took ${found.result.durationMs} ms`)
  const missing = await runCheck(alice(s.port, { base_dn: 'dc=endless', expect: 'uid: u500' }))
  assert.equal(missing.result.stage, 'match')
  assert.match(
    missing.result.error!,
    /^search result \(first 100 entries read\) does not contain "uid: u500"/,
  )
  await eventually(() => s.openConnections() === 0, 2000, 'connections closed')
})

test("ldap: a search cut by the server's size limit is matched on the entries it returned, and says so", async (t) => {
  const s = await ldapServer(t, { sizeLimit: 1 })
  const { result } = await runCheck(alice(s.port, { base_dn: BASE, expect: 'uid: nobody' }))
  assert.equal(result.stage, 'match')
  assert.match(
    result.error!,
    /^search result \(first 1 entries: the search hit a size limit\) does not contain/,
  )
})

test('ldaps: up over implicit TLS with a self-signed certificate, and with its fingerprint pinned', async (t) => {
  const s = await ldapServer(t, { tls: true })
  const service = (options: Record<string, unknown>) =>
    makeService({
      subtype: 'ldaps',
      port: s.port,
      username: ALICE,
      password: 'Winter2026!',
      options: { base_dn: BASE, filter: '(uid=alice)', expect: 'cn: Alice', ...options },
    })
  const plain = await runCheck(service({}))
  assert.equal(plain.result.up, true, plain.result.error ?? '')
  const pinned = await runCheck(service({ tls_fingerprint: fingerprint }))
  assert.equal(pinned.result.up, true, pinned.result.error ?? '')
  const wrong = await runCheck(service({ tls_fingerprint: otherFingerprint }))
  assert.equal(wrong.result.stage, 'tls')
  assert.match(wrong.result.error!, /not the pinned/)
})

test('ldaps: down with stage "tls" when the server does not speak TLS', async (t) => {
  const s = await ldapServer(t)
  const { result } = await runCheck(
    makeService({ subtype: 'ldaps', port: s.port, username: ALICE, password: 'Winter2026!' }),
  )
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /^TLS handshake failed/)
})

test('ldap: tls: starttls upgrades the connection before the bind, and a pinned fingerprint is enforced', async (t) => {
  const s = await ldapServer(t, { starttls: true })
  const up = await runCheck(alice(s.port, { tls: 'starttls', base_dn: BASE, expect: 'uid: bob' }))
  assert.equal(up.result.up, true, up.result.error ?? '')
  const pinned = await runCheck(alice(s.port, { tls: 'starttls', tls_fingerprint: otherFingerprint }))
  assert.equal(pinned.result.stage, 'tls')
  assert.match(pinned.result.error!, /not the pinned/)
})

test('ldap: tls: starttls, then a bind never answered, times out on time in stage "auth" and lets go of the connection', async (t) => {
  const s = await ldapServer(t, { starttls: true })
  const service = alice(s.port, { tls: 'starttls', bind_dn: 'uid={username},dc=slow' }, { timeoutMs: 1000 })
  const { result } = await runCheck(service)
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections() === 0, 1000, 'connection closed')
})

test('ldap: tls: starttls fails at stage "tls" when the server does not offer StartTLS', async (t) => {
  const s = await ldapServer(t)
  const { result } = await runCheck(alice(s.port, { tls: 'starttls' }))
  assert.equal(result.stage, 'tls')
  assert.match(result.error!, /STARTTLS|closed the connection/)
})

test('ldap: the options schema refuses a bad filter, a search option without base_dn, and domain with bind_dn', () => {
  assert.throws(
    () => makeService({ subtype: 'ldap', options: { base_dn: BASE, filter: '(uid=alice' } }),
    /not an LDAP filter/,
  )
  assert.throws(() => makeService({ subtype: 'ldap', options: { expect: 'x' } }), /need a base_dn/)
  assert.throws(
    () => makeService({ subtype: 'ldap', options: { domain: 'a.local', bind_dn: 'uid={username}' } }),
    /domain or bind_dn, not both/,
  )
  assert.equal(makeService({ subtype: 'ldaps' }).options.tls, 'implicit')
  assert.equal(makeService({ subtype: 'ldap' }).options.tls, 'none')
  assert.equal(makeService({ subtype: 'ldaps' }).port, 636)
  const options = { domain: 'a.local', base_dn: BASE, filter: '(uid={username})', expect: 7, tls: 'starttls' }
  const once = makeService({ subtype: 'ldap', options }).options
  assert.deepEqual(
    optionsSchema(builtinTypes().get('ldap')!).parse(once),
    once,
    'parsed options parse to themselves',
  )
})

test('ldap: the filter check of the options schema agrees with the filter parser of ldapts', () => {
  const valid = [
    '(objectClass=*)',
    'objectClass=*',
    '(uid={username})',
    '(sAMAccountName={username})',
    '(&(objectClass=person)(|(uid=alice)(mail=alice@team1.local)))',
    '(!(uid=bob))',
    '(cn=Al*ce)',
    '(cn=*Liddell)',
    '(cn=A*l*)',
    '(uidNumber>=1000)',
    '(uidNumber<=60000)',
    '(cn~=alice)',
    '(cn=)',
    '(cn=a\\2a\\28b\\29)',
    '(cn:caseExactMatch:=Alice)',
    '(cn:dn:2.5.13.5:=Alice)',
    '(:dn:2.5.13.5:=Alice)',
    '(cn:=Alice)',
    '(member-of=cn=admins,dc=team1)',
  ]
  const invalid = [
    '(uid=alice',
    'uid=alice)',
    '(uid=alice))',
    '(uid=alice)(cn=bob)',
    '()',
    '(&)',
    '(!)',
    '(=alice)',
    '(uid)',
    '(uid~alice)',
    '(cn=a(b)',
    '(cn=a\\zz)',
    '(cn=a\\2)',
    '(&(uid=alice)',
    '(c n=alice)',
  ]
  const parses = (filter: string): boolean => {
    try {
      FilterParser.parseString(filter)
      return true
    } catch {
      return false
    }
  }
  for (const filter of valid) {
    assert.equal(ldapFilterProblem(filter), undefined, filter)
    assert.ok(parses(filter), `ldapts reads ${filter}`)
  }
  for (const filter of invalid) {
    assert.notEqual(ldapFilterProblem(filter), undefined, filter)
    // ldapts lets an unclosed & or | through (it stops at the end of the string): refused here.
    if (filter !== '(&(uid=alice)') assert.ok(!parses(filter), `ldapts refuses ${filter}`)
  }
  assert.equal(ldapFilterProblem('(uid=alice'), 'a ")" is missing after (uid=alice')
})
