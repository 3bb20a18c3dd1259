/**
 * `pop3` and `pop3s`: what a mail client does to see its mailbox. Reads the greeting, upgrades with
 * STLS (when `tls: starttls`) or speaks TLS from the first byte (`pop3s`), logs in with USER and
 * PASS, asks STAT (the message count and size go to the transcript) and says QUIT.
 *
 * Options:
 * - `tls`: `none` (pop3's default), `starttls` (STLS) or `implicit` (pop3s's default, port 995).
 * - `tls_verify`, `tls_fingerprint`: see the `tls` option of every TLS type.
 *
 * Stages: `connect` (TCP and the greeting), `tls` (STLS and the handshake; with implicit TLS the
 * greeting too, as it comes over TLS), `auth` (USER or PASS refused), `action` (STAT refused or
 * not understood). A reply line is read up to 2 KiB: a server that sends more fails at once.
 *
 * @example
 * # competition.yaml
 * - { name: pop3, type: pop3s, host: 10.0.{num}.25, credential_pool: mail_users }
 */
import type { Socket } from 'node:net'
import { excerpt, tlsCertificateOptions, tlsMode, type TlsMode, lazily } from '../src/check-options.ts'
import {
  CheckFailure,
  ServiceType,
  z,
  type CheckContext,
  type Service,
  type Stage,
  type OptionsSchema,
} from '../src/sdk.ts'
import { LineReader, dialogFailure } from './line-reader.ts'
import { connectTcp, startTls, type TlsSettings } from './socket.ts'

export const MAX_POP3_LINE_BYTES = 2048

function pop3Options(defaultTls: TlsMode) {
  return z.object({ tls: tlsMode(defaultTls), ...tlsCertificateOptions() }).strict()
}

export const pop3OptionsSchema = lazily(() => pop3Options('none'))
export const pop3sOptionsSchema = lazily(() => pop3Options('implicit'))

export type Pop3Options = z.output<ReturnType<typeof pop3OptionsSchema>>

export class Pop3Check extends ServiceType<Pop3Options> {
  static override shortName = 'pop3'
  static override description = 'greeting, optional STLS, USER/PASS login, STAT'
  static override defaultPort = 110
  static override options: OptionsSchema = pop3OptionsSchema

  override async doCheck(service: Service<Pop3Options>, ctx: CheckContext): Promise<void> {
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    let session: Pop3Session | undefined
    try {
      const { options } = service
      const { username, password } = this.getCredentials(service)
      const tls: TlsSettings = {
        name: service.host,
        verify: options.tls_verify,
        fingerprint: options.tls_fingerprint,
      }
      mark('connect')
      let socket = await connectTcp(service.host, service.port, ctx.signal)
      if (options.tls === 'implicit') {
        mark('tls')
        socket = await startTls(socket, tls, ctx.signal)
      }
      session = new Pop3Session(socket, ctx)
      const greeting = await session.reply(stage)
      if (!greeting.ok) throw new CheckFailure(stage, `the server refused the session: ${greeting.line}`)
      if (options.tls === 'starttls') {
        mark('tls')
        const ready = await session.command('STLS', stage)
        if (!ready.ok) throw new CheckFailure('tls', `the server refused STLS: ${ready.line}`)
        await session.upgrade(tls)
      }
      mark('auth')
      const user = await session.command(`USER ${username}`, stage)
      const pass = user.ok ? await session.command(`PASS ${password}`, stage, 'PASS ****') : user
      if (!pass.ok) throw new CheckFailure('auth', `login refused for user "${username}": ${pass.line}`)
      mark('action')
      const stat = await session.command('STAT', stage)
      const counts = /^\+OK\s+(\d+)\s+(\d+)/i.exec(stat.line)
      if (!stat.ok) throw new CheckFailure('action', `the server refused STAT: ${stat.line}`)
      if (!counts) throw new CheckFailure('action', `the server's STAT reply is not a count: ${stat.line}`)
      ctx.debug(`the mailbox holds ${counts[1]} messages, ${counts[2]} bytes`)
    } catch (err) {
      this.log(service, 'login', false)
      throw dialogFailure(err, stage)
    } finally {
      session?.close()
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'login', true)
  }

  /** Refuses credentials that would break the command line. */
  override getCredentials(service: Service<Pop3Options>) {
    const credentials = super.getCredentials(service)
    if (/[\r\n]/.test(credentials.username + credentials.password)) {
      throw new CheckFailure('auth', 'the credentials contain a line break, which POP3 cannot send')
    }
    return credentials
  }
}

/** The same with TLS from the first byte (port 995). */
export class Pop3sCheck extends Pop3Check {
  static override shortName = 'pop3s'
  static override description = 'TLS, greeting, USER/PASS login, STAT'
  static override defaultPort = 995
  static override options: OptionsSchema = pop3sOptionsSchema
}

interface Pop3Reply {
  ok: boolean
  /** The reply line as shown to a team: quoted, cut to 200 characters. */
  line: string
}

/** One POP3 session over a connected socket. */
class Pop3Session {
  #socket: Socket
  #reader: LineReader
  #upgrading = false
  readonly #ctx: CheckContext

  constructor(socket: Socket, ctx: CheckContext) {
    this.#socket = socket
    this.#reader = new LineReader(socket, MAX_POP3_LINE_BYTES)
    this.#ctx = ctx
  }

  /** Reads one status line: `+OK ...` or `-ERR ...`. */
  async reply(stage: Stage): Promise<Pop3Reply> {
    const line = await this.#reader.readLine(this.#ctx.signal)
    this.#ctx.debug(`S: ${line.slice(0, 200)}`)
    if (!/^(\+OK|-ERR)\b/i.test(line)) {
      throw new CheckFailure(stage, `the server's reply is not POP3: ${excerpt(line, 80)}`)
    }
    return { ok: /^\+OK/i.test(line), line: line.length > 200 ? `${line.slice(0, 200)}…` : line }
  }

  /** Sends a command and reads its status line; `shown` replaces it in the transcript. */
  async command(line: string, stage: Stage, shown: string = line): Promise<Pop3Reply> {
    this.#ctx.debug(`C: ${shown}`)
    this.#socket.write(`${line}\r\n`)
    return this.reply(stage)
  }

  /** Replaces the socket by a TLS session over it. */
  async upgrade(settings: TlsSettings): Promise<void> {
    this.#reader.detach()
    this.#upgrading = true
    this.#socket = await startTls(this.#socket, settings, this.#ctx.signal)
    this.#upgrading = false
    this.#reader = new LineReader(this.#socket, MAX_POP3_LINE_BYTES)
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
}
