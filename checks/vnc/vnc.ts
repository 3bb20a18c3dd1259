/**
 * `vnc`: what a VNC viewer does to open a session. The RFB handshake (protocol 3.3, 3.7 or 3.8,
 * the highest the server offers), VNC authentication with the service's password (DES
 * challenge-response), the SecurityResult, then ClientInit (shared: other viewers stay connected)
 * and the ServerInit, whose desktop name is matched when a match option is set.
 *
 * The password is the only credential (the username is not used); VNC uses its first 8 bytes.
 * When the server offers both VNC authentication and None, the password is used. When it offers
 * only None, the check goes on without a password: it then proves that the server speaks RFB and
 * opens a desktop session, not that the password is right (the transcript says so). Other security
 * types (VeNCrypt, TLS, RA2, Apple...) are not supported: a server offering only those fails `auth`.
 *
 * Options:
 * - `expect` / `expect_regex` / `expect_exact`: matched against the desktop name the server sends
 *   (at most 4 KiB of it), for example `team1:1 (alice)`.
 *
 * Stages: `connect` (refused, or not an RFB server), `auth` (the server refused the connection or
 * offers no supported security type, or the password was refused), `action` (no ServerInit after
 * the login), `match` (the desktop name).
 *
 * @example
 * # competition.yaml
 * - { name: vnc, type: vnc, port: 5901, password: "{info.vnc_password}", options: { expect: "team{num}" } }
 */
import type { Socket } from 'node:net'
import {
  excerpt,
  expectOptions,
  failureOf,
  hasExpectations,
  matchExpected,
  lazily,
} from '../../src/check-options.ts'
import { CheckFailure, ServiceType, z, type CheckContext, type Service, type Stage } from '../../src/sdk.ts'
import { connectTcp } from '../socket.ts'
import { StreamReader } from '../stream-reader.ts'
import { desEncryptBlock } from './des.ts'

export const MAX_REASON_BYTES = 1024
export const MAX_NAME_BYTES = 4096

/** RFB security types (RFC 6143 and the IANA registry). */
export const SECURITY = { INVALID: 0, NONE: 1, VNC_AUTH: 2 } as const

const SECURITY_NAMES: Record<number, string> = {
  0: 'Invalid',
  1: 'None',
  2: 'VNC authentication',
  5: 'RA2',
  6: 'RA2ne',
  16: 'Tight',
  17: 'Ultra',
  18: 'TLS',
  19: 'VeNCrypt',
  20: 'SASL',
  21: 'MD5 hash',
  22: 'xvp',
  30: 'Apple Remote Desktop',
  113: 'MSLogonII',
}

export const vncOptions = lazily(() => z.object({ ...expectOptions() }).strict())

export type VncOptions = z.output<ReturnType<typeof vncOptions>>

/** The minor version of RFB 3.x spoken with a server that announced `major.minor`. */
export function agreedMinor(major: number, minor: number): 3 | 7 | 8 {
  if (major > 3 || minor >= 8) return 8
  return minor === 7 ? 7 : 3
}

/** The VNC authentication response: the challenge encrypted with the password as a DES key. */
export function vncAuthResponse(password: string, challenge: Buffer): Buffer {
  const key = Buffer.alloc(8)
  Buffer.from(password, 'utf8').copy(key, 0, 0, 8)
  // VNC puts each key byte in bit-reversed order (a quirk of the original implementation).
  for (let i = 0; i < 8; i++) {
    let b = key[i]!
    let r = 0
    for (let bit = 0; bit < 8; bit++) {
      r = (r << 1) | (b & 1)
      b >>= 1
    }
    key[i] = r
  }
  return Buffer.concat([
    desEncryptBlock(key, challenge.subarray(0, 8)),
    desEncryptBlock(key, challenge.subarray(8, 16)),
  ])
}

export class VncCheck extends ServiceType<VncOptions> {
  static override shortName = 'vnc'
  static override description = 'RFB handshake, VNC authentication with the password, desktop name matched'
  static override defaultPort = 5900
  static override options = vncOptions

  override async doCheck(service: Service<VncOptions>, ctx: CheckContext): Promise<void> {
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    let socket: Socket | undefined
    try {
      mark('connect')
      socket = await connectTcp(service.host, service.port, ctx.signal)
      const reader = new StreamReader(socket, ctx.signal)
      const minor = await this.version(reader, socket, ctx)
      mark('auth')
      await this.authenticate(service, reader, socket, minor, ctx)
      mark('action')
      socket.write(Buffer.from([1]))
      const { width, height, name } = await serverInit(reader)
      ctx.debug(`desktop ${width}x${height} named ${excerpt(name, 200)}`)
      if (hasExpectations(service.options)) {
        mark('match')
        matchExpected(name, service.options, 'desktop name')
      }
    } catch (err) {
      this.log(service, 'login', false)
      throw failureOf(err, stage)
    } finally {
      socket?.destroy()
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'login', true)
  }

  /** Reads the server's ProtocolVersion and answers with the version both speak. */
  private async version(reader: StreamReader, socket: Socket, ctx: CheckContext): Promise<3 | 7 | 8> {
    const greeting = await reader.read(12, 'not a VNC server: it closed the connection without a greeting')
    const text = greeting.toString('latin1')
    const version = /^RFB (\d{3})\.(\d{3})\n$/.exec(text)
    if (!version) {
      throw new CheckFailure('connect', `not a VNC server: it sent ${excerpt(text, 40)}`)
    }
    const minor = agreedMinor(Number(version[1]), Number(version[2]))
    ctx.debug(`server RFB ${version[1]}.${version[2]}, speaking 3.${minor}`)
    socket.write(`RFB 003.00${minor}\n`)
    return minor
  }

  /** Chooses the security type, authenticates and reads the SecurityResult. */
  private async authenticate(
    service: Service<VncOptions>,
    reader: StreamReader,
    socket: Socket,
    minor: 3 | 7 | 8,
    ctx: CheckContext,
  ): Promise<void> {
    let type: number
    if (minor === 3) {
      type = await reader.uint32()
      if (type === SECURITY.INVALID) await refused(reader)
      if (type !== SECURITY.NONE && type !== SECURITY.VNC_AUTH) throw unsupported([type])
    } else {
      const count = await reader.uint8()
      if (count === 0) await refused(reader)
      const offered = [...(await reader.read(count))]
      ctx.debug(`security types offered: ${offered.map(securityName).join(', ')}`)
      if (offered.includes(SECURITY.VNC_AUTH)) type = SECURITY.VNC_AUTH
      else if (offered.includes(SECURITY.NONE)) type = SECURITY.NONE
      else throw unsupported(offered)
      socket.write(Buffer.from([type]))
    }
    if (type === SECURITY.VNC_AUTH) {
      const password = service.password ?? this.getCredentials(service).password
      const challenge = await reader.read(16)
      socket.write(vncAuthResponse(password, challenge))
    } else {
      ctx.debug('the server asks for no password (security type None): the password is not tested')
      // RFB 3.3 and 3.7 send no SecurityResult after None.
      if (minor !== 8) return
    }
    const result = await reader.uint32()
    if (result !== 0) {
      const reason = minor === 8 ? await reasonString(reader).catch(() => '') : ''
      throw new CheckFailure('auth', `VNC password refused${reason ? `: ${excerpt(reason)}` : ''}`)
    }
  }
}

function securityName(type: number): string {
  return SECURITY_NAMES[type] ?? `type ${type}`
}

function unsupported(offered: number[]): CheckFailure {
  return new CheckFailure(
    'auth',
    `the server offers no security type the check supports (it offers ${offered.map(securityName).join(', ')}; ` +
      'supported: VNC authentication, None)',
  )
}

/** A reason string: a 32-bit length and that many bytes, of which at most 1 KiB are read. */
async function reasonString(reader: StreamReader): Promise<string> {
  const length = await reader.uint32()
  const bytes = await reader.read(Math.min(length, MAX_REASON_BYTES))
  return bytes.toString('utf8')
}

/** The server refused the connection before authentication: its reason, when it gave one. */
async function refused(reader: StreamReader): Promise<never> {
  const reason = await reasonString(reader).catch(() => '')
  throw new CheckFailure(
    'auth',
    `the server refused the connection${reason ? `: ${excerpt(reason)}` : ' without a reason'}`,
  )
}

/** Reads the ServerInit: the desktop's size and name (at most 4 KiB of it). */
async function serverInit(reader: StreamReader): Promise<{ width: number; height: number; name: string }> {
  const closed = 'the server closed the connection instead of opening the desktop session'
  const header = await reader.read(24, closed)
  const length = header.readUInt32BE(20)
  const name = await reader.read(Math.min(length, MAX_NAME_BYTES), closed)
  return { width: header.readUInt16BE(0), height: header.readUInt16BE(2), name: name.toString('utf8') }
}
