/**
 * An in-process PostgreSQL server for the `postgres` check tests: a small double of the wire
 * protocol (version 3). It answers an SSLRequest (`S` and TLS when `tls` is `starttls`, else
 * `N`) or speaks TLS from the first byte (`implicit`, the demo certificate), reads the startup message, asks for the password in the `auth` way
 * (cleartext, MD5 or SCRAM-SHA-256, checked against `users`), refuses a database not in
 * `databases` after the login as PostgreSQL does, and answers simple queries from `answers` with
 * one text column. Any other query gets an ErrorResponse. Hostile answers: `rows: 'endless'`,
 * `huge` (one value of that many bytes) and `hang`.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { createServer as createTlsServer, TLSSocket } from 'node:tls'
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from '../../src/demo/tls-cert.ts'

export type PostgresAnswer =
  | { values: (string | null)[] }
  | { rows: 'endless' }
  | { huge: number }
  | { hang: true }
  | { error: string; code?: string }

export interface PostgresServerOptions {
  users: Record<string, string>
  auth?: 'cleartext' | 'md5' | 'scram'
  databases?: string[]
  answers?: Record<string, PostgresAnswer>
  /** `starttls`: answer an SSLRequest with `S` and TLS; `implicit`: TLS from the first byte (direct). */
  tls?: 'starttls' | 'implicit'
}

export interface RunningPostgresServer {
  port: number
  queries: string[]
  /** The type of every message the clients sent after their startup message (`p`: a password). */
  received: string[]
  /** The startup parameters of the last connection. */
  startup: Record<string, string>
  readonly openConnections: number
  close(): Promise<void>
}

const SSL_REQUEST = 80877103
const PROTOCOL_3 = 196608
const TEXT_OID = 25

/** One message: a type byte, an Int32 length counting itself, the body. */
function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
const int16 = (n: number) => {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
const cstring = (s: string) => Buffer.from(`${s}\0`, 'utf8')

const auth = (code: number, ...rest: Buffer[]) => message('R', int32(code), ...rest)
const ready = () => message('Z', Buffer.from('I'))
const error = (severity: string, code: string, text: string) =>
  message(
    'E',
    cstring(`S${severity}`),
    cstring(`V${severity}`),
    cstring(`C${code}`),
    cstring(`M${text}`),
    Buffer.from([0]),
  )
const rowDescription = () =>
  message(
    'T',
    int16(1),
    cstring('value'),
    int32(0),
    int16(0),
    int32(TEXT_OID),
    int16(-1),
    int32(-1),
    int16(0),
  )
const dataRow = (value: string | null) => {
  if (value === null) return message('D', int16(1), int32(-1))
  const bytes = Buffer.from(value, 'utf8')
  return message('D', int16(1), int32(bytes.length), bytes)
}

/** Reads messages from a stream: the startup ones have no type byte. */
class Reader {
  private buffer = Buffer.alloc(0)
  private waiting: (() => void) | undefined
  private ended = false
  private readonly types: string[]
  constructor(stream: Socket, types: string[]) {
    this.types = types
    this.attach(stream)
  }
  attach(stream: Socket): void {
    stream.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk])
      this.waiting?.()
    })
    stream.on('close', () => {
      this.ended = true
      this.waiting?.()
    })
  }
  private async need(n: number): Promise<boolean> {
    while (this.buffer.length < n) {
      if (this.ended) return false
      await new Promise<void>((resolve) => (this.waiting = resolve))
      this.waiting = undefined
    }
    return true
  }
  async startup(): Promise<{ code: number; body: Buffer } | undefined> {
    if (!(await this.need(8))) return undefined
    const length = this.buffer.readInt32BE(0)
    if (length < 8 || length > 10_000 || !(await this.need(length))) return undefined
    const result = { code: this.buffer.readInt32BE(4), body: this.buffer.subarray(8, length) }
    this.buffer = this.buffer.subarray(length)
    return result
  }
  async next(): Promise<{ type: string; body: Buffer } | undefined> {
    if (!(await this.need(5))) return undefined
    const length = this.buffer.readInt32BE(1)
    if (length < 4 || length > 1_000_000 || !(await this.need(length + 1))) return undefined
    const result = { type: String.fromCharCode(this.buffer[0]!), body: this.buffer.subarray(5, length + 1) }
    this.types.push(result.type)
    this.buffer = this.buffer.subarray(length + 1)
    return result
  }
}

function parameters(body: Buffer): Record<string, string> {
  const parts = body.toString('utf8').split('\0')
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i]) out[parts[i]!] = parts[i + 1]!
  return out
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest()
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest()

/** The SCRAM-SHA-256 exchange (RFC 5802/7677); true when the client proved the password. */
async function scram(reader: Reader, socket: Socket, password: string): Promise<boolean> {
  socket.write(auth(10, cstring('SCRAM-SHA-256'), Buffer.from([0])))
  const initial = await reader.next()
  if (initial?.type !== 'p') return false
  const mechanismEnd = initial.body.indexOf(0)
  const clientFirst = initial.body.subarray(mechanismEnd + 5).toString('utf8')
  const clientFirstBare = clientFirst.replace(/^[^,]*,[^,]*,/, '')
  const clientNonce = /r=([^,]+)/.exec(clientFirstBare)?.[1] ?? ''
  const salt = randomBytes(16)
  const nonce = clientNonce + randomBytes(18).toString('base64')
  const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=4096`
  socket.write(auth(11, Buffer.from(serverFirst)))
  const final = await reader.next()
  if (final?.type !== 'p') return false
  const clientFinal = final.body.toString('utf8')
  const withoutProof = clientFinal.replace(/,p=[^,]*$/, '')
  const proof = Buffer.from(/,p=([^,]*)$/.exec(clientFinal)?.[1] ?? '', 'base64')
  const salted = pbkdf2Sync(password, salt, 4096, 32, 'sha256')
  const clientKey = hmac(salted, 'Client Key')
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`
  const signature = hmac(sha256(clientKey), authMessage)
  const expected = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!))
  if (proof.length !== expected.length || !timingSafeEqual(proof, expected)) return false
  const serverSignature = hmac(hmac(salted, 'Server Key'), authMessage)
  socket.write(auth(12, Buffer.from(`v=${serverSignature.toString('base64')}`)))
  return true
}

async function login(reader: Reader, socket: Socket, options: PostgresServerOptions, user: string) {
  const password = options.users[user]
  const mode = options.auth ?? 'md5'
  if (mode === 'scram') return password !== undefined && scram(reader, socket, password)
  if (mode === 'cleartext') {
    socket.write(auth(3))
    const answer = await reader.next()
    return password !== undefined && answer?.body.toString('utf8') === `${password}\0`
  }
  const salt = randomBytes(4)
  socket.write(auth(5, salt))
  const answer = await reader.next()
  if (password === undefined) return false
  const inner = createHash('md5')
    .update(password + user)
    .digest('hex')
  const outer = createHash('md5').update(inner).update(salt).digest('hex')
  return answer?.body.toString('utf8') === `md5${outer}\0`
}

async function serve(raw: Socket, options: PostgresServerOptions, state: RunningPostgresServer) {
  let socket: Socket = raw
  let reader = new Reader(raw, state.received)
  const upgrade = () => {
    raw.removeAllListeners('data')
    const secure = new TLSSocket(raw, {
      isServer: true,
      key: DEMO_TLS_KEY,
      cert: DEMO_TLS_CERT,
      ALPNProtocols: ['postgresql'],
    })
    secure.on('error', () => raw.destroy())
    socket = secure
    reader = new Reader(secure, state.received)
  }
  let start = await reader.startup()
  if (start?.code === SSL_REQUEST) {
    const starttls = options.tls === 'starttls'
    socket.write(starttls ? 'S' : 'N')
    if (starttls) upgrade()
    start = await reader.startup()
  }
  if (start?.code !== PROTOCOL_3) return raw.destroy()
  const params = parameters(start.body)
  state.startup = params
  const user = params.user ?? ''
  if (!(await login(reader, socket, options, user))) {
    socket.end(error('FATAL', '28P01', `password authentication failed for user "${user}"`))
    return
  }
  socket.write(auth(0))
  const database = params.database ?? user
  if (!(options.databases ?? [user]).includes(database)) {
    socket.end(error('FATAL', '3D000', `database "${database}" does not exist`))
    return
  }
  socket.write(Buffer.concat([message('S', cstring('server_version'), cstring('16.4')), ready()]))
  for (;;) {
    const msg = await reader.next()
    if (msg === undefined || msg.type === 'X') return socket.destroy()
    if (msg.type !== 'Q') continue
    const sql = msg.body.toString('utf8').replace(/\0$/, '')
    state.queries.push(sql)
    const answer = options.answers?.[sql] ?? (sql === 'SELECT 1' ? { values: ['1'] } : undefined)
    if (answer === undefined || 'error' in answer) {
      const text = answer?.error ?? `syntax error at or near "${sql.split(' ')[0] ?? ''}"`
      socket.write(Buffer.concat([error('ERROR', answer?.code ?? '42601', text), ready()]))
      continue
    }
    if ('hang' in answer) continue
    socket.write(rowDescription())
    if ('values' in answer) {
      const rows = answer.values.map(dataRow)
      socket.write(Buffer.concat([...rows, message('C', cstring(`SELECT ${rows.length}`)), ready()]))
    } else if ('huge' in answer) {
      socket.write(
        Buffer.concat([dataRow('x'.repeat(answer.huge)), message('C', cstring('SELECT 1')), ready()]),
      )
    } else {
      let n = 0
      const more = () => {
        if (socket.destroyed) return
        socket.write(Buffer.concat(Array.from({ length: 500 }, () => dataRow(`row ${n++}`))))
        setImmediate(more)
      }
      more()
    }
  }
}

export async function startPostgresServer(options: PostgresServerOptions): Promise<RunningPostgresServer> {
  const sockets = new Set<Socket>()
  const state: RunningPostgresServer = {
    port: 0,
    queries: [],
    received: [],
    startup: {},
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
    serve(socket, options, state).catch(() => socket.destroy())
  }
  const server =
    options.tls === 'implicit'
      ? createTlsServer(
          { key: DEMO_TLS_KEY, cert: DEMO_TLS_CERT, ALPNProtocols: ['postgresql'] },
          onConnection,
        )
      : createServer(onConnection)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.port = (server.address() as AddressInfo).port
  return state
}
