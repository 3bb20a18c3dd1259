/**
 * An in-process SQL Server for the `mssql` check tests: a small double of TDS 7.4, good enough
 * for tedious. It answers PRELOGIN (encryption not supported, or on when `tls` is set: then the
 * TLS handshake travels inside PRELOGIN packets and everything after it is TLS, as SQL Server
 * does; or TDS 8 with `tls: 'implicit'`: TLS first, ALPN `tds/8.0`), checks the LOGIN7 user and password against `users` (error 18456 otherwise) and the
 * database against `databases` (error 4060 then 18456), and answers SQL batches from `answers`
 * with a one-column NVARCHAR(MAX) result set, or an error token (208) for any other query.
 * tedious's own `set ...` batch after the login is acknowledged. Hostile answers:
 * `rows: 'endless'`, `huge` (one value of that many characters), `hang`, `partial` (the start of
 * a reply, then nothing).
 */
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { Duplex } from 'node:stream'
import { createServer as createTlsServer, TLSSocket } from 'node:tls'
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from '../../src/demo/tls-cert.ts'

export type TdsAnswer =
  | { values: (string | null)[] }
  | { rows: 'endless' }
  | { huge: number }
  | { hang: true }
  | { partial: true }
  | { error: string; number?: number }

export interface TdsServerOptions {
  users: Record<string, string>
  databases?: string[]
  answers?: Record<string, TdsAnswer>
  /**
   * `starttls`: offer encryption in PRELOGIN and do TLS (the demo certificate) when the client
   * asks; `implicit`: TDS 8, TLS from the first byte, then TDS as usual.
   */
  tls?: 'starttls' | 'implicit'
}

export interface RunningTdsServer {
  port: number
  queries: string[]
  /** The LOGIN7 packets the server received (user names), and whether each came over TLS. */
  logins: { user: string; tls: boolean }[]
  readonly openConnections: number
  close(): Promise<void>
}

const TYPE = { SQL_BATCH: 0x01, REPLY: 0x04, ATTENTION: 0x06, LOGIN7: 0x10, PRELOGIN: 0x12 }
const TOKEN = { COLMETADATA: 0x81, ERROR: 0xaa, LOGINACK: 0xad, ROW: 0xd1, ENVCHANGE: 0xe3, DONE: 0xfd }
const DONE = { FINAL: 0x00, ERROR: 0x02, COUNT: 0x10, ATTN: 0x20, MORE: 0x01 }
const PACKET_SIZE = 4096
const COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34])

const u16 = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff])
const u32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n >>> 0)
  return b
}
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(n)
  return b
}
const ucs2 = (s: string) => Buffer.from(s, 'utf16le')
const bVarChar = (s: string) => Buffer.concat([Buffer.from([s.length]), ucs2(s)])
const usVarChar = (s: string) => Buffer.concat([u16(s.length), ucs2(s)])

/** Splits `payload` into packets of `type`; the last one carries end-of-message unless `more`. */
function packets(type: number, payload: Buffer, more = false): Buffer {
  const out: Buffer[] = []
  const room = PACKET_SIZE - 8
  for (let offset = 0, id = 1; offset < payload.length || out.length === 0; offset += room, id++) {
    const part = payload.subarray(offset, offset + room)
    const last = offset + room >= payload.length
    const head = Buffer.from([type, last && !more ? 0x01 : 0x00, 0, 0, 0, 0, id & 0xff, 0])
    head.writeUInt16BE(part.length + 8, 2)
    out.push(head, part)
  }
  return Buffer.concat(out)
}

function prelogin(encryption: number): Buffer {
  const options = [
    [0x00, Buffer.from([16, 0, 0x07, 0xd0, 0, 0])],
    [0x01, Buffer.from([encryption])],
    [0x02, Buffer.from([0])],
    [0x03, Buffer.alloc(0)],
    [0x04, Buffer.from([0])],
  ] as const
  const table: Buffer[] = []
  const data: Buffer[] = []
  let offset = options.length * 5 + 1
  for (const [token, value] of options) {
    const entry = Buffer.alloc(5)
    entry.writeUInt8(token, 0)
    entry.writeUInt16BE(offset, 1)
    entry.writeUInt16BE(value.length, 3)
    table.push(entry)
    data.push(value)
    offset += value.length
  }
  return Buffer.concat([...table, Buffer.from([0xff]), ...data])
}

const token = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type]), u16(body.length), body])
const done = (status: number, count = 0, command = 0) =>
  Buffer.concat([Buffer.from([TOKEN.DONE]), u16(status), u16(command), u64(BigInt(count))])
const errorToken = (number: number, severity: number, text: string) =>
  token(
    TOKEN.ERROR,
    Buffer.concat([
      u32(number),
      Buffer.from([1, severity]),
      usVarChar(text),
      bVarChar('DOUBLE'),
      bVarChar(''),
      u32(1),
    ]),
  )
const envChange = (type: number, next: string, previous: string) =>
  token(TOKEN.ENVCHANGE, Buffer.concat([Buffer.from([type]), bVarChar(next), bVarChar(previous)]))
const loginAck = () =>
  token(
    TOKEN.LOGINACK,
    Buffer.concat([
      Buffer.from([1, 0x74, 0, 0, 0x04]),
      bVarChar('Microsoft SQL Server'),
      Buffer.from([16, 0, 7, 0xd0]),
    ]),
  )

/** COLMETADATA for one NVARCHAR(MAX) column named `value`. */
const columns = () =>
  Buffer.concat([
    Buffer.from([TOKEN.COLMETADATA]),
    u16(1),
    u32(0),
    u16(0x0001),
    Buffer.from([0xe7]),
    u16(0xffff),
    COLLATION,
    bVarChar('value'),
  ])

/** A ROW with one NVARCHAR(MAX) value (PLP: total length, chunks, a zero terminator). */
function row(value: string | null): Buffer {
  if (value === null) return Buffer.concat([Buffer.from([TOKEN.ROW]), u64(0xffffffffffffffffn)])
  const bytes = ucs2(value)
  return Buffer.concat([
    Buffer.from([TOKEN.ROW]),
    u64(BigInt(bytes.length)),
    u32(bytes.length),
    bytes,
    u32(0),
  ])
}

/** LOGIN7 fields: user, password (decoded from TDS's nibble swap and XOR) and database. */
function readLogin(payload: Buffer): { user: string; password: string; database: string } {
  const field = (at: number) => {
    const offset = payload.readUInt16LE(at)
    const chars = payload.readUInt16LE(at + 2)
    return payload.subarray(offset, offset + chars * 2)
  }
  const password = Buffer.from(field(44).map((b) => ((b ^ 0xa5) >> 4) | (((b ^ 0xa5) & 0x0f) << 4)))
  return {
    user: field(40).toString('utf16le'),
    password: password.toString('utf16le'),
    database: field(68).toString('utf16le'),
  }
}

/** Reassembles TDS messages from packets. */
class MessageReader {
  private buffer = Buffer.alloc(0)
  private parts: Buffer[] = []
  private readonly onMessage: (type: number, payload: Buffer) => void
  constructor(onMessage: (type: number, payload: Buffer) => void) {
    this.onMessage = onMessage
  }
  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk])
    while (this.buffer.length >= 8) {
      const length = this.buffer.readUInt16BE(2)
      if (length < 8) throw new Error('bad packet length')
      if (this.buffer.length < length) return
      const [type = 0, status = 0] = this.buffer
      this.parts.push(this.buffer.subarray(8, length))
      this.buffer = this.buffer.subarray(length)
      if (status & 0x01) {
        const payload = Buffer.concat(this.parts)
        this.parts = []
        this.onMessage(type, payload)
      }
    }
  }
}

function serve(socket: Socket, options: TdsServerOptions, state: RunningTdsServer): void {
  /** Where replies go: the socket, or the TLS session once there is one. */
  let out: { write(data: Buffer): unknown; destroyed: boolean } = socket
  let secure = options.tls === 'implicit'
  let handshake: { feed(data: Buffer): void } | undefined
  const reply = (payload: Buffer, more = false) => out.write(packets(TYPE.REPLY, payload, more))

  const onMessage = (type: number, payload: Buffer) => {
    if (type === TYPE.PRELOGIN && handshake) return handshake.feed(payload)
    if (type === TYPE.PRELOGIN) {
      const offered = options.tls === 'starttls'
      const wantsTls = offered && payload.length > 0 && clientEncryption(payload) !== 0x02
      reply(prelogin(offered ? 0x01 : 0x02))
      if (wantsTls) handshake = startTls()
      return
    }
    if (type === TYPE.LOGIN7) return login(readLogin(payload))
    if (type === TYPE.ATTENTION) return reply(done(DONE.ATTN))
    if (type === TYPE.SQL_BATCH) return batch(payload.subarray(payload.readUInt32LE(0)).toString('utf16le'))
  }

  const login = ({ user, password, database }: { user: string; password: string; database: string }) => {
    state.logins.push({ user, tls: secure })
    const failed = errorToken(18456, 14, `Login failed for user '${user}'.`)
    if (options.users[user] === undefined || options.users[user] !== password) {
      return reply(Buffer.concat([failed, done(DONE.ERROR)]))
    }
    const db = database || 'master'
    if (!(options.databases ?? ['master']).includes(db)) {
      const cannot = errorToken(
        4060,
        11,
        `Cannot open database "${db}" requested by the login. The login failed.`,
      )
      return reply(Buffer.concat([cannot, failed, done(DONE.ERROR)]))
    }
    reply(
      Buffer.concat([
        envChange(1, db, 'master'),
        loginAck(),
        envChange(4, String(PACKET_SIZE), '4096'),
        done(0),
      ]),
    )
  }

  const batch = (sql: string) => {
    if (/^set /i.test(sql)) return reply(done(DONE.FINAL))
    state.queries.push(sql)
    const answer = options.answers?.[sql] ?? (sql === 'SELECT 1' ? { values: ['1'] } : undefined)
    if (answer === undefined || 'error' in answer) {
      const text = answer?.error ?? `Incorrect syntax near '${sql.split(' ')[0] ?? ''}'.`
      return reply(Buffer.concat([errorToken(answer?.number ?? 102, 16, text), done(DONE.ERROR)]))
    }
    if ('hang' in answer) return
    if ('partial' in answer) return reply(Buffer.concat([columns(), row('half a row').subarray(0, 12)]), true)
    if ('values' in answer) {
      const rows = answer.values.map(row)
      return reply(Buffer.concat([columns(), ...rows, done(DONE.COUNT, rows.length, 0xc1)]))
    }
    if ('huge' in answer)
      return reply(Buffer.concat([columns(), row('x'.repeat(answer.huge)), done(DONE.COUNT, 1, 0xc1)]))
    reply(columns(), true)
    let n = 0
    const more = () => {
      if (out.destroyed || socket.destroyed) return
      reply(Buffer.concat(Array.from({ length: 200 }, () => row(`row ${n++}`))), true)
      setImmediate(more)
    }
    more()
  }

  /**
   * TLS inside PRELOGIN packets: the client's handshake records come wrapped, ours go back wrapped
   * in one reply per client message; once the handshake is done, TLS records flow bare.
   */
  const startTls = () => {
    let pending: Buffer[] = []
    let flushing = false
    const flush = () => {
      flushing = false
      if (pending.length === 0) return
      socket.write(packets(TYPE.PRELOGIN, Buffer.concat(pending)))
      pending = []
    }
    const transport = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        if (secure) socket.write(chunk)
        else {
          pending.push(chunk)
          if (!flushing) {
            flushing = true
            setImmediate(flush)
          }
        }
        callback()
      },
    })
    const tls = new TLSSocket(transport, {
      isServer: true,
      key: DEMO_TLS_KEY,
      cert: DEMO_TLS_CERT,
    })
    tls.on('error', () => socket.destroy())
    tls.once('secure', () => {
      // Our last handshake records may still be on their way out, wrapped: bare TLS starts with
      // the client's first record after the handshake, which comes once it has them all.
      handshake = undefined
      socket.removeListener('data', onData)
      socket.on('data', (chunk: Buffer) => {
        if (!secure) {
          flush()
          secure = true
          out = tls
        }
        transport.push(chunk)
      })
      const reader = new MessageReader(onMessage)
      tls.on('data', (chunk: Buffer) => {
        try {
          reader.push(chunk)
        } catch {
          socket.destroy()
        }
      })
    })
    return { feed: (data: Buffer) => transport.push(data) }
  }

  const reader = new MessageReader(onMessage)
  const onData = (chunk: Buffer) => {
    try {
      reader.push(chunk)
    } catch {
      socket.destroy()
    }
  }
  socket.on('data', onData)
}

/** The ENCRYPTION option of a client's PRELOGIN. */
function clientEncryption(payload: Buffer): number | undefined {
  for (let i = 0; i + 5 <= payload.length && payload[i] !== 0xff; i += 5) {
    if (payload[i] === 0x01) return payload[payload.readUInt16BE(i + 1)]
  }
  return undefined
}

export async function startTdsServer(options: TdsServerOptions): Promise<RunningTdsServer> {
  const sockets = new Set<Socket>()
  const state: RunningTdsServer = {
    port: 0,
    queries: [],
    logins: [],
    get openConnections() {
      return sockets.size
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
  const onConnection = (socket: Socket) => {
    sockets.add(socket)
    socket.setNoDelay(true)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    serve(socket, options, state)
  }
  const server =
    options.tls === 'implicit'
      ? createTlsServer({ key: DEMO_TLS_KEY, cert: DEMO_TLS_CERT, ALPNProtocols: ['tds/8.0'] }, onConnection)
      : createServer(onConnection)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.port = (server.address() as AddressInfo).port
  return state
}
