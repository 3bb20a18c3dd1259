/**
 * `icmp`: sends `count` ICMP echo requests to the host with the system `ping` command (iputils)
 * and is up when at least one echo reply comes back within the timeout. The requests are spread
 * over the first half of the timeout and ping waits for replies until just before it ends; the
 * loss and round-trip times go to the check's transcript. `ping` runs as a child process with a
 * fixed argument list (no shell), in the C locale, and is killed when the check times out; at most
 * 16 KiB of its output is kept. The host only: ICMP has no port (a port in the config is ignored).
 *
 * Options:
 * - `count`: echo requests to send, 1 to 20 (1). More than one tolerates a lost packet: one reply
 *   is enough. Requests are at least 100 ms apart, so `count` x 0.2 s should fit in the timeout
 *   (20 requests in the default 10 s are 255 ms apart); a count that does not fit times out.
 *
 * Stages: `connect` only: no reply (`no echo reply from H (3 sent, 0 received)`), an unreachable
 * network, a host name that does not resolve, or a `ping` that cannot run.
 *
 * @example
 * # competition.yaml
 * - { name: router, type: icmp, host: "10.0.{num}.1", options: { count: 3 } }
 */
import { spawn } from 'node:child_process'
import { failureOf, integer, lazily } from '../src/check-options.ts'
import { CheckFailure, ServiceType, z, type CheckContext, type Service } from '../src/sdk.ts'

export const MAX_PING_OUTPUT_BYTES = 16 * 1024
/** Time kept at the end of the timeout for ping to report and exit. */
const MARGIN_S = 0.3
/** Requests are at least 100 ms apart (iputils allows 2 ms without privileges: be gentler). */
const MIN_INTERVAL_S = 0.1

export const icmpOptions = lazily(() => z.object({ count: integer(1, 20).default(1) }).strict())

export type IcmpOptions = z.output<ReturnType<typeof icmpOptions>>

/** What `ping` reported. */
export interface PingReport {
  sent: number
  received: number
  /** `min/avg/max/mdev` in milliseconds, when any reply came. */
  rtt: string | undefined
}

export class IcmpCheck extends ServiceType<IcmpOptions> {
  static override shortName = 'icmp'
  static override description = 'ICMP echo (system ping): at least one reply within the timeout'
  static override defaultPort = 0
  static override options = icmpOptions

  override async doCheck(service: Service<IcmpOptions>, ctx: CheckContext): Promise<void> {
    ctx.stage('connect')
    try {
      const args = pingArguments(service.host, service.options.count, ctx.timeoutMs)
      ctx.debug(`$ ping ${args.join(' ')}`)
      const output = await runPing(args, ctx.signal)
      ctx.debug(output.stdout.trim())
      const report = parsePing(output.stdout)
      if (report === undefined || report.received === 0) {
        throw new CheckFailure('connect', noReply(service.host, report, output.stderr), {
          debug: output.stderr || undefined,
        })
      }
      const loss = report.sent - report.received
      ctx.debug(
        `${report.received} of ${report.sent} echo requests answered` +
          (loss > 0 ? ` (${loss} lost)` : '') +
          (report.rtt ? `, rtt min/avg/max/mdev ${report.rtt} ms` : ''),
      )
    } catch (err) {
      this.log(service, 'ping', false)
      throw failureOf(err, 'connect')
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'ping', true)
  }
}

/**
 * The arguments of `ping` for `count` requests within `timeoutMs`: numeric output, requests spread
 * over half the time left, and a wait for replies that ends before the check's timeout.
 */
export function pingArguments(host: string, count: number, timeoutMs: number): string[] {
  if (host === '' || host.startsWith('-') || /\s/.test(host)) {
    throw new CheckFailure('connect', `invalid host ${JSON.stringify(host)}`)
  }
  const budget = Math.max(0.2, timeoutMs / 1000 - MARGIN_S)
  const interval = count > 1 ? Math.min(1, Math.max(MIN_INTERVAL_S, budget / 2 / (count - 1))) : 1
  const wait = Math.max(0.1, budget - (count - 1) * interval)
  const seconds = (s: number) => String(Math.round(s * 1000) / 1000)
  return ['-n', '-c', String(count), '-i', seconds(interval), '-W', seconds(wait), '--', host]
}

interface PingOutput {
  stdout: string
  stderr: string
}

/** Runs `ping`, keeping at most 16 KiB of its output; killed when `signal` aborts. */
function runPing(args: string[], signal: AbortSignal): Promise<PingOutput> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error)
    const child = spawn('ping', args, {
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const kill = () => child.kill('SIGKILL')
    signal.addEventListener('abort', kill, { once: true })
    const out = { stdout: '', stderr: '' }
    const collect = (key: keyof PingOutput) => (chunk: Buffer) => {
      const room = MAX_PING_OUTPUT_BYTES - out[key].length
      if (room > 0) out[key] += chunk.toString('utf8', 0, Math.min(chunk.length, room))
    }
    child.stdout.on('data', collect('stdout'))
    child.stderr.on('data', collect('stderr'))
    child.once('error', (err: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', kill)
      if (signal.aborted) return reject(signal.reason as Error)
      reject(
        err.code === 'ENOENT'
          ? new CheckFailure('connect', 'the system "ping" command is not installed', { cause: err })
          : err,
      )
    })
    child.once('close', () => {
      signal.removeEventListener('abort', kill)
      if (signal.aborted) return reject(signal.reason as Error)
      resolve(out)
    })
  })
}

/** The counts and round-trip times of iputils `ping` output (C locale), or undefined without them. */
export function parsePing(stdout: string): PingReport | undefined {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(stdout)
  if (!counts) return undefined
  const rtt = /= ([\d.]+\/[\d.]+\/[\d.]+\/[\d.]+) ms/.exec(stdout)
  return { sent: Number(counts[1]), received: Number(counts[2]), rtt: rtt?.[1] }
}

/** Why no reply came, in words: ping's own error when it gave one. */
function noReply(host: string, report: PingReport | undefined, stderr: string): string {
  if (report !== undefined) return `no echo reply from ${host} (${report.sent} sent, 0 received)`
  const said =
    stderr
      .trim()
      .split('\n')[0]
      ?.replace(/^ping: /, '') ?? ''
  if (/Network is unreachable/i.test(said)) return 'network unreachable'
  if (/No route to host/i.test(said)) return 'host unreachable'
  if (/Name or service not known|Temporary failure in name resolution|No address/i.test(said)) {
    return `host name ${JSON.stringify(host)} not found`
  }
  return said ? `ping failed: ${said.slice(0, 200)}` : `no echo reply from ${host}`
}
