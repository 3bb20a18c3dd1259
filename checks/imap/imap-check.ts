/**
 * `imap` and `imaps`: what a mail client does to open a mailbox. Logs in with the service's
 * credentials (LOGIN or AUTHENTICATE PLAIN/LOGIN, as the server offers), SELECTs `mailbox`, and,
 * when a match option is set, reads the subjects of the latest 50 messages of it: the check is up
 * when one of them satisfies every match option set (a planted message still being there).
 *
 * Options:
 * - `mailbox`: the mailbox to select (INBOX).
 * - `expect` / `expect_regex` / `expect_exact`: matched against the subject of each of the latest
 *   50 messages of the mailbox (one subject must satisfy all that are set).
 * - `tls`: `none` (imap's default), `starttls` or `implicit` (imaps's default, port 993).
 * - `tls_verify`, `tls_fingerprint`: see the `tls` option of every TLS type.
 *
 * Stages: `connect` (TCP and the greeting), `tls` (STARTTLS and the handshake; with implicit TLS the
 * greeting too), `auth` (login refused), `action` (SELECT refused: no such mailbox), `match`.
 *
 * imapflow speaks the protocol over a socket the check opens and upgrades itself (its `transport`
 * option, see `imap-client.ts`), so the check's timeout destroys the connection whatever imapflow
 * waits for, and the TLS settings and pinning are the scanner's. Its reply limits are set low (a
 * line 64 KiB, a reply 1 MiB), the whole session is capped at 4 MiB and handed to it in 4 KiB
 * slices (a flood of well-formed lines neither fills the memory nor holds up the worker's
 * timers), and compression is off. One of its timers cannot be set: a STARTTLS handshake that
 * takes longer than 10 s fails with its own message even when the check's timeout is longer.
 *
 * @example
 * # competition.yaml
 * - name: imap
 *   type: imaps
 *   host: 10.0.{num}.25
 *   credential_pool: mail_users
 *   options: { mailbox: INBOX, expect: "Welcome to Team {num}" }
 */
import type { Socket } from 'node:net'
import type { ImapFlow } from 'imapflow'
import {
  expectOptions,
  hasExpectations,
  tlsCertificateOptions,
  tlsMode,
  type TlsMode,
  lazily,
} from '../../src/check-options.ts'
import {
  ServiceType,
  z,
  type CheckContext,
  type Service,
  type Stage,
  type OptionsSchema,
} from '../../src/sdk.ts'
import { loadImapflow } from '../client-libraries.ts'
import { connectTcp, startTls, type TlsSettings } from '../socket.ts'
import { clientOptions, transport } from './imap-client.ts'
import { imapFailure } from './imap-failure.ts'
import { latestSubjects, matchSubjects } from './subject-match.ts'

/** How long a LOGOUT may take before the connection is simply closed. */
const LOGOUT_WAIT_MS = 500

function imapOptions(defaultTls: TlsMode) {
  return z
    .object({
      mailbox: z.string().min(1).default('INBOX'),
      ...expectOptions(),
      tls: tlsMode(defaultTls),
      ...tlsCertificateOptions(),
    })
    .strict()
}

export const imapOptionsSchema = lazily(() => imapOptions('none'))
export const imapsOptionsSchema = lazily(() => imapOptions('implicit'))

export type ImapOptions = z.output<ReturnType<typeof imapOptionsSchema>>

export class ImapCheck extends ServiceType<ImapOptions> {
  static override shortName = 'imap'
  static override description = 'login, SELECT mailbox, optional match on message subjects'
  static override defaultPort = 143
  static override options: OptionsSchema = imapOptionsSchema

  override async doCheck(service: Service<ImapOptions>, ctx: CheckContext): Promise<void> {
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    let socket: Socket | undefined
    let client: ImapFlow | undefined
    const { options } = service
    try {
      const imapflow = await loadImapflow()
      const { username, password } = this.getCredentials(service)
      const tls: TlsSettings = {
        name: service.host,
        verify: options.tls_verify,
        fingerprint: options.tls_fingerprint,
      }
      mark('connect')
      socket = await connectTcp(service.host, service.port, ctx.signal)
      if (options.tls === 'implicit') {
        mark('tls')
        socket = await startTls(socket, tls, ctx.signal)
      }
      client = new imapflow.ImapFlow({
        ...clientOptions(service, ctx.timeoutMs),
        auth: { user: username, pass: password },
        transport: transport(
          socket,
          tls,
          { signal: ctx.signal, stage: () => stage },
          {
            greeted: () => {
              if (options.tls !== 'starttls') mark('auth')
            },
            upgrading: () => mark('tls'),
            secured: () => mark('auth'),
          },
        ),
      })
      client.on('error', (err: Error) => ctx.debug(`imapflow: ${err.message}`))
      await abortable(client.connect(), ctx.signal)
      mark('action')
      const mailbox = await abortable(client.mailboxOpen(options.mailbox), ctx.signal)
      ctx.debug(`${mailbox.path}: ${mailbox.exists} messages`)
      if (hasExpectations(options)) {
        mark('match')
        const subjects = await abortable(latestSubjects(client, mailbox.exists), ctx.signal)
        ctx.debug(`latest subjects:\n${subjects.join('\n').slice(0, 4000)}`)
        matchSubjects(subjects, options, options.mailbox)
      }
      await logout(client)
    } catch (err) {
      this.log(service, 'login', false)
      throw imapFailure(err, stage, service.username ?? '', options.mailbox)
    } finally {
      client?.close()
      socket?.destroy()
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'login', true)
  }
}

/** The same with TLS from the first byte (port 993). */
export class ImapsCheck extends ImapCheck {
  static override shortName = 'imaps'
  static override description = 'TLS, login, SELECT mailbox, optional match on message subjects'
  static override defaultPort = 993
  static override options: OptionsSchema = imapsOptionsSchema
}

/** Settles with `promise`, or rejects with the abort reason as soon as the check times out. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      promise.catch(() => undefined)
      return reject(signal.reason as Error)
    }
    const onAbort = () => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: Error) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

/** LOGOUT as a client does, without letting a server that never answers it fail the check. */
async function logout(client: ImapFlow): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    client.logout().catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, LOGOUT_WAIT_MS))),
  ])
  clearTimeout(timer)
}
