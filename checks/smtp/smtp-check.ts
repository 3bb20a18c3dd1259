/**
 * `smtp` and `smtps`: sends a short message the way a mail client or relay does. EHLO, STARTTLS
 * (when `tls: starttls`) or TLS from the first byte (`smtps`), AUTH with the service's credentials
 * (when `auth` is set), MAIL FROM `from`, RCPT TO each `to`, DATA with a short message carrying a
 * unique id (in its subject and Message-ID), which the server must accept with 250. The id is in
 * the check's transcript, so the white team can find the message in the server's log or mailbox.
 *
 * The dialog is written by hand rather than with nodemailer's SMTP connection: it marks the stage
 * at STARTTLS and AUTH (nodemailer does EHLO, STARTTLS and the second EHLO in one call), uses the
 * scanner's own TLS settings (old protocol versions accepted, `tls_fingerprint` pinned), and says
 * which command the server refused with its reply.
 *
 * Options:
 * - `to`: the recipient address, or a list of them (all must be accepted). Required.
 * - `from`: the sender address (the first `to` when not set; `""` sends the null sender `<>`).
 * - `auth`: log in with the service's credentials (AUTH PLAIN, LOGIN or CRAM-MD5, the first the
 *   server offers) before sending (false).
 * - `tls`: `none` (smtp's default), `starttls` or `implicit` (smtps's default, port 465).
 * - `tls_verify`, `tls_fingerprint`: see the `tls` option of every TLS type.
 *
 * Stages: `connect` (TCP, the greeting, EHLO), `tls` (STARTTLS and the handshake; with implicit TLS
 * the greeting and EHLO too, as they come over TLS), `auth` (AUTH refused or not offered),
 * `action` (MAIL FROM, RCPT TO, DATA or the message refused). A reply line is read up to 2 KiB and
 * a reply up to 100 lines: a server that sends more fails at once.
 *
 * @example
 * # competition.yaml
 * - name: mail
 *   type: smtp
 *   host: 10.0.{num}.25
 *   credential_pool: mail_users
 *   options: { from: "scoring@cdc.local", to: "{username}@team{num}.local", tls: starttls, auth: true }
 */
import {
  flag,
  stringList,
  tlsCertificateOptions,
  tlsMode,
  type TlsMode,
  lazily,
} from '../../src/check-options.ts'
import {
  CheckFailure,
  ServiceType,
  z,
  type CheckContext,
  type Service,
  type Stage,
  type OptionsSchema,
} from '../../src/sdk.ts'
import { dialogFailure } from '../line-reader.ts'
import { connectTcp, startTls, type TlsSettings } from '../socket.ts'
import { SmtpSession, showReply } from './smtp-session.ts'

/** An address as written in MAIL FROM / RCPT TO, without its angle brackets. */
const address = z.string().regex(/^[^\s<>]*$/, 'must be a mail address without spaces or angle brackets')

function smtpOptions(defaultTls: TlsMode) {
  return z
    .object({
      to: stringList().pipe(z.array(address.refine((v) => v !== '', 'must not be empty'))),
      from: address.optional(),
      auth: flag().default(false),
      tls: tlsMode(defaultTls),
      ...tlsCertificateOptions(),
    })
    .strict()
}

export const smtpOptionsSchema = lazily(() => smtpOptions('none'))
export const smtpsOptionsSchema = lazily(() => smtpOptions('implicit'))

export type SmtpOptions = z.output<ReturnType<typeof smtpOptionsSchema>>

export class SmtpCheck extends ServiceType<SmtpOptions> {
  static override shortName = 'smtp'
  static override description = 'EHLO, optional STARTTLS and AUTH, send a message from `from` to `to`'
  static override defaultPort = 25
  static override options: OptionsSchema = smtpOptionsSchema

  override async doCheck(service: Service<SmtpOptions>, ctx: CheckContext): Promise<void> {
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    let session: SmtpSession | undefined
    try {
      const { options } = service
      const credentials = options.auth ? this.getCredentials(service) : undefined
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
      session = new SmtpSession(socket, ctx)
      const greeting = await session.reply()
      if (greeting.code !== 220) {
        throw new CheckFailure(stage, `the server refused the session: ${showReply(greeting)}`)
      }
      let extensions = await session.hello(stage, options.tls === 'none' && credentials === undefined)
      if (options.tls === 'starttls') {
        mark('tls')
        if (!extensions.has('STARTTLS')) throw new CheckFailure('tls', 'the server does not offer STARTTLS')
        const ready = await session.command('STARTTLS')
        if (ready.code !== 220) {
          throw new CheckFailure('tls', `the server refused STARTTLS: ${showReply(ready)}`)
        }
        await session.upgrade(tls)
        extensions = await session.hello(stage, false)
      }
      if (credentials) {
        mark('auth')
        await session.login(credentials.username, credentials.password, extensions)
      }
      mark('action')
      const id = await session.send(options.from ?? options.to[0] ?? '', options.to)
      ctx.debug(`message ${id} accepted`)
    } catch (err) {
      this.log(service, 'send mail', false)
      throw dialogFailure(err, stage)
    } finally {
      session?.close()
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'send mail', true)
  }
}

/** The same with TLS from the first byte (port 465). */
export class SmtpsCheck extends SmtpCheck {
  static override shortName = 'smtps'
  static override description = 'TLS, EHLO, optional AUTH, send a message from `from` to `to`'
  static override defaultPort = 465
  static override options: OptionsSchema = smtpsOptionsSchema
}
