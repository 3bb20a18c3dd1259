/**
 * The lab of the integration suite: a temporary folder for every daemon's configuration, data and
 * log, the daemons started in it (each in its own session, stopped by PID), and the few changes made
 * to the machine itself (system accounts, addresses on `lo`), all undone by `close()`, or at once
 * when the process exits or is interrupted (SIGINT, SIGTERM, SIGHUP) before it.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { listeningSockets, type Protocol } from './sockets.ts'

const execFileAsync = promisify(execFile)

/** How long a daemon may take to listen after it was started. */
const READY_TIMEOUT_MS = 30_000
/** How long a daemon may take to exit after SIGTERM before its session is killed. */
const STOP_GRACE_MS = 5_000

/** A daemon started by the lab. */
export interface Daemon {
  readonly name: string
  readonly pid: number
  readonly log: string
  /** Whether the process has exited (a daemon that exits early failed to start). */
  readonly exited: boolean
}

interface RunningDaemon extends Daemon {
  child: ChildProcess
  exitedAt: Promise<void>
}

/** A system account, resolved to ids. */
export interface Account {
  name: string
  uid: number
  gid: number
}

const INTERRUPTS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/** GECOS of the accounts this suite creates: an account without it is never touched. */
const ACCOUNT_MARK = 'scanner integration test'

export class Lab {
  readonly dir: string
  private readonly daemons: RunningDaemon[] = []
  private readonly undo: { what: string; run: () => void | Promise<void> }[] = []
  private closed = false
  private readonly onExit = () => this.closeSync()
  /** Interrupted (Ctrl-C, the runner's kill): clean up, then die of the same signal. */
  private readonly onSignal = (name: NodeJS.Signals) => {
    this.closeSync()
    process.kill(process.pid, name)
  }

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'scanner-it-'))
    // Daemons drop privileges (postgres, mysql, dovecot, the test accounts...): they must reach
    // their files through this folder.
    chmodSync(this.dir, 0o755)
    mkdirSync(this.path('logs'))
    process.once('exit', this.onExit)
    for (const name of INTERRUPTS) process.once(name, this.onSignal)
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts)
  }

  /** Creates a folder (and its parents) in the lab, owned by `owner` when given. */
  mkdir(rel: string, options: { owner?: Account | string; mode?: number } = {}): string {
    const path = this.path(rel)
    mkdirSync(path, { recursive: true, mode: options.mode ?? 0o755 })
    chmodSync(path, options.mode ?? 0o755)
    if (options.owner) this.chown(path, options.owner)
    return path
  }

  /** Writes a file in the lab (folders created), readable by all unless `mode` says otherwise. */
  write(
    rel: string,
    content: string | Buffer,
    options: { owner?: Account | string; mode?: number } = {},
  ): string {
    const path = this.path(rel)
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 })
    writeFileSync(path, content)
    chmodSync(path, options.mode ?? 0o644)
    if (options.owner) this.chown(path, options.owner)
    return path
  }

  chown(path: string, owner: Account | string): void {
    const account = typeof owner === 'string' ? accountOf(owner) : owner
    chownSync(path, account.uid, account.gid)
  }

  /** Runs a setup command to its end; a failure throws with the command's output. */
  async exec(
    command: string,
    args: string[],
    options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
  ): Promise<string> {
    const promise = execFileAsync(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd ?? this.dir,
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 16 * 1024 * 1024,
    })
    if (options.input !== undefined) promise.child.stdin?.end(options.input)
    try {
      return (await promise).stdout
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string }
      throw new Error(
        `${command} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
        {
          cause: err,
        },
      )
    }
  }

  /**
   * Starts a daemon in the foreground, in a session of its own (`setsid`: some daemons, smbd
   * first, signal their whole process group), its output in `logs/NAME.log`.
   */
  start(
    name: string,
    command: string,
    args: string[],
    options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ): Daemon {
    const log = this.path('logs', `${name}.log`)
    const fd = openSync(log, 'a')
    let child: ChildProcess
    try {
      child = spawn(command, args, {
        cwd: options.cwd ?? this.dir,
        env: options.env ?? {
          PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          LANG: 'C',
        },
        stdio: ['ignore', fd, fd],
        detached: true,
      })
    } finally {
      closeSync(fd)
    }
    if (child.pid === undefined) throw new Error(`${name}: ${command} could not be started`)
    const daemon: RunningDaemon = {
      name,
      pid: child.pid,
      log,
      exited: false,
      child,
      exitedAt: new Promise((resolve) => {
        child.once('exit', () => {
          ;(daemon as { exited: boolean }).exited = true
          resolve()
        })
      }),
    }
    child.once('error', () => undefined)
    this.daemons.push(daemon)
    return daemon
  }

  /**
   * Waits until a socket of `protocol` is bound to `address:port` (read from /proc/net, so no
   * connection is made), failing early with the daemon's log if it exits first.
   */
  async waitListening(daemon: Daemon, protocol: Protocol, address: string, port: number): Promise<void> {
    await this.waitFor(daemon, `listen on ${protocol} ${address}:${port}`, () =>
      listeningSockets(protocol).some((s) => s.address === address && s.port === port),
    )
  }

  /** Waits until a unix socket exists at `path`. */
  async waitUnixSocket(daemon: Daemon, path: string): Promise<void> {
    await this.waitFor(daemon, `create ${path}`, () => existsSync(path))
  }

  /** Waits until `ready()` holds, failing with the daemon's log if it exits first or takes too long. */
  async waitFor(daemon: Daemon, what: string, ready: () => boolean): Promise<void> {
    const deadline = performance.now() + READY_TIMEOUT_MS
    for (;;) {
      if (ready()) return
      if (daemon.exited)
        throw new Error(`${daemon.name} exited before it could ${what}\n${this.tail(daemon)}`)
      if (performance.now() > deadline)
        throw new Error(
          `${daemon.name} did not ${what} within ${READY_TIMEOUT_MS / 1000} s\n${this.tail(daemon)}`,
        )
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Freezes a daemon (SIGSTOP): its listening sockets still accept, it answers nothing. */
  freeze(daemon: Daemon): void {
    signal(daemon.pid, 'SIGSTOP')
  }

  /** The end of a daemon's log, for error messages. */
  tail(daemon: Daemon, bytes = 3000): string {
    try {
      const text = readFileSync(daemon.log, 'utf8')
      return `--- ${daemon.log} ---\n${text.slice(-bytes)}`
    } catch {
      return `(no log at ${daemon.log})`
    }
  }

  /** Stops one daemon: SIGTERM to its PID, then SIGKILL to its session's group after a grace time. */
  async stop(daemon: Daemon): Promise<void> {
    const running = this.daemons.find((d) => d.pid === daemon.pid)
    if (!running) return
    if (!running.exited) {
      signal(running.pid, 'SIGCONT')
      signal(running.pid, 'SIGTERM')
    }
    if ((await within(running.exitedAt, STOP_GRACE_MS)) === 'late') {
      signal(-running.pid, 'SIGKILL')
      await within(running.exitedAt, STOP_GRACE_MS)
    }
    // Children left behind in the daemon's own group (a session forked for a client...).
    signal(-running.pid, 'SIGKILL')
  }

  /**
   * Creates a system account (home in the lab, shell /bin/bash) with a password; it is deleted by
   * `close()`. An account of that name left by an interrupted run is replaced; any other account
   * of that name is refused.
   */
  async account(name: string, home: string, password: string): Promise<Account> {
    const existing = passwdEntry(name)
    if (existing) {
      if (existing.split(':')[4] !== ACCOUNT_MARK)
        throw new Error(`a system account "${name}" exists and was not made by this suite: not touching it`)
      await this.exec('userdel', [name])
    }
    await this.exec('useradd', [
      '--no-create-home',
      '--home-dir',
      home,
      '--shell',
      '/bin/bash',
      '--comment',
      ACCOUNT_MARK,
      name,
    ])
    this.undo.push({ what: `userdel ${name}`, run: () => runSync('userdel', [name]) })
    await this.setPassword(name, password)
    return accountOf(name)
  }

  async setPassword(name: string, password: string): Promise<void> {
    await this.exec('chpasswd', [], { input: `${name}:${password}\n` })
  }

  /** Adds `address/32` to `lo` (samba binds only to interface addresses); removed by `close()`. */
  async loopbackAddress(address: string): Promise<void> {
    const present = await this.exec('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo'])
    if (present.includes(` ${address}/32 `)) return
    await this.exec('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo'])
    this.undo.push({
      what: `ip addr del ${address}/32 dev lo`,
      run: () => runSync('ip', ['addr', 'del', `${address}/32`, 'dev', 'lo']),
    })
  }

  /** Runs `fn` at close, after the daemons are stopped (at process exit, its promise is not awaited). */
  onClose(what: string, fn: () => void | Promise<void>): void {
    this.undo.push({ what, run: fn })
  }

  /**
   * Stops every daemon by PID (all at once), then undoes every change; the folder is
   * removed unless `keep`. Returns what went wrong: a process of the lab still running (it is
   * killed by its PID), a change that could not be undone.
   */
  async close(options: { keep?: boolean } = {}): Promise<string[]> {
    if (this.closed) return []
    this.closed = true
    this.unhook()
    await Promise.all([...this.daemons].reverse().map((daemon) => this.stop(daemon)))
    const problems = this.leftovers().map(({ pid, command }) => {
      signal(pid, 'SIGKILL')
      return `process ${pid} (${command}) was still running after its daemon stopped: killed`
    })
    for (const step of this.undo.reverse()) {
      try {
        await step.run()
      } catch (err) {
        problems.push(`${step.what}: ${(err as Error).message}`)
      }
    }
    if (!options.keep) rmSync(this.dir, { recursive: true, force: true })
    return problems
  }

  private unhook(): void {
    process.off('exit', this.onExit)
    for (const name of INTERRUPTS) process.off(name, this.onSignal)
  }

  /** Processes whose command line names the lab's folder: daemons and their children. */
  private leftovers(): { pid: number; command: string }[] {
    const found: { pid: number; command: string }[] = []
    for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
      try {
        const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
        if (command.includes(this.dir) && Number(name) !== process.pid)
          found.push({ pid: Number(name), command })
      } catch {
        // Gone meanwhile.
      }
    }
    return found
  }

  /** The same, at once and without waiting, when the process exits without `close()`. */
  private closeSync(): void {
    if (this.closed) return
    this.closed = true
    this.unhook()
    for (const daemon of this.daemons) {
      signal(daemon.pid, 'SIGKILL')
      signal(-daemon.pid, 'SIGKILL')
    }
    for (const { pid } of this.leftovers()) signal(pid, 'SIGKILL')
    for (const step of this.undo.reverse()) {
      try {
        void step.run()
      } catch {
        // Nothing more can be done while exiting.
      }
    }
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** `promise`, or 'late' after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)))
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

/** Runs a command to its end; a failure throws with what the command said. */
function runSync(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 })
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim()
    throw new Error(stderr || (err as Error).message, { cause: err })
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}

function passwdEntry(name: string): string | undefined {
  return readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((line) => line.startsWith(`${name}:`))
}

/** The uid and gid of a system account. */
export function accountOf(name: string): Account {
  const entry = passwdEntry(name)
  if (!entry) throw new Error(`no system account "${name}"`)
  const [, , uid, gid] = entry.split(':')
  return { name, uid: Number(uid), gid: Number(gid) }
}
