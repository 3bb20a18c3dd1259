/**
 * `dns`: asks the team's server for `record` of type `qtype`, over UDP (node:dns) or, with
 * `tcp: true`, over TCP (a hand-written query: node:dns cannot be told to use TCP). The check is up
 * when the server answers and, if `expect` is set, one of the answers is in it.
 *
 * Options:
 * - `record`: the name to query; for PTR an IP address may be given (it becomes its
 *   `in-addr.arpa` / `ip6.arpa` name).
 * - `qtype`: A (default), AAAA, MX, CNAME, TXT, SRV, PTR, NS or SOA (any case).
 * - `expect`: the answer, or a list of answers of which one must be among the server's.
 * - `expect_regex`: a regular expression one answer must match.
 * - `tcp`: query over TCP (false).
 *
 * Answers are compared in a normalised text form (`expect` is normalised the same way):
 * - A: `192.0.2.1`; AAAA: RFC 5952 (`2001:db8::1`, however it was written);
 * - CNAME, NS, PTR: the name, lower case, without the final dot;
 * - MX: `10 mail.example.com`; an `expect` without a preference (`mail.example.com`) matches the
 *   exchange alone;
 * - SRV: `priority weight port target` (`0 5 5060 sip.example.com`), or the target alone;
 * - TXT: the strings of one record joined without separator (long SPF/DKIM records are split in
 *   255-byte strings), compared exactly (case matters);
 * - SOA: `mname rname serial refresh retry expire minimum`, or the mname alone.
 *
 * Stages: `connect` (no answer, refused), `action` (the server failed the query: SERVFAIL,
 * REFUSED, a malformed answer), `match` (NXDOMAIN, no record of that type, no expected answer).
 *
 * @example
 * # competition.yaml
 * - { name: dns, type: dns, options: { record: "www.team{num}.local", qtype: A, expect: "10.0.{num}.10" } }
 */
import { Resolver } from 'node:dns/promises'
import { isIP } from 'node:net'
import { randomInt } from 'node:crypto'
import {
  compileRegex,
  excerpt,
  failureOf,
  flag,
  regexString,
  stringList,
  lazily,
} from '../src/check-options.ts'
import { CheckFailure, ServiceType, z, type CheckContext, type Service, type Stage } from '../src/sdk.ts'
import {
  QTYPES,
  RCODES,
  decodeMessage,
  encodeQuery,
  formatIpv6,
  normaliseName,
  parseIpv6,
  typeName,
} from './dns-wire.ts'
import { connectTcp, readUpTo } from './socket.ts'

export const DNS_QTYPES = ['A', 'AAAA', 'MX', 'CNAME', 'TXT', 'SRV', 'PTR', 'NS', 'SOA'] as const
export type DnsQtype = (typeof DNS_QTYPES)[number]

export const dnsOptions = lazily(() =>
  z
    .object({
      record: z.string().trim().min(1),
      qtype: z
        .preprocess(
          (v) => (typeof v === 'string' ? v.trim().toUpperCase() : v),
          z.enum(DNS_QTYPES, { error: `must be one of ${DNS_QTYPES.join(', ')}` }),
        )
        .default('A'),
      expect: stringList().optional(),
      expect_regex: regexString().optional(),
      tcp: flag().default(false),
    })
    .strict(),
)

export type DnsOptions = z.output<ReturnType<typeof dnsOptions>>

export class DnsCheck extends ServiceType<DnsOptions> {
  static override shortName = 'dns'
  static override description = 'query a record at the team server (UDP or TCP); an answer must be expected'
  static override defaultPort = 53
  static override options = dnsOptions

  override async doCheck(service: Service<DnsOptions>, ctx: CheckContext): Promise<void> {
    const { qtype, tcp } = service.options
    const name = queryName(service.options.record, qtype)
    const action = `${qtype} query for ${name}${tcp ? ' over TCP' : ''}`
    try {
      ctx.stage('connect')
      const answers = tcp
        ? await queryTcp(service.host, service.port, name, qtype, ctx)
        : await queryUdp(service.host, service.port, name, qtype, ctx)
      ctx.debug(`${action}: ${answers.join(' | ')}`)
      ctx.stage('match')
      matchAnswers(answers, service.options, name)
    } catch (err) {
      this.log(service, action, false)
      throw failureOf(err, 'action')
    }
    this.reportScore(service, service.points, null)
    this.log(service, action, true)
  }
}

/** The name to ask for: a PTR query for an address asks for its reverse name. */
export function queryName(record: string, qtype: DnsQtype): string {
  const name = record.trim()
  if (qtype !== 'PTR') return normaliseName(name)
  if (isIP(name) === 4) return `${name.split('.').reverse().join('.')}.in-addr.arpa`
  if (isIP(name) === 6) return `${[...parseIpv6(name).toString('hex')].reverse().join('.')}.ip6.arpa`
  return normaliseName(name)
}

/** UDP through node:dns (c-ares); its error codes become stages. */
async function queryUdp(
  host: string,
  port: number,
  name: string,
  qtype: DnsQtype,
  ctx: CheckContext,
): Promise<string[]> {
  // c-ares keeps its own clock: give it more than the check's, so the check's timeout is the one reported.
  const resolver = new Resolver({ timeout: ctx.timeoutMs + 1000, tries: 1 })
  resolver.setServers([isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`])
  const cancel = () => resolver.cancel()
  ctx.signal.addEventListener('abort', cancel, { once: true })
  try {
    return await resolveNormalised(resolver, name, qtype)
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason as Error
    throw dnsFailure(err, name, qtype)
  } finally {
    ctx.signal.removeEventListener('abort', cancel)
  }
}

async function resolveNormalised(resolver: Resolver, name: string, qtype: DnsQtype): Promise<string[]> {
  switch (qtype) {
    case 'A':
      return resolver.resolve4(name)
    case 'AAAA':
      return (await resolver.resolve6(name)).map((a) => formatIpv6(parseIpv6(a)))
    case 'CNAME':
      return (await resolver.resolveCname(name)).map(normaliseName)
    case 'NS':
      return (await resolver.resolveNs(name)).map(normaliseName)
    case 'PTR':
      return (await resolver.resolvePtr(name)).map(normaliseName)
    case 'MX':
      return (await resolver.resolveMx(name)).map((r) => `${r.priority} ${normaliseName(r.exchange)}`)
    case 'SRV':
      return (await resolver.resolveSrv(name)).map(
        (r) => `${r.priority} ${r.weight} ${r.port} ${normaliseName(r.name)}`,
      )
    case 'TXT':
      // node:dns gives each byte as a character: decode the bytes as UTF-8, as over TCP.
      return (await resolver.resolveTxt(name)).map((r) => Buffer.from(r.join(''), 'latin1').toString('utf8'))
    case 'SOA': {
      const s = await resolver.resolveSoa(name)
      const names = `${normaliseName(s.nsname)} ${normaliseName(s.hostmaster)}`
      return [`${names} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minttl}`]
    }
  }
}

const DNS_ERRORS: Record<string, { stage: Stage; message: (name: string, qtype: string) => string }> = {
  ENOTFOUND: { stage: 'match', message: (n) => `${n} does not exist (NXDOMAIN)` },
  ENODATA: { stage: 'match', message: (n, t) => `no ${t} record for ${n}` },
  ESERVFAIL: { stage: 'action', message: (n) => `the server failed to answer for ${n} (SERVFAIL)` },
  EREFUSED: { stage: 'action', message: (n) => `the server refused the query for ${n} (REFUSED)` },
  ENOTIMP: { stage: 'action', message: () => 'the server does not implement the query (NOTIMP)' },
  EFORMERR: { stage: 'action', message: () => 'the server found the query malformed (FORMERR)' },
  EBADRESP: { stage: 'action', message: () => 'malformed answer from the server' },
  ETIMEOUT: { stage: 'connect', message: () => 'no answer from the server' },
  ECONNREFUSED: { stage: 'connect', message: () => 'connection refused' },
}

function dnsFailure(err: unknown, name: string, qtype: string): CheckFailure {
  const code = (err as { code?: unknown } | null)?.code
  const known = typeof code === 'string' ? DNS_ERRORS[code] : undefined
  if (!known) return failureOf(err, 'action')
  return new CheckFailure(known.stage, known.message(name, qtype), { cause: err })
}

/** Over TCP: a query with a 2-byte length prefix, the answer read whole (at most 64 KiB). */
async function queryTcp(
  host: string,
  port: number,
  name: string,
  qtype: DnsQtype,
  ctx: CheckContext,
): Promise<string[]> {
  const socket = await connectTcp(host, port, ctx.signal).catch((err: unknown) => {
    throw failureOf(err, 'connect')
  })
  try {
    ctx.stage('action')
    const id = randomInt(0, 0x10000)
    const query = encodeQuery(id, name, QTYPES[qtype])
    const prefix = Buffer.alloc(2)
    prefix.writeUInt16BE(query.length)
    socket.write(Buffer.concat([prefix, query]))
    const complete = (d: Buffer) => d.length >= 2 && d.length >= 2 + d.readUInt16BE(0)
    const { data } = await readUpTo(socket, 2 + 0xffff, ctx.signal, complete)
    if (!complete(data)) {
      throw new CheckFailure(
        'action',
        `the server closed the connection before answering (${data.length} bytes received)`,
      )
    }
    let answer
    try {
      answer = decodeMessage(data.subarray(2, 2 + data.readUInt16BE(0)))
    } catch (err) {
      throw new CheckFailure('action', `malformed answer from the server: ${(err as Error).message}`, {
        cause: err,
      })
    }
    if (!answer.isResponse || answer.id !== id)
      throw new CheckFailure('action', 'the server answered another query')
    if (answer.rcode !== 0) {
      const rcode = RCODES[answer.rcode]
      if (rcode === undefined)
        throw new CheckFailure('action', `the server answered with error code ${answer.rcode}`)
      throw dnsFailure({ code: rcode === 'NXDOMAIN' ? 'ENOTFOUND' : `E${rcode}` }, name, qtype)
    }
    const values = answer.answers.filter((a) => a.type === QTYPES[qtype]).map((a) => a.value)
    const found = values.filter((v): v is string => v !== null)
    if (found.length === 0) throw dnsFailure({ code: 'ENODATA' }, name, typeName(QTYPES[qtype]))
    return found
  } finally {
    socket.destroy()
  }
}

/** Forms of an answer an `expect` entry may take: the whole answer, or its name alone. */
function formsOf(answer: string, qtype: DnsQtype): string[] {
  const fields = answer.split(' ')
  if (qtype === 'MX') return [answer, fields[1] ?? '']
  if (qtype === 'SRV') return [answer, fields[3] ?? '']
  if (qtype === 'SOA') return [answer, fields[0] ?? '']
  return [answer]
}

/** An `expect` entry in the form answers are in. */
export function normaliseExpected(value: string, qtype: DnsQtype): string {
  const v = value.trim()
  switch (qtype) {
    case 'A':
      return v
    case 'TXT':
      return value
    case 'AAAA':
      try {
        return formatIpv6(parseIpv6(v))
      } catch {
        return v.toLowerCase()
      }
    case 'MX':
    case 'SRV':
    case 'SOA':
    case 'CNAME':
    case 'NS':
    case 'PTR': {
      const fields = v.split(/\s+/)
      const nameFields = qtype === 'SOA' ? [0, 1] : [fields.length - 1]
      return fields.map((f, i) => (nameFields.includes(i) ? normaliseName(f) : f)).join(' ')
    }
  }
}

function matchAnswers(answers: string[], options: DnsOptions, name: string): void {
  const { qtype, expect, expect_regex: regex } = options
  const shown =
    answers.length === 1 ? excerpt(answers[0] ?? '') : answers.map((a) => excerpt(a, 60)).join(', ')
  const debug = `answers for ${qtype} ${name}:\n${answers.join('\n')}`
  if (expect) {
    const wanted = new Set(expect.map((e) => normaliseExpected(e, qtype)))
    if (!answers.some((a) => formsOf(a, qtype).some((f) => wanted.has(f)))) {
      const list = [...wanted].map((w) => excerpt(w, 60)).join(' or ')
      throw new CheckFailure('match', `${qtype} ${name} answered ${shown}, expected ${list}`, { debug })
    }
  }
  if (regex !== undefined) {
    const re = compileRegex(regex)
    if (!answers.some((a) => re.test(a))) {
      throw new CheckFailure('match', `${qtype} ${name} answered ${shown}, which does not match /${regex}/`, {
        debug,
      })
    }
  }
}
