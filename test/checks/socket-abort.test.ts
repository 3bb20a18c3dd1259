import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createServer } from 'node:tls'
import { connectTcp, startTls } from '../../checks/socket.ts'
import { listen } from '../../src/demo/running-server.ts'
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from '../../src/demo/tls-cert.ts'

// Destroying the plain socket, then the TLS socket over it, right after the handshake crashes
// Node 24 (a segmentation fault): an abort must close them in the other order. A crash fails
// this whole file.
test('socket: a check that times out right after a TLS handshake closes its sockets without crashing', async (t) => {
  const server = createServer({ cert: DEMO_TLS_CERT, key: DEMO_TLS_KEY }, (socket) => {
    socket.on('error', () => socket.destroy())
    socket.resume()
  })
  const port = await listen(server, '127.0.0.1', 0)
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  for (let i = 0; i < 5; i++) {
    const controller = new AbortController()
    const tcp = await connectTcp('127.0.0.1', port, controller.signal)
    const tls = await startTls(tcp, { name: '127.0.0.1', verify: false }, controller.signal)
    controller.abort(new Error('timed out'))
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.ok(tls.destroyed && tcp.destroyed)
  }
})
