/**
 * `rdp`: what a Remote Desktop client does first. It sends an X.224 Connection Request (in TPKT)
 * asking for TLS or CredSSP (NLA), validates the Connection Confirm, and when the server selected
 * TLS or CredSSP, completes the TLS handshake.
 *
 * Options:
 * - `nla`: require the server to select CredSSP (Network Level Authentication) (false). The NLA
 *   login itself (CredSSP with NTLM and the credentials) is not done yet: the check stops after
 *   the TLS handshake either way.
 * - `tls_verify`: check the server's certificate (false: RDP servers use self-signed ones).
 * - `tls_fingerprint`: the certificate's SHA-256 fingerprint must be this one (pinning).
 *
 * Stages: `connect` (refused, or not an RDP server: no or a malformed Connection Confirm),
 * `action` (the server refused the negotiation, or does not offer NLA when `nla` is set), `tls`.
 *
 * @example
 * # competition.yaml
 * - { name: rdp, type: rdp, host: "10.0.{num}.30", options: { nla: true } }
 */
import { excerpt, failureOf, flag, tlsCertificateOptions, lazily } from '../src/check-options.ts'
import { CheckFailure, ServiceType, z, type CheckContext, type Service, type Stage } from '../src/sdk.ts'
import { connectTcp, readUpTo, startTls } from './socket.ts'

/** Protocols of an RDP negotiation (MS-RDPBCGR 2.2.1.1.1). */
export const RDP_PROTOCOL = { RDP: 0, SSL: 1, HYBRID: 2, RDSTLS: 4, HYBRID_EX: 8 } as const

const KNOWN_PROTOCOLS = new Set<number>(Object.values(RDP_PROTOCOL))
const NEG_RESPONSE = 0x02
const NEG_FAILURE = 0x03
const CONNECTION_CONFIRM = 0xd0
const MAX_CONFIRM_BYTES = 1024

const FAILURE_REASONS: Record<number, string> = {
  1: 'the server requires TLS',
  2: 'the server does not allow TLS',
  3: 'the server has no certificate for TLS',
  4: 'the server found the request inconsistent',
  5: 'the server requires CredSSP (NLA)',
  6: 'the server requires TLS with user authentication',
}

/** The keys of the `rdp` options, shared with `remote-admin`. */
export const rdpOptionsShape = lazily(() => ({
  nla: flag().default(false),
  ...tlsCertificateOptions(),
}))

export const rdpOptions = lazily(() => z.object(rdpOptionsShape()).strict())

export type RdpOptions = z.output<ReturnType<typeof rdpOptions>>

export class RdpCheck extends ServiceType<RdpOptions> {
  static override shortName = 'rdp'
  static override description = 'X.224 connection request/confirm, then the TLS handshake the server selects'
  static override defaultPort = 3389
  static override options = rdpOptions

  override async doCheck(service: Service<RdpOptions>, ctx: CheckContext): Promise<void> {
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    try {
      mark('connect')
      const socket = await connectTcp(service.host, service.port, ctx.signal)
      try {
        socket.write(connectionRequest(service.username))
        const { data } = await readUpTo(socket, MAX_CONFIRM_BYTES, ctx.signal, tpktComplete)
        const selected = parseConfirm(data)
        ctx.debug(`Connection Confirm selected protocol ${selected}`)
        if (service.options.nla && selected !== RDP_PROTOCOL.HYBRID && selected !== RDP_PROTOCOL.HYBRID_EX) {
          throw new CheckFailure(
            'action',
            `the server does not offer NLA (it selected ${protocolName(selected)})`,
          )
        }
        if (selected !== RDP_PROTOCOL.RDP) {
          mark('tls')
          const tls = await startTls(
            socket,
            {
              name: service.host,
              verify: service.options.tls_verify,
              fingerprint: service.options.tls_fingerprint,
            },
            ctx.signal,
          )
          ctx.debug(`TLS ${tls.getProtocol() ?? ''} ${tls.getCipher().name}`)
          tls.destroy()
        }
      } finally {
        socket.destroy()
      }
    } catch (err) {
      this.log(service, 'handshake', false)
      throw failureOf(err, stage)
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'handshake', true)
  }
}

/** TPKT + X.224 Connection Request with a routing cookie and an RDP_NEG_REQ for TLS and CredSSP. */
export function connectionRequest(username: string | null): Buffer {
  const user = (username ?? 'scanner').replace(/[^\w.-]/g, '').slice(0, 9) || 'scanner'
  const cookie = Buffer.from(`Cookie: mstshash=${user}\r\n`, 'ascii')
  const negotiation = Buffer.alloc(8)
  negotiation.writeUInt8(0x01, 0)
  negotiation.writeUInt16LE(8, 2)
  negotiation.writeUInt32LE(RDP_PROTOCOL.SSL | RDP_PROTOCOL.HYBRID, 4)
  const x224 = Buffer.concat([Buffer.from([6 + cookie.length + 8, 0xe0, 0, 0, 0, 0, 0]), cookie, negotiation])
  const tpkt = Buffer.from([3, 0, 0, 0])
  tpkt.writeUInt16BE(4 + x224.length, 2)
  return Buffer.concat([tpkt, x224])
}

/** Whether the Connection Confirm has come whole, or its header already shows it is garbage. */
function tpktComplete(data: Buffer): boolean {
  if (data.length < 4) return false
  const length = data.readUInt16BE(2)
  return data[0] !== 3 || length < 11 || length > MAX_CONFIRM_BYTES || data.length >= length
}

/** The protocol a Connection Confirm selects; throws when it is not one or refuses. */
export function parseConfirm(data: Buffer): number {
  const garbage = (why: string) =>
    new CheckFailure('connect', `not an RDP server: ${why}`, {
      debug: `received ${excerpt(data.toString('latin1'), 200)}`,
    })
  if (data.length === 0) throw garbage('it closed the connection without answering')
  if (data.length < 4 || data[0] !== 3 || data[1] !== 0) throw garbage('the answer is not a TPKT packet')
  const length = data.readUInt16BE(2)
  if (length < 11 || length > MAX_CONFIRM_BYTES) throw garbage(`TPKT length ${length} is out of range`)
  if (data.length < length) throw garbage(`the answer stops after ${data.length} of ${length} bytes`)
  const li = data.readUInt8(4)
  if ((data.readUInt8(5) & 0xf0) !== CONNECTION_CONFIRM || li < 6 || li + 5 > length) {
    throw garbage('the answer is not an X.224 Connection Confirm')
  }
  // No negotiation data: an old server that only does standard RDP security.
  if (li < 6 + 8) return RDP_PROTOCOL.RDP
  const type = data.readUInt8(11)
  const value = data.readUInt32LE(15)
  if (type === NEG_FAILURE) {
    const reason = FAILURE_REASONS[value] ?? `failure code ${value}`
    throw new CheckFailure('action', `the server refused the connection: ${reason}`)
  }
  if (type !== NEG_RESPONSE) throw garbage(`unknown negotiation message type ${type}`)
  if (!KNOWN_PROTOCOLS.has(value)) throw garbage(`the server selected unknown protocol ${value}`)
  return value
}

function protocolName(protocol: number): string {
  const entry = Object.entries(RDP_PROTOCOL).find(([, v]) => v === protocol)
  return entry ? entry[0] : `protocol ${protocol}`
}
