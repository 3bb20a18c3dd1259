import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import { test, type TestContext } from 'node:test'
import { startBlackhole, startUdpBlackhole } from '../../src/demo/blackhole.ts'
import { startDnsServer, type DnsRecord } from '../../src/demo/dns-server.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { encodeQuery } from '../../checks/dns-wire.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'

const records: DnsRecord[] = [
  { name: 'team1.local', type: 'SOA', value: 'ns1.team1.local hostmaster.team1.local 7 3600 600 86400 60' },
  { name: 'team1.local', type: 'NS', value: 'ns1.team1.local' },
  { name: 'team1.local', type: 'MX', value: '10 Mail.Team1.Local.' },
  { name: 'team1.local', type: 'TXT', value: 'v=spf1 mx -all' },
  { name: 'www.team1.local', type: 'A', value: '10.0.1.10' },
  { name: 'www.team1.local', type: 'AAAA', value: '2001:db8:0:0::10' },
  { name: 'web.team1.local', type: 'CNAME', value: 'www.team1.local' },
  { name: '_ldap._tcp.team1.local', type: 'SRV', value: '0 100 389 dc.team1.local' },
  { name: '10.1.0.10.in-addr.arpa', type: 'PTR', value: 'www.team1.local' },
  { name: 'dkim.team1.local', type: 'TXT', value: `v=DKIM1; p=${'A'.repeat(400)}` },
]

async function server(t: TestContext) {
  const s = await startDnsServer({ records })
  t.after(() => s.close())
  return s
}

const dns = (port: number, options: Record<string, unknown>, timeoutMs = 2000) =>
  makeService({ subtype: 'dns', port, timeoutMs, options })

for (const tcp of [false, true]) {
  const over = tcp ? 'over TCP' : 'over UDP'

  test(`dns: up ${over} when an answer of each record type is expected, compared in normalised form`, async (t) => {
    const s = await server(t)
    const cases: [string, string, string | string[]][] = [
      ['A', 'www.team1.local', ['10.0.1.99', '10.0.1.10']],
      ['AAAA', 'WWW.team1.local.', '2001:DB8::0010'],
      ['MX', 'team1.local', '10 mail.team1.local'],
      ['MX', 'team1.local', 'mail.team1.local.'],
      ['CNAME', 'web.team1.local', 'www.team1.local'],
      ['A', 'web.team1.local', '10.0.1.10'],
      ['TXT', 'team1.local', 'v=spf1 mx -all'],
      ['SRV', '_ldap._tcp.team1.local', '0 100 389 dc.team1.local'],
      ['PTR', '10.0.1.10', 'www.team1.local'],
      ['NS', 'team1.local', 'ns1.team1.local'],
      ['SOA', 'team1.local', 'ns1.team1.local'],
    ]
    for (const [qtype, record, expect] of cases) {
      const { result, logs } = await runCheck(dns(s.port, { record, qtype, expect, tcp }))
      assert.equal(result.up, true, `${qtype} ${record}: ${result.error}`)
      assert.match(logs[0]!, new RegExp(`Success Team1 : DNS ${qtype} query for `))
    }
  })

  test(`dns: a TXT record longer than 255 bytes is joined ${over}`, async (t) => {
    const s = await server(t)
    const { result } = await runCheck(
      dns(s.port, { record: 'dkim.team1.local', qtype: 'TXT', expect_regex: '^v=DKIM1; p=A{400}$', tcp }),
    )
    assert.equal(result.up, true, result.error ?? '')
  })

  test(`dns: down with stage "match" ${over} when no answer is expected, quoting the answers`, async (t) => {
    const s = await server(t)
    const { result } = await runCheck(dns(s.port, { record: 'www.team1.local', expect: '10.0.1.66', tcp }))
    assert.equal(result.stage, 'match')
    assert.equal(result.error, 'A www.team1.local answered "10.0.1.10", expected "10.0.1.66"')
  })

  test(`dns: down with stage "match" ${over} when the name does not exist or has no such record`, async (t) => {
    const s = await server(t)
    const missing = await runCheck(dns(s.port, { record: 'ftp.team1.local', tcp }))
    assert.equal(missing.result.stage, 'match')
    assert.equal(missing.result.error, 'ftp.team1.local does not exist (NXDOMAIN)')
    const nodata = await runCheck(dns(s.port, { record: 'team1.local', qtype: 'aaaa', tcp }))
    assert.equal(nodata.result.stage, 'match')
    assert.equal(nodata.result.error, 'no AAAA record for team1.local')
  })

  test(`dns: down with stage "connect" ${over} when the port is closed`, async () => {
    const { result } = await runCheck(dns(await closedPort(), { record: 'www.team1.local', tcp }))
    assert.equal(result.stage, 'connect')
    assert.equal(result.error, 'connection refused')
  })
}

test('dns: times out on time over UDP in stage "connect" when the server never answers', async (t) => {
  const s = await startUdpBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(dns(s.port, { record: 'www.team1.local' }, 1000))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
})

test('dns: times out on time over TCP in stage "action" when the server accepts and never answers', async (t) => {
  const s = await startBlackhole()
  t.after(() => s.close())
  const { result } = await runCheck(dns(s.port, { record: 'www.team1.local', tcp: true }, 1000))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('dns: a server that floods bytes over TCP gets a malformed answer read no further than 64 KiB', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(dns(s.port, { record: 'www.team1.local', tcp: true }, 1000))
  assert.equal(result.stage, 'action')
  assert.match(result.error!, /^malformed answer from the server/)
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('dns: a UDP server answering garbage fails within the timeout', async (t) => {
  const udp = createSocket('udp4')
  udp.on('message', (_msg, peer) => {
    for (let i = 0; i < 20; i++) udp.send(Buffer.alloc(300 + i, 0xff), peer.port, peer.address)
  })
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve))
  t.after(() => udp.close())
  const { result } = await runCheck(dns(udp.address().port, { record: 'www.team1.local' }, 1000))
  assert.equal(result.up, false)
  assert.ok(result.durationMs < 1300, `took ${result.durationMs} ms`)
})

test('dns: the demo DNS server survives malformed queries over UDP and TCP', async (t) => {
  const s = await server(t)
  const udp = createSocket('udp4')
  t.after(() => udp.close())
  const junk = [Buffer.alloc(0), Buffer.from([1, 2, 3]), Buffer.alloc(12, 0xff), Buffer.alloc(600, 0xc0)]
  const pointerLoop = Buffer.concat([
    encodeQuery(7, 'a', 1).subarray(0, 12),
    Buffer.from([0xc0, 12, 0, 1, 0, 1]),
  ])
  for (const msg of [...junk, pointerLoop]) udp.send(msg, s.port, s.host)
  const tcp = connect(s.port, s.host)
  tcp.on('error', () => undefined)
  tcp.end(
    Buffer.concat([Buffer.from([0, 5, 1, 2, 3, 4, 5]), Buffer.from([0xff, 0xff]), Buffer.alloc(100, 0xee)]),
  )
  await new Promise((resolve) => setTimeout(resolve, 50))
  for (const tcpMode of [false, true]) {
    const { result } = await runCheck(
      dns(s.port, { record: 'www.team1.local', expect: '10.0.1.10', tcp: tcpMode }),
    )
    assert.equal(result.up, true, result.error ?? '')
  }
})

test('dns: an unknown qtype is refused by the options schema, and the qtype is normalised to upper case', () => {
  assert.throws(() => makeService({ subtype: 'dns', options: { record: 'x', qtype: 'AXFR' } }))
  assert.equal(makeService({ subtype: 'dns', options: { record: 'x', qtype: 'mx' } }).options.qtype, 'MX')
  assert.throws(() => makeService({ subtype: 'dns', options: {} }), /record/)
})
