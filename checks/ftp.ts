/**
 * `ftp` and `ftps`: log in (as `anonymous` when the service has no credentials), optionally upload
 * a small file and delete it, then download `file` over a passive data connection and match its
 * content or its hash, as an FTP client (FileZilla, `curl ftp://`) does. Anonymous means the
 * service has no username, password, `credential_pool` or `team_specific_info` at all: an empty
 * pool fails stage `auth` instead.
 *
 * Options:
 * - `file`: the path of the file to download (a relative path starts in the login directory).
 * - `max_bytes`: bytes of the file downloaded at most (1 MiB); past that the transfer is stopped
 *   and the content is matched against what was read.
 * - `expect` / `expect_regex` / `expect_exact`: matched against the file as UTF-8 text.
 * - `sha256`: the SHA-256 of the whole file, as `sha256sum` prints it (a list: any of them).
 * - `upload`: `true` to upload a small text file with a unique name (`scanner-check-<random>.txt`)
 *   into the login directory, or the directory to upload it into (`/incoming`); the file is
 *   deleted right after. It proves that the account may create a file there and delete it again
 *   (permissions, quota and free disk space allow a write, and data connections work for
 *   uploads); it does not read the file back. `file` may be left out when `upload` is set.
 * - `tls`: for `ftp`, `none` (default) or `starttls` (AUTH TLS on the plain port); for `ftps`,
 *   `implicit` (default: TLS from the first byte, port 990) or `starttls` (explicit FTPS: set
 *   `port: 21`). With TLS the data connections are encrypted too (PROT P).
 * - `tls_verify`: check the certificate (false: competition boxes are self-signed).
 * - `tls_fingerprint`: the certificate's SHA-256 fingerprint must be this one (pinning).
 *
 * Data connections are passive (EPSV, then PASV), to the address of the control connection only.
 *
 * Stages: `connect` (TCP and the greeting), `tls` (implicit TLS, or AUTH TLS and its handshake),
 * `auth` (login refused), `action` (data connection, upload, delete, download), `match`.
 *
 * @example
 * # competition.yaml
 * - { name: ftp, type: ftp, options: { file: /pub/welcome.txt, expect: "Welcome", upload: /incoming } }
 * - { name: ftps, type: ftps, credential_pool: users, options: { file: report.pdf, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 } }
 */
import type { Socket } from 'node:net'
import type { Client } from 'basic-ftp'
import {
  failureOf,
  flag,
  tlsCertificateOptions,
  tlsMode,
  type TlsMode,
  lazily,
} from '../src/check-options.ts'
import {
  ServiceType,
  z,
  type CheckContext,
  type Service,
  type Stage,
  type OptionsSchema,
} from '../src/sdk.ts'
import { loadBasicFtp } from './client-libraries.ts'
import { fileMatchOptions, hasFileExpectations, matchFile } from './file-match.ts'
import {
  ControlWatch,
  ftpFailure,
  greeting,
  replyOf,
  socketBoundTo,
  untilAborted,
  useControlSocket,
} from './ftp-control.ts'
import { download, uploadAndDelete } from './ftp-transfer.ts'
import { connectTcp, startTls, type TlsSettings } from './socket.ts'

/** basic-ftp's inactivity timeout, past the check's: it only frees what the abort did not. */
const LIBRARY_TIMEOUT_EXTRA_MS = 5000
const ANONYMOUS = { user: 'anonymous', password: 'anonymous@' }

function ftpOptionsSchema(defaultTls: TlsMode, allowedTls: readonly TlsMode[]) {
  return z
    .object({
      file: z.string().min(1).optional(),
      ...fileMatchOptions(),
      upload: z.union([flag(), z.string().min(1)]).default(false),
      tls: tlsMode(defaultTls, allowedTls),
      ...tlsCertificateOptions(),
    })
    .strict()
    .superRefine((options, ctx) => {
      if (options.file !== undefined) return
      if (hasFileExpectations(options)) {
        ctx.addIssue({
          code: 'custom',
          message: 'expect, expect_regex, expect_exact and sha256 need a file',
          path: ['file'],
        })
      } else if (options.upload === false) {
        ctx.addIssue({
          code: 'custom',
          message: 'file is required (it may be left out when upload is set)',
          path: ['file'],
        })
      }
    })
}

export const ftpOptions = lazily(() => ftpOptionsSchema('none', ['none', 'starttls']))
export const ftpsOptions = lazily(() => ftpOptionsSchema('implicit', ['implicit', 'starttls']))

export type FtpOptions = Omit<z.output<ReturnType<typeof ftpOptions>>, 'tls'> & { tls: TlsMode }

/** An FTP session as a user has it, over a plain control connection unless `tls` says otherwise. */
export class FtpCheck extends ServiceType<FtpOptions> {
  static override shortName = 'ftp'
  static override description =
    'FTP login (anonymous without credentials), download a file and match it; optional upload'
  static override defaultPort = 21
  static override options: OptionsSchema = ftpOptions

  override async doCheck(service: Service<FtpOptions>, ctx: CheckContext): Promise<void> {
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    const basicFtp = await loadBasicFtp()
    const client = new basicFtp.Client(ctx.timeoutMs + LIBRARY_TIMEOUT_EXTRA_MS)
    const watch = new ControlWatch(client.ftp)
    const stop = () => client.close()
    ctx.signal.addEventListener('abort', stop, { once: true })
    try {
      mark('connect')
      await untilAborted(this.session(service, client, watch, ctx, mark), ctx.signal)
    } catch (err) {
      this.log(service, 'login', false)
      throw ctx.signal.aborted
        ? failureOf(ctx.signal.reason, stage)
        : (watch.failure ?? ftpFailure(err, stage))
    } finally {
      ctx.signal.removeEventListener('abort', stop)
      client.close()
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'login', true)
  }

  private async session(
    service: Service<FtpOptions>,
    client: Client,
    watch: ControlWatch,
    ctx: CheckContext,
    mark: (stage: Stage) => void,
  ): Promise<void> {
    const { options } = service
    const { signal } = ctx
    const { user, password } = this.login(service)
    const tls: TlsSettings = {
      name: service.host,
      verify: options.tls_verify,
      fingerprint: options.tls_fingerprint,
    }
    const ftp = client.ftp
    ftp.verbose = true
    ftp.log = (line) => ctx.debug(line.length > 300 ? `${line.slice(0, 300)}…` : line)
    // Data connections are made by basic-ftp; tie them to the check so none outlives it.
    ftp._newSocket = () => socketBoundTo(signal)

    let socket: Socket = await connectTcp(service.host, service.port, signal)
    if (options.tls === 'implicit') {
      mark('tls')
      socket = await startTls(socket, tls, signal)
    }
    useControlSocket(ftp, socket, tls)
    watch.attach(socket)
    await greeting(ftp)

    if (options.tls === 'starttls') {
      mark('tls')
      await replyOf(client.send('AUTH TLS'), 'tls', (said) => `the server refused AUTH TLS: ${said}`)
      const secure = await startTls(ftp.socket, tls, signal)
      useControlSocket(ftp, secure, tls)
      watch.attach(secure)
    }

    mark('auth')
    await replyOf(client.login(user, password), 'auth', (said, code) =>
      code === 530 ? `login refused for user "${user}": ${said}` : `login of user "${user}" failed: ${said}`,
    )
    mark('action')
    await replyOf(client.useDefaultSettings(), 'action', (said) => `the server refused binary mode: ${said}`)
    if (options.upload !== false) await uploadAndDelete(client, options.upload === true ? '' : options.upload)
    if (options.file !== undefined) {
      const fetched = await download(client, options.file, options.max_bytes)
      ctx.debug(
        `read ${fetched.data.length} bytes of ${options.file}${fetched.truncated ? ' (cut at max_bytes)' : ''}`,
      )
      mark('match')
      matchFile(fetched, options, options.file)
    }
  }

  /** The service's credentials, or anonymous when it has none configured at all. */
  private login(service: Service<FtpOptions>): { user: string; password: string } {
    const { username, password, credentialPool, teamSpecificInfo } = service
    if (username === null && password === null && credentialPool === null && teamSpecificInfo === null) {
      return ANONYMOUS
    }
    const credentials = this.getCredentials(service)
    return { user: credentials.username, password: credentials.password }
  }
}

/** The same over TLS: implicit (port 990) unless `tls: starttls`. */
export class FtpsCheck extends FtpCheck {
  static override shortName = 'ftps'
  static override description =
    'FTPS (implicit or AUTH TLS) login, download a file and match it; optional upload'
  static override defaultPort = 990
  static override options: OptionsSchema = ftpsOptions
}
