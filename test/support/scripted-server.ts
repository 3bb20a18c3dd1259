/**
 * A TCP server that answers the n-th chunk a client sends with the n-th of `replies` (and sends
 * `greeting` first, when given): enough to play a broken database server byte for byte.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net'

export interface ScriptedServer {
  port: number
  readonly openConnections: number
  close(): Promise<void>
}

export async function startScriptedServer(replies: Buffer[], greeting?: Buffer): Promise<ScriptedServer> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    if (greeting) socket.write(greeting)
    let n = 0
    socket.on('data', () => {
      const reply = replies[n++]
      if (reply) socket.write(reply)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    get openConnections() {
      return sockets.size
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
