/**
 * What every demo target server returns once it listens, and the small helpers they share. The
 * demo servers listen on loopback by default: they are targets for the tests and for `scanner demo`,
 * never services to expose.
 */
import type { AddressInfo, Server, Socket } from 'node:net'

/** A demo target server that is listening. */
export interface RunningServer {
  readonly host: string
  readonly port: number
  /** Stops listening and ends every open connection. */
  close(): Promise<void>
}

/** Where a demo server listens: 127.0.0.1 and a free port unless told otherwise. */
export interface ListenOptions {
  host?: string
  port?: number
}

export const DEFAULT_HOST = '127.0.0.1'

/** Starts `server` listening and resolves with the port it got. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

/** The open sockets of a server, so that `close` does not wait for clients that never leave. */
export class SocketSet {
  readonly #sockets = new Set<Socket>()

  add(socket: Socket): void {
    this.#sockets.add(socket)
    socket.once('close', () => this.#sockets.delete(socket))
  }

  get size(): number {
    return this.#sockets.size
  }

  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy()
  }
}

/** Closes `server` after destroying its open sockets. */
export function closeServer(server: Server, sockets: SocketSet): Promise<void> {
  return new Promise((resolve) => {
    sockets.destroyAll()
    server.close(() => resolve())
  })
}
