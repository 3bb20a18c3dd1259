/**
 * A sign of life from an SNMP agent, whatever its community: over UDP an agent ignores a request
 * with a wrong community, so silence alone cannot tell "no agent" from "wrong community". The
 * probe sends an SNMPv3 engine discovery (no user, no community), which an SNMPv3-capable agent
 * answers with a Report however it is configured, on a connected socket, where a closed port
 * shows as "connection refused" (ICMP port unreachable) instead of silence.
 */
import { createSocket, type Socket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import { randomInt } from 'node:crypto'

export type ProbeOutcome = 'answered' | 'refused'

/** A running probe; `close` is safe to call at any time, more than once. */
export interface AgentProbe {
  close(): void
}

/** Sends the probe and calls `onOutcome` once, when the agent answers or the port is refused. */
export function probeAgent(
  host: string,
  port: number,
  onOutcome: (outcome: ProbeOutcome) => void,
): AgentProbe {
  const socket: Socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4')
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    socket.close()
  }
  const settle = (outcome: ProbeOutcome) => {
    if (closed) return
    close()
    onOutcome(outcome)
  }
  socket.on('error', (err: Error & { code?: string }) => {
    if (err.code === 'ECONNREFUSED') settle('refused')
    else close()
  })
  // Connected: only the agent's address and port can answer.
  socket.on('message', () => settle('answered'))
  socket.connect(port, host, () => {
    if (!closed) socket.send(discoveryMessage(), () => undefined)
  })
  return { close }
}

/** An SNMPv3 GetRequest with no engine ID, user or variables, flagged reportable (RFC 3414 4). */
export function discoveryMessage(): Buffer {
  const empty = octets(Buffer.alloc(0))
  const securityParameters = tlv(0x30, empty, integer(0), integer(0), empty, empty, empty)
  const pdu = tlv(0xa0, integer(randomInt(1, 2 ** 31 - 1)), integer(0), integer(0), tlv(0x30))
  return tlv(
    0x30,
    integer(3),
    tlv(0x30, integer(randomInt(1, 2 ** 31 - 1)), integer(65507), octets(Buffer.from([0x04])), integer(3)),
    octets(securityParameters),
    tlv(0x30, empty, empty, pdu),
  )
}

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts)
  const n = content.length
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]
  return Buffer.concat([Buffer.from([tag, ...length]), content])
}

function octets(value: Buffer): Buffer {
  return tlv(0x04, value)
}

/** A non-negative INTEGER in the fewest bytes (a leading zero keeps it positive). */
function integer(value: number): Buffer {
  const bytes: number[] = []
  let rest = value
  do {
    bytes.unshift(rest & 0xff)
    rest = Math.floor(rest / 0x100)
  } while (rest > 0)
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0)
  return tlv(0x02, Buffer.from(bytes))
}
