/**
 * `ssh`: logs in with the service's credentials (password, or keyboard-interactive answering every
 * prompt with the password) or with `private_key`, then, when `command` is set, runs it and
 * matches its output. Without a command the check is the login.
 *
 * Options:
 * - `command`: a command to run after the login; it must exit with status 0.
 * - `expect` / `expect_regex` / `expect_exact`: matched against the command's standard output (at
 *   most 64 KiB of it is read); they need a `command`.
 * - `private_key`: an unencrypted private key (OpenSSH or PEM text) to log in with instead of the
 *   password; an encrypted one is opened with the password. The username is still the service's.
 *
 * Stages: `connect` (TCP and the SSH handshake: refused, or not an SSH server), `auth` (login
 * refused, or a `private_key` that cannot be read: the config only checks that it is armoured as
 * one), `action` (the command could not run or exited with another status), `match`.
 * The host key is not checked: teams may rebuild their boxes.
 *
 * @example
 * # competition.yaml
 * - { name: ssh, type: ssh, credential_pool: users, options: { command: "id -un", expect_exact: "{username}" } }
 */
import type { Socket } from 'node:net'
import type { Client, ClientChannel, ConnectConfig } from 'ssh2'
import {
  excerpt,
  expectOptions,
  failureOf,
  hasExpectations,
  matchExpected,
  lazily,
} from '../src/check-options.ts'
import {
  CheckFailure,
  ServiceType,
  z,
  type CheckContext,
  type Credentials,
  type Service,
  type Stage,
} from '../src/sdk.ts'
import { loadSsh2 } from './client-libraries.ts'
import { connectTcp } from './socket.ts'

export const MAX_OUTPUT_BYTES = 64 * 1024
const MAX_STDERR_BYTES = 4 * 1024

/**
 * The armour of the private keys ssh2 reads: OpenSSH, PEM (RSA, DSA, EC; encrypted ones carry
 * their headers inside) and PuTTY's v2 files. The key itself is read when the check runs.
 */
const PRIVATE_KEY_ARMOUR =
  /^(?:-----BEGIN (OPENSSH|RSA|DSA|EC) PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END \1 PRIVATE KEY-----|PuTTY-User-Key-File-2: [\s\S]+)$/
const PUBLIC_KEY =
  /^(?:(?:ssh|ecdsa-sha2|sk-ssh|sk-ecdsa-sha2)-\S+ [A-Za-z0-9+/=]+|---- BEGIN SSH2 PUBLIC KEY ----)/

/** The keys of the `ssh` options, shared with `remote-admin`. */
export const sshOptionsShape = lazily(() => ({
  command: z.string().min(1).optional(),
  ...expectOptions(),
  private_key: z
    .string()
    .min(1)
    .optional()
    .superRefine((key, ctx) => {
      // A key written with a template is checked when the check runs.
      if (key === undefined || /\{[\w.]+\}/.test(key)) return
      const problem = privateKeyProblem(key)
      if (problem !== undefined)
        ctx.addIssue({ code: 'custom', message: `private_key cannot be read: ${problem}` })
    }),
}))

/**
 * Why `key` is not a private key, judged by its armour only (the config is checked without
 * loading ssh2): a key that passes is read for real when the check runs, and one that cannot be
 * read then fails stage `auth`.
 */
export function privateKeyProblem(key: string): string | undefined {
  const text = key.trim()
  if (PRIVATE_KEY_ARMOUR.test(text)) return undefined
  if (PUBLIC_KEY.test(text)) return 'this is a public key; the private key is needed'
  return 'not an OpenSSH or PEM private key (-----BEGIN OPENSSH PRIVATE KEY----- ... -----END OPENSSH PRIVATE KEY-----)'
}

/** Refuses match options without a command to produce the output. */
export function requireCommandForExpect(
  options: { command?: string | undefined } & Parameters<typeof hasExpectations>[0],
  ctx: z.core.$RefinementCtx,
): void {
  if (options.command === undefined && hasExpectations(options)) {
    ctx.addIssue({
      code: 'custom',
      message: 'expect, expect_regex and expect_exact need a command',
      path: ['command'],
    })
  }
}

export const sshOptions = lazily(() =>
  z.object(sshOptionsShape()).strict().superRefine(requireCommandForExpect),
)

export type SshOptions = z.output<ReturnType<typeof sshOptions>>

interface Output {
  stdout: string
  stderr: string
  code: number | null
  truncated: boolean
}

export class SshCheck extends ServiceType<SshOptions> {
  static override shortName = 'ssh'
  static override description = 'SSH login (password or key), optional command with its output matched'
  static override defaultPort = 22
  static override options = sshOptions

  override async doCheck(service: Service<SshOptions>, ctx: CheckContext): Promise<void> {
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
      const { command } = service.options
      if (command !== undefined) {
        mark('action')
        const output = await run(client, command, ctx.signal)
        ctx.debug(
          `$ ${command}\n${output.stdout.slice(0, 2000)}${output.stderr ? `\n[stderr] ${output.stderr}` : ''}`,
        )
        if (output.code !== null && output.code !== 0) {
          const said = output.stderr.trim() ? `: ${excerpt(output.stderr.trim())}` : ''
          throw new CheckFailure('action', `command "${command}" exited with status ${output.code}${said}`)
        }
        mark('match')
        const what = output.truncated
          ? `output of "${command}" (first ${MAX_OUTPUT_BYTES} bytes)`
          : `output of "${command}"`
        matchExpected(output.stdout, service.options, what)
      }
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

/**
 * The login settings of a service (shared with `sftp`): its `private_key` when there is one, else
 * the password, then keyboard-interactive answered with it. `credentials` is the check type's
 * `getCredentials`.
 *
 * The methods are named up front: ssh2 would otherwise begin with method `none` to learn which
 * the server takes, one more round trip per check (RFC 4252 lets a client start with any).
 */
export function sshLogin(
  service: Service<{ private_key?: string | undefined }>,
  credentials: () => Credentials,
): ConnectConfig {
  const key = service.options.private_key
  if (key !== undefined) {
    const username = service.username ?? credentials().username
    return {
      username,
      privateKey: key,
      passphrase: service.password ?? undefined,
      authHandler: ['publickey'],
    }
  }
  const { username, password } = credentials()
  return { username, password, tryKeyboard: true, authHandler: ['password', 'keyboard-interactive'] }
}

/**
 * The SSH handshake and login over `socket` (shared with `sftp`); `handshaken` is called when the
 * login starts. Rejects with stage `connect` or `auth`, or with the abort reason on a timeout.
 */
export function sshConnect(
  client: Client,
  socket: Socket,
  login: ConnectConfig,
  ctx: CheckContext,
  handshaken: () => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let handshakeDone = false
    const fail = (err: Error & { level?: string }) => {
      if (ctx.signal.aborted) return reject(ctx.signal.reason as Error)
      if (err.level === 'client-authentication') {
        return reject(new CheckFailure('auth', `login refused for user "${login.username}"`, { cause: err }))
      }
      if (!handshakeDone) {
        return reject(
          new CheckFailure('connect', `SSH handshake failed: ${err.message}`, {
            cause: err,
            debug: err.stack,
          }),
        )
      }
      reject(err)
    }
    // Logged in, a close is no longer a failure of the login: the listener goes, and no error is
    // built when the check ends the connection.
    const closed = () => fail(new Error('the server closed the connection'))
    client.on('error', fail)
    client.once('close', closed)
    client.once('handshake', () => {
      handshakeDone = true
      handshaken()
    })
    client.once('ready', () => {
      client.removeListener('close', closed)
      resolve()
    })
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
      finish(prompts.map(() => login.password ?? ''))
    })
    try {
      client.connect({
        ...login,
        sock: socket,
        // The check's own timeout applies; ssh2's would only cut it short.
        readyTimeout: ctx.timeoutMs + 60_000,
        keepaliveInterval: 0,
      })
    } catch (err) {
      reject(keyFailure(err as Error, login))
    }
  })
}

/** ssh2 reads `private_key` as the connection starts, and throws when it cannot. */
function keyFailure(err: Error, login: ConnectConfig): Error {
  if (login.privateKey === undefined || !/privateKey/.test(err.message)) return err
  const reason = err.message.replace(/^Cannot parse privateKey: /, '')
  return new CheckFailure('auth', `private_key cannot be read: ${reason}`, { cause: err })
}

/** Runs `command`, keeping at most 64 KiB of its output; stops reading past that. */
function run(client: Client, command: string, signal: AbortSignal): Promise<Output> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let outBytes = 0
    let errBytes = 0
    let code: number | null = null
    let channel: ClientChannel | undefined
    const closed = () => {
      if (signal.aborted) return reject(signal.reason as Error)
      reject(new CheckFailure('action', `the server closed the connection while "${command}" ran`))
    }
    const finish = (truncated: boolean) => {
      client.removeListener('close', closed)
      if (signal.aborted) return reject(signal.reason as Error)
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        code,
        truncated,
      })
      if (truncated) channel?.destroy()
    }
    client.once('close', closed)
    client.exec(command, (err, stream) => {
      if (err)
        return reject(
          new CheckFailure('action', `could not run "${command}": ${err.message}`, { cause: err }),
        )
      channel = stream
      stream.on('error', () => undefined)
      stream.on('data', (chunk: Buffer) => {
        const room = MAX_OUTPUT_BYTES - outBytes
        stdout.push(chunk.subarray(0, room))
        outBytes += Math.min(chunk.length, room)
        if (chunk.length > room) finish(true)
      })
      stream.stderr.on('data', (chunk: Buffer) => {
        const room = MAX_STDERR_BYTES - errBytes
        if (room <= 0) return
        stderr.push(chunk.subarray(0, room))
        errBytes += Math.min(chunk.length, room)
      })
      stream.on('exit', (status: number | null) => (code = typeof status === 'number' ? status : null))
      stream.on('close', () => finish(false))
    })
  })
}
