/**
 * A demo FTP server: logins against a table of users (and `anonymous` with any password), passive
 * data connections (EPSV, PASV), RETR, STOR, DELE and SIZE on an in-memory table of files, and
 * FTPS with the demo certificate: implicit TLS, or AUTH TLS with PROT P data connections.
 *
 * Paths are absolute (a relative one is taken from `/`); there are no directories to change to.
 * Hostile files for the tests (see `demo-files.ts`): `endless` sends bytes forever, `stall` opens
 * the transfer and never sends.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { createSecureContext, createServer as createTlsServer, TLSSocket } from 'node:tls'
import { ENDLESS_CHUNK, contentOf, type DemoFile } from './demo-files.ts'
import {
  DEFAULT_HOST,
  SocketSet,
  closeServer,
  listen,
  type ListenOptions,
  type RunningServer,
} from './running-server.ts'
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from './tls-cert.ts'

export interface FtpServerOptions extends ListenOptions {
  /** Users by name, with their password. `demo` / `demo` unless set. */
  users?: Record<string, string>
  /** Whether `anonymous` (or `ftp`) may log in with any password (true). */
  anonymous?: boolean
  /** Files by absolute path. STOR adds to them. */
  files?: Record<string, DemoFile>
  /** `none` (plain FTP), `explicit` (AUTH TLS offered) or `implicit` (TLS from the first byte). */
  tls?: 'none' | 'explicit' | 'implicit'
  /** Whether STOR is allowed (true) and DELE (true). */
  upload?: boolean
  delete?: boolean
  /** Whether EPSV is understood (true); PASV always is. */
  epsv?: boolean
}

/** A data transfer the server made: the command, and whether its data connection was TLS. */
export interface FtpTransfer {
  command: string
  tls: boolean
}

export interface FtpServer extends RunningServer {
  readonly files: Map<string, DemoFile>
  /** Every command received, in order, passwords hidden. */
  readonly commands: string[]
  readonly transfers: FtpTransfer[]
  /** Open control and data connections. */
  readonly openConnections: number
}

const MAX_LINE = 4096
const MAX_UPLOAD = 1024 * 1024
const FEATURES = ['EPSV', 'PASV', 'SIZE', 'UTF8']
const TLS_FEATURES = ['AUTH TLS', 'PBSZ', 'PROT']
const BEFORE_LOGIN = ['USER', 'PASS', 'AUTH', 'PBSZ', 'PROT', 'FEAT', 'SYST', 'OPTS', 'NOOP', 'QUIT']

export async function startFtpServer(options: FtpServerOptions = {}): Promise<FtpServer> {
  const host = options.host ?? DEFAULT_HOST
  const settings = {
    users: new Map(Object.entries(options.users ?? { demo: 'demo' })),
    anonymous: options.anonymous ?? true,
    tls: options.tls ?? 'none',
    upload: options.upload ?? true,
    delete: options.delete ?? true,
    epsv: options.epsv ?? true,
  }
  const files = new Map(Object.entries(options.files ?? {}))
  const commands: string[] = []
  const transfers: FtpTransfer[] = []
  const sockets = new SocketSet()
  const secureContext = createSecureContext({ key: DEMO_TLS_KEY, cert: DEMO_TLS_CERT })
  const shared = { settings, files, commands, transfers, sockets, secureContext }

  const server: Server =
    settings.tls === 'implicit'
      ? createTlsServer({ key: DEMO_TLS_KEY, cert: DEMO_TLS_CERT }, (socket) => serve(socket, true, shared))
      : createServer((socket) => serve(socket, false, shared))
  server.on('tlsClientError', () => undefined)
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.setNoDelay(true)
  })
  const port = await listen(server, host, options.port ?? 0)
  return {
    host,
    port,
    files,
    commands,
    transfers,
    get openConnections() {
      return sockets.size
    },
    close: () => closeServer(server, sockets),
  }
}

interface Shared {
  settings: Required<Omit<FtpServerOptions, 'users' | 'files' | keyof ListenOptions>> & {
    users: Map<string, string>
  }
  files: Map<string, DemoFile>
  commands: string[]
  transfers: FtpTransfer[]
  sockets: SocketSet
  secureContext: ReturnType<typeof createSecureContext>
}

/** One control connection, from the greeting to QUIT. */
function serve(socket: Socket, implicitTls: boolean, shared: Shared): void {
  const { settings, files, commands, transfers, sockets, secureContext } = shared
  let control = socket
  let secure = implicitTls
  let pending = ''
  let queue = Promise.resolve()
  let user: string | null = null
  let loggedIn = false
  let protP = false
  let passive: { server: Server; accepted: Promise<Socket> } | undefined

  const reply = (text: string): void => {
    if (control.writable) control.write(`${text}\r\n`)
  }
  const serverTls = (raw: Socket): TLSSocket => {
    const tls = new TLSSocket(raw, { isServer: true, secureContext })
    tls.on('error', () => raw.destroy())
    return tls
  }
  const onData = (chunk: Buffer): void => {
    pending += chunk.toString('utf8')
    if (pending.length > MAX_LINE && !pending.includes('\n')) return void control.destroy()
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const line = pending.slice(0, end).replace(/\r$/, '')
      pending = pending.slice(end + 1)
      queue = queue.then(() => command(line)).catch(() => void control.destroy())
    }
  }
  const closePassive = (): void => {
    passive?.server.close()
    passive = undefined
  }
  const openPassive = async (): Promise<number> => {
    closePassive()
    const server = createServer()
    const accepted = new Promise<Socket>((resolve) => {
      server.once('connection', (data: Socket) => {
        sockets.add(data)
        data.on('error', () => data.destroy())
        server.close()
        resolve(protP ? serverTls(data) : data)
      })
    })
    const port = await listen(server, control.localAddress ?? DEFAULT_HOST, 0)
    passive = { server, accepted }
    return port
  }
  /** The data connection of the transfer `line` starts, once the client has made it. */
  const dataConnection = async (line: string): Promise<Socket | undefined> => {
    const open = passive
    passive = undefined
    if (!open) return void reply('425 Use PORT or PASV first.')
    transfers.push({ command: line, tls: protP })
    return open.accepted
  }

  const command = async (line: string): Promise<void> => {
    const [verb = '', ...rest] = line.split(' ')
    const name = verb.toUpperCase()
    const arg = rest.join(' ')
    commands.push(name === 'PASS' ? 'PASS ****' : line)
    const path = arg.startsWith('/') ? arg : `/${arg}`
    if (!loggedIn && !BEFORE_LOGIN.includes(name)) return reply('530 Please login with USER and PASS.')
    switch (name) {
      case 'USER':
        user = arg
        loggedIn = false
        return reply('331 Please specify the password.')
      case 'PASS': {
        if (user === null) return reply('503 Login with USER first.')
        const anonymous = settings.anonymous && (user === 'anonymous' || user === 'ftp')
        loggedIn = anonymous || settings.users.get(user) === arg
        return reply(loggedIn ? '230 Login successful.' : '530 Login incorrect.')
      }
      case 'AUTH':
        if (settings.tls !== 'explicit' || secure) return reply('502 AUTH not available.')
        reply('234 Proceed with negotiation.')
        control.off('data', onData)
        control = serverTls(control)
        control.on('data', onData)
        secure = true
        return
      case 'PBSZ':
        return reply(secure ? '200 PBSZ set to 0.' : '503 PBSZ needs a secure connection.')
      case 'PROT':
        if (!secure) return reply('503 PROT needs a secure connection.')
        protP = arg.toUpperCase() === 'P'
        return reply(`200 PROT now ${protP ? 'Private' : 'Clear'}.`)
      case 'FEAT': {
        const features = settings.tls === 'explicit' ? [...FEATURES, ...TLS_FEATURES] : FEATURES
        return reply(`211-Features:\r\n${features.map((f) => ` ${f}`).join('\r\n')}\r\n211 End`)
      }
      case 'SYST':
        return reply('215 UNIX Type: L8')
      case 'OPTS':
        return reply('200 Always in UTF8 mode.')
      case 'NOOP':
      case 'TYPE':
      case 'STRU':
      case 'MODE':
        return reply('200 OK.')
      case 'PWD':
        return reply('257 "/" is the current directory')
      case 'CWD':
        return reply('250 Directory successfully changed.')
      case 'QUIT':
        reply('221 Goodbye.')
        return void control.end()
      case 'EPSV':
        if (!settings.epsv) return reply('500 Unknown command.')
        return reply(`229 Entering Extended Passive Mode (|||${await openPassive()}|)`)
      case 'PASV': {
        const port = await openPassive()
        const address = (control.localAddress ?? DEFAULT_HOST)
          .replace(/^::ffff:/, '')
          .split('.')
          .join(',')
        return reply(`227 Entering Passive Mode (${address},${port >> 8},${port & 255}).`)
      }
      case 'SIZE': {
        const file = files.get(path)
        const content = file === undefined ? undefined : contentOf(file)
        return reply(Buffer.isBuffer(content) ? `213 ${content.length}` : '550 Could not get file size.')
      }
      case 'RETR': {
        const file = files.get(path)
        if (file === undefined) {
          closePassive()
          return reply('550 Failed to open file.')
        }
        const data = await dataConnection(line)
        if (!data) return
        reply(`150 Opening BINARY mode data connection for ${path}.`)
        return send(data, contentOf(file), reply)
      }
      case 'STOR': {
        if (!settings.upload) {
          closePassive()
          return reply('553 Could not create file.')
        }
        const data = await dataConnection(line)
        if (!data) return
        reply('150 Ok to send data.')
        const stored = await receive(data)
        if (stored === undefined) return reply('426 Failure reading network stream.')
        files.set(path, stored)
        return reply('226 Transfer complete.')
      }
      case 'DELE':
        if (!settings.delete) return reply('550 Permission denied.')
        return reply(files.delete(path) ? '250 Delete operation successful.' : '550 Delete operation failed.')
      default:
        return reply('500 Unknown command.')
    }
  }

  socket.on('error', () => socket.destroy())
  socket.on('close', closePassive)
  control.on('data', onData)
  reply('220 (scanner demo FTP)')
}

/** Sends a file on the data connection; 226 when it is all sent, 426 if the client went away. */
function send(data: Socket, content: Buffer | { hostile: string }, reply: (text: string) => void): void {
  if (Buffer.isBuffer(content)) {
    data.end(content, () => reply('226 Transfer complete.'))
    return
  }
  if (content.hostile === 'stall') return
  data.once('close', () => reply('426 Failure writing network stream.'))
  const pour = (): void => {
    while (!data.destroyed && data.writable) {
      if (!data.write(ENDLESS_CHUNK)) return void data.once('drain', pour)
    }
  }
  pour()
}

/** Reads an upload to its end; undefined when it breaks off or passes 1 MiB. */
function receive(data: Socket): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    data.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_UPLOAD) return void data.destroy()
      chunks.push(chunk)
    })
    data.once('end', () => resolve(Buffer.concat(chunks)))
    data.once('close', () => resolve(undefined))
  })
}
