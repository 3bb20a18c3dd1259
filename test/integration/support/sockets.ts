/**
 * The IPv4 sockets bound on this machine, read from /proc/net: to wait for a daemon to listen
 * without connecting to it, and to refuse to start when an address the suite needs is taken.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

export type Protocol = 'tcp' | 'udp'

export interface BoundSocket {
  address: string
  port: number
  inode: string
}

/** TCP sockets in LISTEN, or bound UDP sockets. */
export function listeningSockets(protocol: Protocol): BoundSocket[] {
  const lines = readFileSync(`/proc/net/${protocol}`, 'utf8').trim().split('\n').slice(1)
  const sockets: BoundSocket[] = []
  for (const line of lines) {
    const fields = line.trim().split(/\s+/)
    const [local, remote, state, inode] = [fields[1], fields[2], fields[3], fields[9]]
    if (!local || !remote || !state || !inode) continue
    // TCP LISTEN is 0A; a bound UDP socket that is not connected has no remote address.
    if (protocol === 'tcp' ? state !== '0A' : remote !== '00000000:0000') continue
    const [hex, port] = local.split(':') as [string, string]
    const address = [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.')
    sockets.push({ address, port: parseInt(port, 16), inode })
  }
  return sockets
}

/** `PID (command)` of the processes holding a socket, for error messages. */
export function holdersOf(inode: string): string[] {
  const holders: string[] = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const fds = readdirSync(`/proc/${pid}/fd`)
      if (fds.some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`)) {
        holders.push(`${pid} (${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()})`)
      }
    } catch {
      // The process ended meanwhile, or is not ours to read.
    }
  }
  return holders
}

/**
 * The endpoints among `wanted` already taken, by a socket on that address or on 0.0.0.0, with who
 * holds them: `tcp 127.0.1.1:22 is taken by 812 (sshd)`.
 */
export function takenEndpoints(wanted: { protocol: Protocol; address: string; port: number }[]): string[] {
  const bound = { tcp: listeningSockets('tcp'), udp: listeningSockets('udp') }
  const taken: string[] = []
  for (const want of wanted) {
    const socket = bound[want.protocol].find(
      (s) => s.port === want.port && (s.address === want.address || s.address === '0.0.0.0'),
    )
    if (socket) {
      const holders = holdersOf(socket.inode)
      taken.push(
        `${want.protocol} ${want.address}:${want.port} is taken by ${holders.join(', ') || 'another process'}` +
          (socket.address === '0.0.0.0' ? ' (bound to 0.0.0.0)' : ''),
      )
    }
  }
  return taken
}
