import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { test } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { listen } from '../../src/demo/running-server.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'

/** A server that greets every client with `banner`. */
async function bannerServer(banner: string) {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy())
    socket.end(banner)
  })
  const port = await listen(server, '127.0.0.1', 0)
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

test('tcp: up when the port accepts a connection', async (t) => {
  const server = await startBlackhole()
  t.after(() => server.close())
  const { result, logs } = await runCheck(makeService({ subtype: 'tcp', port: server.port }))
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(result.score, 5)
  assert.equal(result.stage, null)
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : TCP connect to 127.0.0.1:${server.port}`])
})

test('tcp: up when the banner matches expect_regex', async (t) => {
  const server = await bannerServer('SSH-2.0-OpenSSH_9.6\r\n')
  t.after(() => server.close())
  const { result } = await runCheck(
    makeService({ subtype: 'tcp', port: server.port, options: { expect_regex: '^SSH-2\\.0-' } }),
  )
  assert.equal(result.up, true, result.error ?? '')
})

test('tcp: down with stage "match" when the banner does not match, quoting what was received', async (t) => {
  const server = await bannerServer('220 mail ESMTP\r\n')
  t.after(() => server.close())
  const { result, logs } = await runCheck(
    makeService({ subtype: 'tcp', port: server.port, options: { expect_regex: '^SSH-' } }),
  )
  assert.equal(result.up, false)
  assert.equal(result.stage, 'match')
  assert.match(result.error!, /banner does not match \/\^SSH-\/; received "220 mail ESMTP"/)
  assert.match(logs[0]!, /FAIL Team1 : TCP connect to/)
})

test('tcp: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(makeService({ subtype: 'tcp', port: await closedPort() }))
  assert.equal(result.up, false)
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('tcp: times out on time in stage "match" when the server never sends its banner, and lets go of the connection', async (t) => {
  const server = await startBlackhole()
  t.after(() => server.close())
  const service = makeService({
    subtype: 'tcp',
    port: server.port,
    timeoutMs: 1000,
    options: { expect_regex: 'x' },
  })
  const { result } = await runCheck(service)
  assert.equal(result.stage, 'match')
  assert.match(result.error!, /timed out after 1 s/)
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => server.openConnections === 0, 1000, 'connection closed')
})

test('tcp: a server that floods bytes is read no further than 4 KiB and fails the match at once', async (t) => {
  const server = await startFlood()
  t.after(() => server.close())
  const { result } = await runCheck(
    makeService({ subtype: 'tcp', port: server.port, options: { expect_regex: '^SSH-' } }),
  )
  assert.equal(result.stage, 'match')
  assert.match(result.error!, /received "AAAA/)
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => server.openConnections === 0, 1000, 'connection closed')
})

test('tcp: an expect_regex that does not compile is refused by the options schema', () => {
  assert.throws(() => makeService({ subtype: 'tcp', options: { expect_regex: '(' } }), /does not compile/)
})
