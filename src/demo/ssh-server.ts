/**
 * A demo SSH server (ssh2): password, keyboard-interactive and public key logins against a table of
 * users, and an `exec` that runs nothing real but answers a few known commands:
 *
 * - `id -un`, `whoami`: the user name; `hostname`: `scanner-demo`; `echo WORDS`: the words;
 *   `true` / `false`: exit 0 / 1;
 * - hostile ones, for the tests: `yes` writes `y` lines forever, `sleep ...` never answers,
 *   `hangup` closes the connection without answering;
 * - anything else: `command not found` on stderr, exit 127.
 *
 * With `files`, it also has an SFTP subsystem that serves them read-only (`sftp-subsystem.ts`).
 */
import { createServer, type Socket } from 'node:net'
import ssh2 from '../../checks/ssh2-library.ts'
import type { AuthContext, ParsedKey, ServerChannel } from 'ssh2'
import {
  DEFAULT_HOST,
  SocketSet,
  closeServer,
  listen,
  type ListenOptions,
  type RunningServer,
} from './running-server.ts'
import type { DemoFile } from './demo-files.ts'
import { serveSftp } from './sftp-subsystem.ts'
import { DEMO_SSH_HOST_KEY } from './ssh-keys.ts'

/** A user of the demo server: a password, an authorized public key (`ssh-ed25519 AAAA...`), or both. */
export interface SshUser {
  password?: string
  authorizedKey?: string
  /** The login methods this user may use (default: all three). */
  methods?: readonly LoginMethod[]
}

type LoginMethod = 'password' | 'keyboard-interactive' | 'publickey'
const LOGIN_METHODS: readonly LoginMethod[] = ['password', 'keyboard-interactive', 'publickey']

export interface SshServerOptions extends ListenOptions {
  /** Users by name; a string is a password. `demo` / `demo` unless set. */
  users?: Record<string, string | SshUser>
  /** Files every user may read over SFTP, by path; without them there is no SFTP subsystem. */
  files?: Record<string, DemoFile>
}

export async function startSshServer(options: SshServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST
  const users = new Map(
    Object.entries(options.users ?? { demo: 'demo' }).map(([name, u]) => [
      name,
      typeof u === 'string' ? { password: u } : u,
    ]),
  )
  const files = options.files && new Map(Object.entries(options.files))
  const keys = new Map<string, ParsedKey>()
  for (const [name, user] of users) {
    if (user.authorizedKey === undefined) continue
    const key = ssh2.utils.parseKey(user.authorizedKey)
    if (key instanceof Error) throw new Error(`authorized key of demo user ${name}: ${key.message}`)
    keys.set(name, key)
  }

  const ssh = new ssh2.Server({ hostKeys: [DEMO_SSH_HOST_KEY], ident: 'scanner-demo' }, (client) => {
    let username = ''
    client.on('error', () => undefined)
    client.on('authentication', (ctx) => {
      authenticate(ctx, users.get(ctx.username), keys.get(ctx.username), () => (username = ctx.username))
    })
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept()
        session.on('exec', (acceptExec, _reject, info) =>
          run(acceptExec(), info.command, username, () => client.end()),
        )
        if (files) session.on('sftp', (acceptSftp) => serveSftp(acceptSftp(), files))
      })
    })
  })

  const sockets = new SocketSet()
  const server = createServer((socket: Socket) => {
    sockets.add(socket)
    socket.setNoDelay(true)
    ssh.injectSocket(socket)
  })
  const port = await listen(server, host, options.port ?? 0)
  return { host, port, close: () => closeServer(server, sockets) }
}

/** Answers one authentication request, calling `accepted` before accepting it. */
function authenticate(
  ctx: AuthContext,
  user: SshUser | undefined,
  key: ParsedKey | undefined,
  accepted: () => void,
): void {
  const methods = user?.methods ?? LOGIN_METHODS
  const answer = (ok: boolean): void => {
    if (!ok) return ctx.reject([...methods])
    accepted()
    ctx.accept()
  }
  const password = user?.password
  if (!(methods as readonly string[]).includes(ctx.method)) return answer(false)
  switch (ctx.method) {
    case 'password':
      return answer(password !== undefined && ctx.password === password)
    case 'keyboard-interactive':
      if (password === undefined) return answer(false)
      return ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => answer(answers[0] === password))
    case 'publickey':
      if (!key || ctx.key.algo !== key.type || !ctx.key.data.equals(key.getPublicSSH())) return answer(false)
      if (!ctx.signature || !ctx.blob) return answer(true)
      return answer(key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true)
    default:
      return answer(false)
  }
}

function run(stream: ServerChannel, command: string, username: string, hangUp: () => void): void {
  stream.on('error', () => undefined)
  const [name = '', ...args] = command.trim().split(/\s+/)
  const reply = (out: string, code = 0, err = ''): void => {
    if (out) stream.write(out)
    if (err) stream.stderr.write(err)
    stream.exit(code)
    stream.end()
  }
  switch (name) {
    case 'id':
      return args.join(' ') === '-un'
        ? reply(`${username}\n`)
        : reply(`uid=1000(${username}) gid=1000(${username})\n`)
    case 'whoami':
      return reply(`${username}\n`)
    case 'hostname':
      return reply('scanner-demo\n')
    case 'echo':
      return reply(`${args.join(' ').replace(/^(['"])(.*)\1$/, '$2')}\n`)
    case 'true':
      return reply('')
    case 'false':
      return reply('', 1)
    case 'yes': {
      const line = Buffer.from('y\n'.repeat(8192))
      const pour = (): void => {
        while (stream.writable && stream.write(line));
        if (stream.writable) stream.once('drain', pour)
      }
      return pour()
    }
    case 'sleep':
      return
    case 'hangup':
      return hangUp()
    default:
      return reply('', 127, `sh: 1: ${name}: not found\n`)
  }
}
