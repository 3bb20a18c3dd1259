/**
 * `tcp`: connects to the port and, when a match option is set, reads the banner the server sends
 * first (at most 4 KiB) and matches it.
 *
 * Options:
 * - `expect_regex`: a regular expression the banner must match (`^SSH-2\.0-`).
 * - `expect`: text the banner must contain (a list: any of them).
 *
 * Stages: `connect` (refused, unreachable, timed out), `match` (no banner, or a banner that does
 * not match within 4 KiB or before the timeout).
 *
 * @example
 * # competition.yaml
 * - { name: smtp-port, type: tcp, port: 25, options: { expect_regex: "^220 " } }
 */
import type { Socket } from 'node:net'
import {
  compileRegex,
  expectOptions,
  failureOf,
  hasExpectations,
  matchExpected,
  regexMatches,
  lazily,
} from '../src/check-options.ts'
import { ServiceType, z, type CheckContext, type Service, type Stage } from '../src/sdk.ts'
import { connectTcp, readUpTo } from './socket.ts'

export const MAX_BANNER_BYTES = 4096

export const tcpOptions = lazily(() =>
  z.object({ expect: expectOptions().expect, expect_regex: expectOptions().expect_regex }).strict(),
)

export type TcpOptions = z.output<ReturnType<typeof tcpOptions>>

export class TcpCheck extends ServiceType<TcpOptions> {
  static override shortName = 'tcp'
  static override description = 'TCP connect, optional banner match'
  static override options = tcpOptions

  override async doCheck(service: Service<TcpOptions>, ctx: CheckContext): Promise<void> {
    let stage: Stage = 'connect'
    try {
      ctx.stage(stage)
      const socket = await connectTcp(service.host, service.port, ctx.signal)
      try {
        if (hasExpectations(service.options)) {
          ctx.stage((stage = 'match'))
          const banner = await this.readBanner(socket, service.options, ctx.signal)
          ctx.debug(`banner: ${JSON.stringify(banner.slice(0, 200))}`)
          matchExpected(banner, service.options, 'banner')
        }
      } finally {
        socket.destroy()
      }
    } catch (err) {
      this.log(service, 'connect', false)
      throw failureOf(err, stage)
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'connect', true)
  }

  /** Reads until the banner matches, the server stops, or 4 KiB came. */
  private async readBanner(socket: Socket, options: TcpOptions, signal: AbortSignal): Promise<string> {
    const regex = options.expect_regex === undefined ? undefined : compileRegex(options.expect_regex)
    const matches = (text: string) =>
      (regex === undefined || regexMatches(regex, text)) &&
      (options.expect?.some((e) => text.includes(e)) ?? true)
    const { data } = await readUpTo(socket, MAX_BANNER_BYTES, signal, (d) => matches(d.toString('utf8')))
    return data.toString('utf8')
  }
}
