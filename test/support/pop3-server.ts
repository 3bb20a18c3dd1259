/**
 * A small POP3 server for the pop3 check's tests: USER, PASS, STAT, STLS (the demo certificate),
 * NOOP and QUIT over one mailbox, and a few ways to misbehave on purpose.
 */
import { createServer, type Socket } from 'node:net'
import { TLSSocket } from 'node:tls'
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from '../../src/demo/tls-cert.ts'
import { SocketSet, closeServer, listen, type RunningServer } from '../../src/demo/running-server.ts'

export interface Pop3ServerOptions {
  /** Users by name and password; `alice` / `Winter2026!` unless set. */
  users?: Record<string, string>
  /** Sizes of the messages in the mailbox; three unless set. */
  messages?: number[]
  /** TLS from the first byte (pop3s) instead of plain text. */
  implicitTls?: boolean
  /** Accept STLS (true). */
  stls?: boolean
  /** The greeting line (`+OK POP3 test server ready`). */
  greeting?: string
  /** A command (upper case) the server never answers. */
  hangOn?: string
  /** What STAT answers instead of the count. */
  statReply?: string
}

export interface Pop3Server extends RunningServer {
  /** Every command received (PASS's argument hidden), with `[tls]` once secured. */
  readonly commands: string[]
  readonly openConnections: number
}

function secure(socket: Socket): TLSSocket {
  const tls = new TLSSocket(socket, { isServer: true, key: DEMO_TLS_KEY, cert: DEMO_TLS_CERT })
  tls.on('error', () => socket.destroy())
  return tls
}

export async function startPop3Server(options: Pop3ServerOptions = {}): Promise<Pop3Server> {
  const users = options.users ?? { alice: 'Winter2026!' }
  const messages = options.messages ?? [1200, 800, 4000]
  const commands: string[] = []
  const sockets = new SocketSet()

  const serve = (raw: Socket) => {
    sockets.add(raw)
    raw.setNoDelay(true)
    raw.on('error', () => raw.destroy())
    let socket: Socket = options.implicitTls ? secure(raw) : raw
    let secured = !!options.implicitTls
    let buffer = ''
    let user: string | undefined
    let loggedIn = false
    const send = (line: string) => socket.destroyed || socket.write(`${line}\r\n`)

    const handle = (line: string): 'stop' | undefined => {
      const [name = '', ...args] = line.split(' ')
      const command = name.toUpperCase()
      commands.push(`${command === 'PASS' ? 'PASS ****' : line}${secured ? ' [tls]' : ''}`)
      if (command === options.hangOn) return
      switch (command) {
        case 'USER':
          user = args.join(' ')
          return void send('+OK')
        case 'PASS':
          if (user === undefined || users[user] !== args.join(' ')) {
            user = undefined
            return void send('-ERR [AUTH] Authentication failed.')
          }
          loggedIn = true
          return void send('+OK Logged in.')
        case 'STAT': {
          if (!loggedIn) return void send('-ERR Unknown command: STAT')
          if (options.statReply !== undefined) return void send(options.statReply)
          const size = messages.reduce((a, b) => a + b, 0)
          return void send(`+OK ${messages.length} ${size}`)
        }
        case 'NOOP':
          return void send('+OK')
        case 'STLS':
          if (secured || options.stls === false) return void send('-ERR TLS not available')
          send('+OK Begin TLS negotiation now.')
          socket.off('data', onData)
          buffer = ''
          socket = secure(socket)
          secured = true
          socket.on('data', onData)
          return 'stop'
        case 'QUIT':
          send('+OK Logging out.')
          socket.end()
          return 'stop'
        default:
          return void send(`-ERR Unknown command: ${command}`)
      }
    }
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      let end: number
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        if (handle(line) === 'stop') return
      }
    }
    socket.on('data', onData)
    send(options.greeting ?? '+OK POP3 test server ready.')
  }

  const server = createServer(serve)
  const port = await listen(server, '127.0.0.1', 0)
  return {
    host: '127.0.0.1',
    port,
    commands,
    get openConnections() {
      return sockets.size
    },
    close: () => closeServer(server, sockets),
  }
}
