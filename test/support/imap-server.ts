/**
 * A small IMAP server for the imap check's tests: CAPABILITY, STARTTLS (the demo certificate),
 * LOGIN, LIST, SELECT, FETCH ENVELOPE, NOOP and LOGOUT over mailboxes given as lists of subjects.
 * Just enough of RFC 3501 for imapflow, and a few ways to misbehave on purpose.
 */
import { createServer, type Socket } from 'node:net'
import { TLSSocket } from 'node:tls'
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from '../../src/demo/tls-cert.ts'
import { SocketSet, closeServer, listen, type RunningServer } from '../../src/demo/running-server.ts'

export interface ImapServerOptions {
  /** Users by name and password; `alice` / `Winter2026!` unless set. */
  users?: Record<string, string>
  /** Mailboxes by name, each a list of message subjects (oldest first); `INBOX` with two unless set. */
  mailboxes?: Record<string, string[]>
  /** TLS from the first byte (imaps) instead of plain text. */
  implicitTls?: boolean
  /** Offer STARTTLS (true). */
  starttls?: boolean
  /** A command (upper case) the server never answers. */
  hangOn?: string
  /** Refuse logins before TLS (advertise LOGINDISABLED), as Dovecot does by default. */
  loginDisabled?: boolean
}

export interface ImapServer extends RunningServer {
  /** Every command received, as `COMMAND args` (LOGIN's password hidden), with `[tls]` once secured. */
  readonly commands: string[]
  readonly openConnections: number
}

export async function startImapServer(options: ImapServerOptions = {}): Promise<ImapServer> {
  const users = options.users ?? { alice: 'Winter2026!' }
  const mailboxes = options.mailboxes ?? { INBOX: ['Welcome to Team 1', 'Quarterly report'] }
  const commands: string[] = []
  const sockets = new SocketSet()
  const server = createServer((raw) => {
    sockets.add(raw)
    raw.on('error', () => raw.destroy())
    raw.setNoDelay(true)
    const socket = options.implicitTls ? secure(raw) : raw
    new ImapSession(socket, { options, users, mailboxes, commands }, !!options.implicitTls).start()
  })
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

function secure(socket: Socket): TLSSocket {
  const tls = new TLSSocket(socket, { isServer: true, key: DEMO_TLS_KEY, cert: DEMO_TLS_CERT })
  tls.on('error', () => socket.destroy())
  return tls
}

/** Splits `a "b c" (d e)` into atoms, quoted strings and raw parenthesized lists. */
function tokens(text: string): string[] {
  const out: string[] = []
  let i = 0
  while (i < text.length) {
    if (text[i] === ' ') {
      i++
    } else if (text[i] === '"') {
      let value = ''
      i++
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') i++
        value += text[i] ?? ''
        i++
      }
      out.push(value)
      i++
    } else if (text[i] === '(') {
      const end = text.indexOf(')', i)
      out.push(text.slice(i, end < 0 ? undefined : end + 1))
      i = end < 0 ? text.length : end + 1
    } else {
      const end = text.indexOf(' ', i)
      out.push(text.slice(i, end < 0 ? undefined : end))
      i = end < 0 ? text.length : end
    }
  }
  return out
}

const quote = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`

interface SessionContext {
  options: ImapServerOptions
  users: Record<string, string>
  mailboxes: Record<string, string[]>
  commands: string[]
}

class ImapSession {
  #socket: Socket
  #buffer = ''
  #secured: boolean
  #user: string | undefined
  #selected: string[] | undefined
  readonly options: ImapServerOptions
  readonly users: Record<string, string>
  readonly mailboxes: Record<string, string[]>
  readonly commands: string[]

  constructor(socket: Socket, context: SessionContext, secured: boolean) {
    this.#socket = socket
    this.#secured = secured
    this.options = context.options
    this.users = context.users
    this.mailboxes = context.mailboxes
    this.commands = context.commands
  }

  start(): void {
    this.#listen()
    this.#send('* OK IMAP test server ready')
  }

  #capabilities(): string {
    const starttls = this.options.starttls !== false && !this.#secured ? ' STARTTLS' : ''
    const disabled = this.options.loginDisabled && !this.#secured ? ' LOGINDISABLED' : ''
    return `IMAP4rev1${starttls}${disabled}`
  }

  #listen(): void {
    this.#socket.on('data', this.#onData)
  }

  readonly #onData = (chunk: Buffer) => {
    this.#buffer += chunk.toString('utf8')
    let end: number
    while ((end = this.#buffer.indexOf('\r\n')) >= 0) {
      const line = this.#buffer.slice(0, end)
      this.#buffer = this.#buffer.slice(end + 2)
      if (this.#handle(line) === 'stop') return
    }
  }

  #send(line: string): void {
    if (!this.#socket.destroyed) this.#socket.write(`${line}\r\n`)
  }

  #handle(line: string): 'stop' | void {
    const [tag = '*', name = '', ...args] = tokens(line)
    const command = name.toUpperCase()
    const shown = command === 'LOGIN' ? `LOGIN ${args[0] ?? ''} ****` : [command, ...args].join(' ')
    this.commands.push(`${shown}${this.#secured ? ' [tls]' : ''}`)
    if (command === this.options.hangOn) return
    switch (command) {
      case 'CAPABILITY':
        this.#send(`* CAPABILITY ${this.#capabilities()}`)
        return this.#send(`${tag} OK CAPABILITY completed`)
      case 'NOOP':
        return this.#send(`${tag} OK NOOP completed`)
      case 'STARTTLS': {
        if (this.#secured || this.options.starttls === false)
          return this.#send(`${tag} BAD STARTTLS not available`)
        this.#send(`${tag} OK Begin TLS negotiation now`)
        this.#socket.off('data', this.#onData)
        this.#buffer = ''
        this.#socket = secure(this.#socket)
        this.#secured = true
        this.#listen()
        return 'stop'
      }
      case 'LOGIN': {
        const [user = '', password = ''] = args
        if (this.options.loginDisabled && !this.#secured) return this.#send(`${tag} NO Login disabled`)
        if (this.users[user] === undefined || this.users[user] !== password) {
          return this.#send(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed.`)
        }
        this.#user = user
        return this.#send(`${tag} OK [CAPABILITY ${this.#capabilities()}] Logged in`)
      }
      case 'LIST':
        if (!this.#user) return this.#send(`${tag} BAD Not logged in`)
        if (args[1] === '') this.#send('* LIST (\\Noselect) "/" ""')
        else if (this.mailboxes[args[1] ?? ''] !== undefined) this.#send(`* LIST () "/" ${quote(args[1]!)}`)
        return this.#send(`${tag} OK LIST completed`)
      case 'SELECT': {
        const messages = this.mailboxes[args[0] ?? '']
        if (!this.#user) return this.#send(`${tag} BAD Not logged in`)
        if (!messages) return this.#send(`${tag} NO [NONEXISTENT] Mailbox doesn't exist: ${args[0] ?? ''}`)
        this.#selected = messages
        this.#send('* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)')
        this.#send(`* ${messages.length} EXISTS`)
        this.#send('* OK [UIDVALIDITY 1] UIDs valid')
        this.#send(`* OK [UIDNEXT ${messages.length + 1}] Predicted next UID`)
        return this.#send(`${tag} OK [READ-WRITE] Select completed`)
      }
      case 'FETCH': {
        const messages = this.#selected
        if (!messages) return this.#send(`${tag} BAD No mailbox selected`)
        const [from = '1', to = from] = (args[0] ?? '').split(':')
        const last = to === '*' ? messages.length : Number(to)
        for (let seq = Number(from); seq <= Math.min(last, messages.length); seq++) {
          const subject = quote(messages[seq - 1] ?? '')
          const envelope = `("Mon, 1 Jun 2026 10:00:00 +0000" ${subject} NIL NIL NIL NIL NIL NIL NIL "<${seq}@test>")`
          this.#send(`* ${seq} FETCH (UID ${seq} ENVELOPE ${envelope})`)
        }
        return this.#send(`${tag} OK FETCH completed`)
      }
      case 'LOGOUT':
        this.#send('* BYE Logging out')
        this.#send(`${tag} OK Logout completed`)
        this.#socket.end()
        return 'stop'
      default:
        return this.#send(`${tag} BAD Unknown command ${name}`)
    }
  }
}
