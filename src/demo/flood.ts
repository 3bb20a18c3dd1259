/**
 * A hostile target: a TCP server that accepts and sends bytes forever, as fast as the client reads
 * them, to show that a check caps what it reads and still finishes.
 */
import { createServer, type Socket } from 'node:net'
import {
  DEFAULT_HOST,
  SocketSet,
  closeServer,
  listen,
  type ListenOptions,
  type RunningServer,
} from './running-server.ts'

export interface FloodOptions extends ListenOptions {
  /** Sent first, once (a plausible greeting before the flood). */
  greeting?: string | Buffer
  /** Sent over and over (`A` by default), in writes of at least 64 KiB. */
  payload?: string | Buffer
}

/** A running flood; `bytesSent` counts what it managed to push to its clients. */
export interface Flood extends RunningServer {
  readonly bytesSent: number
  readonly openConnections: number
}

export async function startFlood(options: FloodOptions = {}): Promise<Flood> {
  const host = options.host ?? DEFAULT_HOST
  const given = Buffer.from(options.payload ?? 'A')
  const unit = given.length > 0 ? given : Buffer.from('A')
  // Small writes would cost the event loop more than the client: send at least 64 KiB at a time.
  const payload = Buffer.concat(Array<Buffer>(Math.ceil((64 * 1024) / unit.length)).fill(unit))
  const sockets = new SocketSet()
  let bytesSent = 0

  const pour = (socket: Socket): void => {
    while (!socket.destroyed && socket.writable) {
      bytesSent += payload.length
      if (!socket.write(payload)) {
        socket.once('drain', () => pour(socket))
        return
      }
    }
  }

  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => socket.destroy())
    socket.resume()
    if (options.greeting !== undefined) socket.write(options.greeting)
    pour(socket)
  })
  const port = await listen(server, host, options.port ?? 0)
  return {
    host,
    port,
    get bytesSent() {
      return bytesSent
    },
    get openConnections() {
      return sockets.size
    },
    close: () => closeServer(server, sockets),
  }
}
