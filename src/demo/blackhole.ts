/**
 * Hostile targets: servers that accept and then never answer, to show that a check gives up at its
 * timeout and lets go of its connection.
 */
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import {
  DEFAULT_HOST,
  SocketSet,
  closeServer,
  listen,
  type ListenOptions,
  type RunningServer,
} from './running-server.ts'

/** A running blackhole; `openConnections` tells whether clients have let go. */
export interface Blackhole extends RunningServer {
  readonly openConnections: number
}

/** A TCP server that accepts every connection, reads and drops what it is sent, and never writes. */
export async function startBlackhole(options: ListenOptions = {}): Promise<Blackhole> {
  const host = options.host ?? DEFAULT_HOST
  const sockets = new SocketSet()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => socket.destroy())
    socket.resume()
  })
  const port = await listen(server, host, options.port ?? 0)
  return {
    host,
    port,
    get openConnections() {
      return sockets.size
    },
    close: () => closeServer(server, sockets),
  }
}

/** A UDP socket that receives every datagram and never replies (a DNS server that is not there). */
export async function startUdpBlackhole(options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  socket.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(options.port ?? 0, host, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  return {
    host,
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}
