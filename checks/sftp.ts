/**
 * `sftp`: logs in over SSH as the `ssh` type does (password, keyboard-interactive, or
 * `private_key`), opens the SFTP subsystem, reads `file` and matches its content or its hash.
 *
 * Options:
 * - `file`: the path of the file to read (relative paths start in the user's home directory).
 * - `max_bytes`: bytes of the file read at most (1 MiB); past that the read stops and the content is
 *   matched against what was read.
 * - `expect` / `expect_regex` / `expect_exact`: matched against the file as UTF-8 text.
 * - `sha256`: the SHA-256 of the whole file, as `sha256sum` prints it (a list: any of them).
 * - `private_key`: as for `ssh`: an unencrypted private key to log in with instead of the password.
 *
 * Without a match option the check is that the file can be read.
 *
 * Stages: `connect` (TCP and the SSH handshake), `auth` (login refused), `action` (no SFTP
 * subsystem, the file is missing or unreadable), `match`. The host key is not checked.
 *
 * @example
 * # competition.yaml
 * - { name: sftp, type: sftp, credential_pool: users, options: { file: /srv/share/report.txt, expect: "Q3" } }
 */
import type { Socket } from 'node:net'
import type { Client, SFTPWrapper } from 'ssh2'
import { failureOf, lazily } from '../src/check-options.ts'
import { CheckFailure, ServiceType, z, type CheckContext, type Service, type Stage } from '../src/sdk.ts'
import { loadSsh2 } from './client-libraries.ts'
import { fileMatchOptions, matchFile, type FetchedFile } from './file-match.ts'
import { connectTcp } from './socket.ts'
import { sshConnect, sshLogin, sshOptionsShape } from './ssh.ts'

/** Bytes asked for in one SFTP read (ssh2 splits it to the server's packet size). */
const READ_CHUNK = 64 * 1024
/** SFTP status codes (draft-ietf-secsh-filexfer-02, 7), as ssh2 puts them on an error's `code`. */
const SFTP_NO_SUCH_FILE = 2
const SFTP_PERMISSION_DENIED = 3

export const sftpOptions = lazily(() =>
  z
    .object({
      file: z.string().min(1),
      ...fileMatchOptions(),
      private_key: sshOptionsShape().private_key,
    })
    .strict(),
)

export type SftpOptions = z.output<ReturnType<typeof sftpOptions>>

export class SftpCheck extends ServiceType<SftpOptions> {
  static override shortName = 'sftp'
  static override description = 'SSH login, read a file over SFTP, match its content or sha256'
  static override defaultPort = 22
  static override options = sftpOptions

  override async doCheck(service: Service<SftpOptions>, ctx: CheckContext): Promise<void> {
    const { file, max_bytes: max } = service.options
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    let client: Client | undefined
    let socket: Socket | undefined
    try {
      mark('connect')
      const ssh2 = await loadSsh2()
      const login = sshLogin(service, () => this.getCredentials(service))
      socket = await connectTcp(service.host, service.port, ctx.signal)
      client = new ssh2.Client()
      await sshConnect(client, socket, login, ctx, () => mark('auth'))
      mark('action')
      const fetched = await readFile(client, file, max, ctx.signal)
      ctx.debug(
        `read ${fetched.data.length} bytes of ${file}${fetched.truncated ? ' (cut at max_bytes)' : ''}`,
      )
      mark('match')
      matchFile(fetched, service.options, file)
    } catch (err) {
      this.log(service, 'login', false)
      throw failureOf(err, stage)
    } finally {
      client?.end()
      // Do not wait for the server to close its side: a hostile one never does.
      socket?.destroySoon()
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'login', true)
  }
}

/** Opens the SFTP subsystem and reads `path`, keeping at most `max` bytes; stops reading past that. */
function readFile(client: Client, path: string, max: number, signal: AbortSignal): Promise<FetchedFile> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => reject(signal.aborted ? (signal.reason as Error) : err)
    const closed = () =>
      fail(new CheckFailure('action', `the server closed the connection while ${path} was read`))
    client.once('close', closed)
    client.sftp((err, sftp) => {
      if (err)
        return fail(
          new CheckFailure('action', `the server refused the SFTP subsystem: ${err.message}`, { cause: err }),
        )
      sftp.on('error', fail)
      sftp.open(path, 'r', (err, handle) => {
        if (err) return fail(openFailure(err, path))
        const chunks: Buffer[] = []
        let size = 0
        const done = (truncated: boolean) => {
          client.removeListener('close', closed)
          sftp.close(handle, () => undefined)
          resolve({ data: Buffer.concat(chunks).subarray(0, max), truncated })
        }
        // One byte past the cap tells a file of exactly `max` bytes from a longer one.
        const next = () => {
          const want = Math.min(READ_CHUNK, max + 1 - size)
          read(sftp, handle, want, size).then(
            (chunk) => {
              if (chunk.length === 0) return done(false)
              chunks.push(chunk)
              size += chunk.length
              if (size > max) return done(true)
              next()
            },
            (err: Error) =>
              fail(new CheckFailure('action', `could not read file ${path}: ${err.message}`, { cause: err })),
          )
        }
        next()
      })
    })
  })
}

/** One read of at most `length` bytes at `position`; an empty buffer at the end of the file. */
function read(sftp: SFTPWrapper, handle: Buffer, length: number, position: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const buffer = Buffer.alloc(length)
    sftp.read(handle, buffer, 0, length, position, (err, bytesRead) => {
      if (err) return reject(err)
      resolve(buffer.subarray(0, bytesRead))
    })
  })
}

/** Why `path` could not be opened, in words. */
function openFailure(err: Error & { code?: unknown }, path: string): CheckFailure {
  const message =
    err.code === SFTP_NO_SUCH_FILE
      ? `file ${path} not found`
      : err.code === SFTP_PERMISSION_DENIED
        ? `permission denied reading file ${path}`
        : `could not open file ${path}: ${err.message}`
  return new CheckFailure('action', message, { cause: err })
}
