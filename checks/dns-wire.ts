/**
 * A small DNS message codec (RFC 1035), enough for the `dns` check over TCP and the demo DNS server:
 * queries, answers of the record types the check knows, name compression on decoding. Everything
 * it decodes came from a server or client that may be hostile: every read is bounds-checked,
 * compression pointers may only point backwards, and a bad message throws `DnsWireError`.
 *
 * Record data is written as text, one normalised form per type (see `checks/dns.ts`):
 * A `192.0.2.1`, AAAA `2001:db8::1` (RFC 5952), NS/CNAME/PTR `name.example` (lower case, no final
 * dot), MX `10 mail.example`, SRV `priority weight port target`, TXT the strings of the record
 * joined, SOA `mname rname serial refresh retry expire minimum`.
 */

export const QTYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33 } as const
export type QType = keyof typeof QTYPES

export const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'] as const
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const

const CLASS_IN = 1
const HEADER_BYTES = 12
const MAX_NAME_BYTES = 255

/** A message that does not follow the DNS wire format. */
export class DnsWireError extends Error {
  readonly code = 'ERR_DNS_WIRE'
}

export interface DnsQuestion {
  name: string
  type: number
  class: number
}

/** A resource record; `value` is the normalised text of its data, null for a type not known here. */
export interface DnsAnswer {
  name: string
  type: number
  ttl: number
  value: string | null
}

export interface DnsMessage {
  id: number
  /** The 16 flag bits of the header, rcode included. */
  flags: number
  isResponse: boolean
  opcode: number
  rcode: number
  truncated: boolean
  recursionDesired: boolean
  questions: DnsQuestion[]
  answers: DnsAnswer[]
}

/** The name of a type number (`1` -> `A`), or `TYPE<n>`. */
export function typeName(type: number): string {
  const entry = Object.entries(QTYPES).find(([, n]) => n === type)
  return entry ? entry[0] : `TYPE${type}`
}

/** Lower case, without the final dot: how names are compared. */
export function normaliseName(name: string): string {
  const lower = name.trim().toLowerCase()
  return lower.endsWith('.') && lower !== '.' ? lower.slice(0, -1) : lower
}

/** A query for `name` of `type`, class IN, recursion desired. */
export function encodeQuery(id: number, name: string, type: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES)
  header.writeUInt16BE(id, 0)
  header.writeUInt16BE(0x0100, 2)
  header.writeUInt16BE(1, 4)
  return Buffer.concat([header, encodeName(name), u16(type), u16(CLASS_IN)])
}

/**
 * A response to `query`, authoritative, with the question echoed and `answers` (uncompressed).
 * Over UDP, pass `maxBytes` (512): answers that do not fit are left out and the TC bit set.
 */
export function encodeResponse(
  query: Pick<DnsMessage, 'id' | 'recursionDesired' | 'opcode'> & { questions: DnsQuestion[] },
  rcode: number,
  answers: { name: string; type: QType; ttl: number; value: string }[],
  maxBytes = 65535,
): Buffer {
  const question = query.questions[0]
  const parts = question ? [encodeName(question.name), u16(question.type), u16(question.class)] : []
  let size = HEADER_BYTES + parts.reduce((n, p) => n + p.length, 0)
  let count = 0
  let truncated = false
  for (const a of answers) {
    const data = encodeRdata(a.type, a.value)
    const record = Buffer.concat([
      encodeName(a.name),
      u16(QTYPES[a.type]),
      u16(CLASS_IN),
      u32(a.ttl),
      u16(data.length),
      data,
    ])
    if (size + record.length > maxBytes) {
      truncated = true
      break
    }
    parts.push(record)
    size += record.length
    count++
  }
  const header = Buffer.alloc(HEADER_BYTES)
  header.writeUInt16BE(query.id, 0)
  const flags =
    0x8000 |
    ((query.opcode & 0xf) << 11) |
    0x0400 |
    (truncated ? 0x0200 : 0) |
    (query.recursionDesired ? 0x0100 : 0) |
    (rcode & 0xf)
  header.writeUInt16BE(flags, 2)
  header.writeUInt16BE(question ? 1 : 0, 4)
  header.writeUInt16BE(count, 6)
  return Buffer.concat([header, ...parts])
}

/** Decodes the header, the questions and the answer section of a message. */
export function decodeMessage(buf: Buffer): DnsMessage {
  if (buf.length < HEADER_BYTES)
    throw new DnsWireError(`message of ${buf.length} bytes is shorter than a DNS header`)
  const flags = buf.readUInt16BE(2)
  const qdcount = buf.readUInt16BE(4)
  const ancount = buf.readUInt16BE(6)
  const reader = new Reader(buf, HEADER_BYTES)
  const questions: DnsQuestion[] = []
  for (let i = 0; i < qdcount; i++)
    questions.push({ name: reader.name(), type: reader.u16(), class: reader.u16() })
  const answers: DnsAnswer[] = []
  for (let i = 0; i < ancount; i++) {
    const name = reader.name()
    const type = reader.u16()
    reader.u16()
    const ttl = reader.u32()
    const length = reader.u16()
    const end = reader.offset + length
    if (end > buf.length) throw new DnsWireError('record data runs past the end of the message')
    answers.push({ name, type, ttl, value: decodeRdata(buf, type, reader.offset, end) })
    reader.offset = end
  }
  return {
    id: buf.readUInt16BE(0),
    flags,
    isResponse: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    questions,
    answers,
  }
}

function decodeRdata(buf: Buffer, type: number, start: number, end: number): string | null {
  const r = new Reader(buf.subarray(0, end), start)
  const value = readRdata(r, type, end)
  if (value !== null && r.offset !== end)
    throw new DnsWireError(`${typeName(type)} record data has ${end - r.offset} extra bytes`)
  return value
}

function readRdata(r: Reader, type: number, end: number): string | null {
  switch (type) {
    case QTYPES.A:
      return [r.u8(), r.u8(), r.u8(), r.u8()].join('.')
    case QTYPES.AAAA:
      return formatIpv6(r.bytes(16))
    case QTYPES.NS:
    case QTYPES.CNAME:
    case QTYPES.PTR:
      return r.name()
    case QTYPES.MX:
      return `${r.u16()} ${r.name()}`
    case QTYPES.SRV:
      return `${r.u16()} ${r.u16()} ${r.u16()} ${r.name()}`
    case QTYPES.SOA:
      return [r.name(), r.name(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()].join(' ')
    case QTYPES.TXT: {
      const strings: Buffer[] = []
      while (r.offset < end) strings.push(r.bytes(r.u8()))
      return Buffer.concat(strings).toString('utf8')
    }
    default:
      r.offset = end
      return null
  }
}

/** Record data from its normalised text (the demo server's record table). */
export function encodeRdata(type: QType, value: string): Buffer {
  const fields = value.trim().split(/\s+/)
  const num = (i: number, bytes: 2 | 4): Buffer => {
    const n = Number(fields[i])
    if (!Number.isInteger(n) || n < 0 || n >= 2 ** (8 * bytes))
      throw new DnsWireError(`${type} value "${value}": bad number`)
    return bytes === 2 ? u16(n) : u32(n)
  }
  const name = (i: number): Buffer => encodeName(fields[i] ?? '')
  switch (type) {
    case 'A': {
      const octets = value.trim().split('.').map(Number)
      if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
        throw new DnsWireError(`A value "${value}" is not an IPv4 address`)
      }
      return Buffer.from(octets)
    }
    case 'AAAA':
      return parseIpv6(value.trim())
    case 'NS':
    case 'CNAME':
    case 'PTR':
      return name(0)
    case 'MX':
      return Buffer.concat([num(0, 2), name(1)])
    case 'SRV':
      return Buffer.concat([num(0, 2), num(1, 2), num(2, 2), name(3)])
    case 'SOA':
      return Buffer.concat([name(0), name(1), num(2, 4), num(3, 4), num(4, 4), num(5, 4), num(6, 4)])
    case 'TXT': {
      const bytes = Buffer.from(value, 'utf8')
      const chunks: Buffer[] = []
      for (let i = 0; i === 0 || i < bytes.length; i += 255) {
        const chunk = bytes.subarray(i, i + 255)
        chunks.push(Buffer.from([chunk.length]), chunk)
      }
      return Buffer.concat(chunks)
    }
  }
}

/** A name in wire format, uncompressed. */
export function encodeName(name: string): Buffer {
  const labels = normaliseName(name)
    .split('.')
    .filter((l) => l !== '')
  const parts: Buffer[] = []
  for (const label of labels) {
    const bytes = Buffer.from(label, 'utf8')
    if (bytes.length > 63) throw new DnsWireError(`label "${label}" is longer than 63 bytes`)
    parts.push(Buffer.from([bytes.length]), bytes)
  }
  parts.push(Buffer.from([0]))
  const wire = Buffer.concat(parts)
  if (wire.length > MAX_NAME_BYTES) throw new DnsWireError(`name "${name}" is longer than 255 bytes`)
  return wire
}

/** The 16 bytes of an IPv6 address in text form. */
export function parseIpv6(text: string): Buffer {
  const bad = () => new DnsWireError(`"${text}" is not an IPv6 address`)
  let hex = text.trim()
  const tail: number[] = []
  const lastColon = hex.lastIndexOf(':')
  const last = hex.slice(lastColon + 1)
  if (last.includes('.')) {
    const octets = last.split('.')
    if (octets.length !== 4 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255)) throw bad()
    const [a, b, c, d] = octets.map(Number) as [number, number, number, number]
    tail.push((a << 8) | b, (c << 8) | d)
    hex = hex.slice(0, lastColon + 1)
    if (!hex.endsWith('::')) hex = hex.slice(0, -1)
  }
  const halves = hex.split('::')
  if (halves.length > 2) throw bad()
  const groups = (s: string | undefined) => (s ? s.split(':') : [])
  const head = groups(halves[0])
  const rest = groups(halves[1])
  const given = head.length + rest.length + tail.length
  if (halves.length === 1 ? given !== 8 : given > 7) throw bad()
  const all = [...head, ...Array<string>(8 - given).fill('0'), ...rest]
  const out = Buffer.alloc(16)
  all.forEach((g, i) => {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) throw bad()
    out.writeUInt16BE(parseInt(g, 16), i * 2)
  })
  tail.forEach((g, i) => out.writeUInt16BE(g, 12 + i * 2))
  return out
}

/** RFC 5952 text of 16 address bytes: lower case, the longest run of zero groups as `::`. */
export function formatIpv6(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2))
  let best = { start: -1, length: 1 }
  for (let i = 0; i < 8;) {
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > best.length) best = { start: i, length: j - i }
    i = j === i ? i + 1 : j
  }
  const hex = groups.map((g) => g.toString(16))
  if (best.start < 0) return hex.join(':')
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n)
  return b
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

/** Bounds-checked reads from a message. */
class Reader {
  readonly buf: Buffer
  offset: number

  constructor(buf: Buffer, offset: number) {
    this.buf = buf
    this.offset = offset
  }

  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new DnsWireError('message ends in the middle of a field')
  }

  u8(): number {
    this.need(1)
    return this.buf.readUInt8(this.offset++)
  }

  u16(): number {
    this.need(2)
    const v = this.buf.readUInt16BE(this.offset)
    this.offset += 2
    return v
  }

  u32(): number {
    this.need(4)
    const v = this.buf.readUInt32BE(this.offset)
    this.offset += 4
    return v
  }

  bytes(n: number): Buffer {
    this.need(n)
    const v = this.buf.subarray(this.offset, this.offset + n)
    this.offset += n
    return v
  }

  /** A possibly compressed name; pointers must point before the label they are in. */
  name(): string {
    const labels: string[] = []
    let pos = this.offset
    let next: number | undefined
    let total = 1
    for (;;) {
      if (pos >= this.buf.length) throw new DnsWireError('name runs past the end of the message')
      const len = this.buf.readUInt8(pos)
      if (len === 0) {
        pos += 1
        break
      }
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= this.buf.length) throw new DnsWireError('name runs past the end of the message')
        const target = ((len & 0x3f) << 8) | this.buf.readUInt8(pos + 1)
        if (target >= pos) throw new DnsWireError('compression pointer does not point backwards')
        next ??= pos + 2
        pos = target
        continue
      }
      if ((len & 0xc0) !== 0) throw new DnsWireError(`unknown label type 0x${len.toString(16)}`)
      total += len + 1
      if (total > MAX_NAME_BYTES) throw new DnsWireError('name is longer than 255 bytes')
      if (pos + 1 + len > this.buf.length) throw new DnsWireError('name runs past the end of the message')
      labels.push(escapeLabel(this.buf.subarray(pos + 1, pos + 1 + len)))
      pos += 1 + len
    }
    this.offset = next ?? pos
    return labels.join('.').toLowerCase()
  }
}

/** A label as text: printable ASCII kept, `.` and `\` escaped, other bytes as `\DDD`. */
function escapeLabel(bytes: Buffer): string {
  let out = ''
  for (const b of bytes) {
    if (b === 0x2e || b === 0x5c) out += `\\${String.fromCharCode(b)}`
    else if (b > 0x20 && b < 0x7f) out += String.fromCharCode(b)
    else out += `\\${String(b).padStart(3, '0')}`
  }
  return out
}
