/**
 * A demo authoritative DNS server: answers from a fixed record table over UDP and TCP on the same
 * port. Queries are treated as hostile: a message that does not decode gets FORMERR (when it has a
 * header to answer) or nothing, and never stops the server.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createServer, type Socket } from 'node:net'
import {
  QTYPES,
  RCODE,
  decodeMessage,
  encodeResponse,
  normaliseName,
  type DnsMessage,
  type QType,
} from '../../checks/dns-wire.ts'
import {
  DEFAULT_HOST,
  SocketSet,
  closeServer,
  listen,
  type ListenOptions,
  type RunningServer,
} from './running-server.ts'

/** One record, its value in the normalised text form of `checks/dns-wire.ts` (`10 mail.example`). */
export interface DnsRecord {
  name: string
  type: QType
  value: string
  ttl?: number
}

export interface DnsServerOptions extends ListenOptions {
  /** The zone; a few records of `demo.scanner` unless set. */
  records?: DnsRecord[]
}

export const DEFAULT_RECORDS: DnsRecord[] = [
  {
    name: 'demo.scanner',
    type: 'SOA',
    value: 'ns1.demo.scanner hostmaster.demo.scanner 2026010101 3600 600 86400 60',
  },
  { name: 'demo.scanner', type: 'NS', value: 'ns1.demo.scanner' },
  { name: 'demo.scanner', type: 'MX', value: '10 mail.demo.scanner' },
  { name: 'demo.scanner', type: 'TXT', value: 'v=spf1 mx -all' },
  { name: 'ns1.demo.scanner', type: 'A', value: '127.0.0.1' },
  { name: 'www.demo.scanner', type: 'A', value: '127.0.0.1' },
  { name: 'www.demo.scanner', type: 'AAAA', value: '::1' },
  { name: 'mail.demo.scanner', type: 'A', value: '127.0.0.1' },
  { name: 'web.demo.scanner', type: 'CNAME', value: 'www.demo.scanner' },
  { name: '_ldap._tcp.demo.scanner', type: 'SRV', value: '0 100 389 dc.demo.scanner' },
  { name: '1.0.0.127.in-addr.arpa', type: 'PTR', value: 'www.demo.scanner' },
]

const UDP_MAX_BYTES = 512
const TCP_IDLE_MS = 10_000
const MAX_CNAME_HOPS = 8

export async function startDnsServer(options: DnsServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST
  const zone = new Zone(options.records ?? DEFAULT_RECORDS)
  const sockets = new SocketSet()
  const tcp = createServer((socket) => serveTcp(socket, zone, sockets))
  for (let attempt = 1; ; attempt++) {
    const udp = await bindUdp(host, options.port ?? 0)
    udp.on('message', (msg, peer) => {
      const reply = answer(msg, zone, UDP_MAX_BYTES)
      if (reply) udp.send(reply, peer.port, peer.address)
    })
    try {
      const port = await listen(tcp, host, udp.address().port)
      const close = async () => {
        await new Promise<void>((resolve) => udp.close(() => resolve()))
        await closeServer(tcp, sockets)
      }
      return { host, port, close }
    } catch (err) {
      udp.close()
      // Port 0 gave UDP a port that TCP cannot have: try another one.
      if (options.port || attempt >= 5) throw err
    }
  }
}

function bindUdp(host: string, port: number): Promise<UdpSocket> {
  const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  return new Promise((resolve, reject) => {
    udp.once('error', reject)
    udp.bind(port, host, () => {
      udp.off('error', reject)
      udp.on('error', () => undefined)
      resolve(udp)
    })
  })
}

/** Reads length-prefixed queries from a TCP connection and answers each. */
function serveTcp(socket: Socket, zone: Zone, sockets: SocketSet): void {
  sockets.add(socket)
  socket.setTimeout(TCP_IDLE_MS, () => socket.destroy())
  socket.on('error', () => socket.destroy())
  let pending = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk])
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0)
      if (pending.length < 2 + length) break
      const reply = answer(pending.subarray(2, 2 + length), zone)
      pending = pending.subarray(2 + length)
      if (!reply) return socket.destroy()
      const prefix = Buffer.alloc(2)
      prefix.writeUInt16BE(reply.length)
      socket.write(Buffer.concat([prefix, reply]))
    }
  })
}

/** The reply to one query, or null when it does not deserve one. */
function answer(msg: Buffer, zone: Zone, maxBytes?: number): Buffer | null {
  let query: DnsMessage
  try {
    query = decodeMessage(msg)
  } catch {
    if (msg.length < 12 || (msg.readUInt16BE(2) & 0x8000) !== 0) return null
    const header = { id: msg.readUInt16BE(0), opcode: 0, recursionDesired: false, questions: [] }
    return encodeResponse(header, RCODE.FORMERR, [])
  }
  if (query.isResponse) return null
  const question = query.questions[0]
  if (query.opcode !== 0) return encodeResponse(query, RCODE.NOTIMP, [], maxBytes)
  if (!question || query.questions.length !== 1) return encodeResponse(query, RCODE.FORMERR, [], maxBytes)
  const found = zone.lookup(question.name, question.type)
  return encodeResponse(query, found ? RCODE.NOERROR : RCODE.NXDOMAIN, found ?? [], maxBytes)
}

type Answer = { name: string; type: QType; ttl: number; value: string }

/** The record table, by name. */
class Zone {
  readonly #byName = new Map<string, Answer[]>()

  constructor(records: DnsRecord[]) {
    for (const r of records) {
      const name = normaliseName(r.name)
      const list = this.#byName.get(name) ?? []
      list.push({ name, type: r.type, ttl: r.ttl ?? 60, value: r.value })
      this.#byName.set(name, list)
    }
  }

  /** The answers to a question, following CNAMEs; null when the name does not exist. */
  lookup(name: string, type: number): Answer[] | null {
    let records = this.#byName.get(normaliseName(name))
    if (!records) return null
    const out: Answer[] = []
    for (let hop = 0; records && hop < MAX_CNAME_HOPS; hop++) {
      const exact = records.filter((r) => QTYPES[r.type] === type)
      if (exact.length > 0) return [...out, ...exact]
      const alias = records.find((r) => r.type === 'CNAME')
      if (!alias) break
      out.push(alias)
      records = this.#byName.get(normaliseName(alias.value))
    }
    return out
  }
}
