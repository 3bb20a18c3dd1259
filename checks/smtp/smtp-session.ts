/** One SMTP session over a connected socket: the dialog of the smtp check, reply by reply. */
import { createHmac, randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import { excerpt } from '../../src/check-options.ts'
import { CheckFailure, type CheckContext, type Stage } from '../../src/sdk.ts'
import { LineError, LineReader } from '../line-reader.ts'
import { startTls, type TlsSettings } from '../socket.ts'

export const MAX_REPLY_LINE_BYTES = 2048
export const MAX_REPLY_LINES = 100

/** A reply of the server: its code and text lines (without the code). */
export interface Reply {
  code: number
  lines: string[]
}

/** A reply as shown to a team: `550 5.1.1 user unknown`, the lines of a long one joined. */
export function showReply(reply: Reply): string {
  const text = reply.lines.join(' ').replace(/\s+/g, ' ').trim()
  const cut = text.length > 200 ? `${text.slice(0, 200)}…` : text
  return cut === '' ? String(reply.code) : `${reply.code} ${cut}`
}

/** One SMTP session over a connected socket. */
export class SmtpSession {
  #socket: Socket
  #reader: LineReader
  #upgrading = false
  readonly #ctx: CheckContext

  constructor(socket: Socket, ctx: CheckContext) {
    this.#socket = socket
    this.#reader = new LineReader(socket, MAX_REPLY_LINE_BYTES)
    this.#ctx = ctx
  }

  /** Reads one reply, all its lines. */
  async reply(): Promise<Reply> {
    const lines: string[] = []
    for (;;) {
      const line = await this.#reader.readLine(this.#ctx.signal)
      const parts = /^([2-5]\d\d)(?:([ -])(.*))?$/.exec(line)
      if (!parts) throw new LineError(`the server's reply is not SMTP: ${excerpt(line, 80)}`)
      lines.push(parts[3] ?? '')
      if (parts[2] !== '-') {
        const reply = { code: Number(parts[1]), lines }
        this.#ctx.debug(`S: ${showReply(reply)}`)
        return reply
      }
      if (lines.length >= MAX_REPLY_LINES) {
        throw new LineError(`the server's reply is longer than ${MAX_REPLY_LINES} lines`)
      }
    }
  }

  /** Sends a command line and reads the reply; `shown` replaces it in the transcript. */
  async command(line: string, shown: string = line): Promise<Reply> {
    this.#ctx.debug(`C: ${shown}`)
    this.#socket.write(`${line}\r\n`)
    return this.reply()
  }

  /** EHLO (HELO when EHLO is refused and `heloAllowed`); the extensions the server announces. */
  async hello(stage: Stage, heloAllowed: boolean): Promise<Map<string, string>> {
    const name = this.#clientName()
    const reply = await this.command(`EHLO ${name}`)
    if (reply.code === 250) {
      return new Map(
        reply.lines.slice(1).map((l) => {
          const [keyword = '', ...rest] = l.trim().split(/[\s=]+/)
          return [keyword.toUpperCase(), rest.join(' ').toUpperCase()]
        }),
      )
    }
    if (heloAllowed && reply.code >= 500) {
      const helo = await this.command(`HELO ${name}`)
      if (helo.code === 250) return new Map()
      throw new CheckFailure(stage, `the server refused HELO: ${showReply(helo)}`)
    }
    throw new CheckFailure(stage, `the server refused EHLO: ${showReply(reply)}`)
  }

  /** Replaces the socket by a TLS session over it. */
  async upgrade(settings: TlsSettings): Promise<void> {
    this.#reader.detach()
    this.#upgrading = true
    this.#socket = await startTls(this.#socket, settings, this.#ctx.signal)
    this.#upgrading = false
    this.#reader = new LineReader(this.#socket, MAX_REPLY_LINE_BYTES)
  }

  /** AUTH with the first mechanism both sides know: PLAIN, LOGIN, then CRAM-MD5. */
  async login(username: string, password: string, extensions: Map<string, string>): Promise<void> {
    const offered = extensions.get('AUTH')?.split(' ') ?? []
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')
    const refused = (reply: Reply) =>
      new CheckFailure('auth', `login refused for user "${username}": ${showReply(reply)}`)
    let reply: Reply
    if (offered.includes('PLAIN')) {
      reply = await this.command(`AUTH PLAIN ${b64(`\0${username}\0${password}`)}`, 'AUTH PLAIN ****')
      // A server that does not take the initial response asks for it.
      if (reply.code === 334) reply = await this.command(b64(`\0${username}\0${password}`), '****')
    } else if (offered.includes('LOGIN')) {
      reply = await this.command('AUTH LOGIN')
      if (reply.code === 334) reply = await this.command(b64(username), b64(username))
      if (reply.code === 334) reply = await this.command(b64(password), '****')
    } else if (offered.includes('CRAM-MD5')) {
      reply = await this.command('AUTH CRAM-MD5')
      if (reply.code === 334) {
        const challenge = Buffer.from(reply.lines[0]?.trim() ?? '', 'base64')
        const digest = createHmac('md5', password).update(challenge).digest('hex')
        reply = await this.command(b64(`${username} ${digest}`), '****')
      }
    } else {
      throw new CheckFailure(
        'auth',
        offered.length === 0
          ? 'the server does not offer AUTH on this connection'
          : `the server offers no AUTH mechanism the scanner speaks (PLAIN, LOGIN, CRAM-MD5): ${offered.join(' ')}`,
      )
    }
    if (reply.code === 334) {
      this.#socket.write('*\r\n') // cancels the exchange
      throw new CheckFailure('auth', `login refused for user "${username}": the server asked for more`)
    }
    if (reply.code !== 235) throw refused(reply)
  }

  /** MAIL FROM, RCPT TO, DATA and the message; returns the message's unique id. */
  async send(from: string, to: string[]): Promise<string> {
    for (const a of [from, ...to]) {
      if (/[\s<>]/.test(a)) throw new CheckFailure('action', `${excerpt(a, 80)} is not a mail address`)
    }
    const mail = await this.command(`MAIL FROM:<${from}>`)
    if (mail.code !== 250) {
      throw new CheckFailure('action', `the server refused MAIL FROM <${from}>: ${showReply(mail)}`)
    }
    for (const rcpt of to) {
      const reply = await this.command(`RCPT TO:<${rcpt}>`)
      if (reply.code !== 250 && reply.code !== 251) {
        throw new CheckFailure('action', `the server refused RCPT TO <${rcpt}>: ${showReply(reply)}`)
      }
    }
    const data = await this.command('DATA')
    if (data.code !== 354) throw new CheckFailure('action', `the server refused DATA: ${showReply(data)}`)
    const id = randomUUID()
    this.#ctx.debug(`C: (message ${id})`)
    this.#socket.write(message(id, from, to))
    const accepted = await this.reply()
    if (accepted.code !== 250) {
      throw new CheckFailure('action', `the server refused the message: ${showReply(accepted)}`)
    }
    return id
  }

  /**
   * Ends the session: QUIT when the connection is still up (a failed check ends it as cleanly as a
   * passed one), without waiting for the answer or for the server to close its side (a hostile one
   * never does).
   */
  close(): void {
    this.#reader.detach()
    if (!this.#upgrading && this.#socket.writable) {
      this.#ctx.debug('C: QUIT')
      this.#socket.write('QUIT\r\n')
    }
    this.#socket.destroySoon()
  }

  /** The EHLO name: an address literal of our end of the connection, valid whatever our host name. */
  #clientName(): string {
    const local = this.#socket.localAddress ?? '127.0.0.1'
    return local.includes(':') ? `[IPv6:${local}]` : `[${local}]`
  }
}

/** The message sent: a few headers and one line of text, ended by the lone dot. */
function message(id: string, from: string, to: string[]): string {
  const date = new Date().toUTCString().replace(/GMT$/, '+0000')
  return [
    `From: ${from === '' ? 'MAILER-DAEMON' : `<${from}>`}`,
    `To: ${to.map((t) => `<${t}>`).join(', ')}`,
    `Subject: Service check ${id}`,
    `Date: ${date}`,
    `Message-ID: <${id}@scanner.invalid>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `This message was sent by the competition's service scanner to check that mail is accepted.`,
    `Check id: ${id}`,
    '.',
    '',
  ].join('\r\n')
}
