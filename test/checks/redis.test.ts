import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { test, type TestContext } from 'node:test'
import { createServer as createTlsServer } from 'node:tls'
import { X509Certificate } from 'node:crypto'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { SocketSet, listen } from '../../src/demo/running-server.ts'
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from '../../src/demo/tls-cert.ts'
import type { Service } from '../../src/service.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'
import { builtinTypes } from '../../checks/builtin-types.ts'
import { optionsSchema } from '../../src/service-type.ts'

interface RedisServerOptions {
  /** ACL users (Redis 6): name -> password; `default` is the one AUTH <password> logs in. */
  users?: Record<string, string>
  /** Redis before 6: AUTH takes the password alone. */
  legacy?: boolean
  tls?: boolean
}

/**
 * A small Redis: RESP arrays of bulk strings in, AUTH / PING / GET / QUIT, with keys of
 * `strings` and a list key `queue`. Without users it has no password at all.
 */
async function redisServer(t: TestContext, options: RedisServerOptions = {}) {
  const strings: Record<string, string> = {
    'flag:1': 'team1-4f9c2a',
    greeting: 'hello from team 1',
    big: 'x'.repeat(200 * 1024) + 'TAIL',
  }
  const sockets = new SocketSet()
  const commands: string[][] = []
  const handle = (socket: Socket) => {
    sockets.add(socket)
    socket.on('error', () => socket.destroy())
    let buffer = Buffer.alloc(0)
    let user: string | null = options.users ? null : 'default'
    const reply = (text: string) => socket.write(text)
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        const parsed = parseCommand(buffer)
        if (!parsed) return
        buffer = buffer.subarray(parsed.used)
        const [name = '', ...args] = parsed.args
        commands.push(parsed.args)
        const command = name.toUpperCase()
        if (command === 'AUTH') {
          if (!options.users)
            reply('-ERR AUTH <password> called without any password configured for the default user.\r\n')
          else if (args.length === 2 && options.legacy)
            reply("-ERR wrong number of arguments for 'auth' command\r\n")
          else {
            const [name, password] = args.length === 2 ? args : ['default', args[0]]
            if (name !== undefined && options.users[name] !== undefined && options.users[name] === password) {
              user = name
              reply('+OK\r\n')
            } else reply('-WRONGPASS invalid username-password pair or user is disabled.\r\n')
          }
        } else if (user === null) reply('-NOAUTH Authentication required.\r\n')
        else if (command === 'PING') reply('+PONG\r\n')
        else if (command === 'GET') {
          const key = args[0] ?? ''
          if (key === 'queue') reply('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n')
          else if (strings[key] === undefined) reply('$-1\r\n')
          else reply(`$${Buffer.byteLength(strings[key])}\r\n${strings[key]}\r\n`)
        } else reply(`-ERR unknown command '${name}'\r\n`)
      }
    })
  }
  const server = options.tls
    ? createTlsServer({ cert: DEMO_TLS_CERT, key: DEMO_TLS_KEY }, handle)
    : createServer(handle)
  const port = await listen(server, '127.0.0.1', 0)
  t.after(() => new Promise<void>((resolve) => (sockets.destroyAll(), server.close(() => resolve()))))
  return { port, commands, openConnections: () => sockets.size }
}

/** One RESP array of bulk strings at the start of `buffer`, or undefined if incomplete. */
function parseCommand(buffer: Buffer): { args: string[]; used: number } | undefined {
  const text = buffer.toString('latin1')
  const head = /^\*(\d+)\r\n/.exec(text)
  if (!head) return undefined
  let at = head[0].length
  const args: string[] = []
  for (let i = 0; i < Number(head[1]); i++) {
    const bulk = /^\$(\d+)\r\n/.exec(text.slice(at))
    if (!bulk) return undefined
    const start = at + bulk[0].length
    const end = start + Number(bulk[1])
    if (buffer.length < end + 2) return undefined
    args.push(buffer.subarray(start, end).toString('utf8'))
    at = end + 2
  }
  return { args, used: at }
}

/** A server that answers every command with `reply`. */
async function answering(t: TestContext, reply: Buffer | string) {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy())
    socket.on('data', () => socket.write(reply))
  })
  const port = await listen(server, '127.0.0.1', 0)
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { port }
}

const redis = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({ subtype: 'redis', port, options, ...extra })

test('redis: up when PING answers PONG after AUTH with username and password', async (t) => {
  const s = await redisServer(t, { users: { default: 'Winter2026!', alice: 'Alice2026!' } })
  const { result, logs } = await runCheck(redis(s.port, {}, { username: 'alice', password: 'Alice2026!' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(result.score, 5)
  assert.deepEqual(s.commands, [['AUTH', 'alice', 'Alice2026!'], ['PING']])
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : REDIS PING to 127.0.0.1:${s.port}`])
  await eventually(() => s.openConnections() === 0, 1000, 'connection closed')
})

test('redis: a password without a username is sent as AUTH <password>', async (t) => {
  const s = await redisServer(t, { users: { default: 'Winter2026!' } })
  const { result } = await runCheck(redis(s.port, {}, { password: 'Winter2026!' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(s.commands[0], ['AUTH', 'Winter2026!'])
})

test('redis: user "default" falls back to AUTH <password> on a server older than Redis 6', async (t) => {
  const s = await redisServer(t, { users: { default: 'Winter2026!' }, legacy: true })
  const { result } = await runCheck(redis(s.port, {}, { username: 'default', password: 'Winter2026!' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.deepEqual(s.commands.slice(0, 2), [
    ['AUTH', 'default', 'Winter2026!'],
    ['AUTH', 'Winter2026!'],
  ])
})

test('redis: up when GET key matches expect; a service without credentials sends no AUTH', async (t) => {
  const s = await redisServer(t)
  const { result, logs } = await runCheck(
    redis(s.port, {
      key: 'flag:1',
      expect: 'team1-',
      expect_exact: 'team1-4f9c2a',
      expect_regex: '^team1-[0-9a-f]+$',
    }),
  )
  assert.equal(result.up, true, result.error ?? '')
  assert.match(logs[0]!, /Success Team1 : REDIS GET flag:1 to/)
  assert.deepEqual(s.commands, [['GET', 'flag:1']])
})

test("redis: credentials against a server with no password: AUTH's error is ignored, as redis-cli does", async (t) => {
  const s = await redisServer(t)
  const { result } = await runCheck(redis(s.port, {}, { password: 'Winter2026!' }))
  assert.equal(result.up, true, result.error ?? '')
})

test('redis: down with stage "auth" when the password is wrong', async (t) => {
  const s = await redisServer(t, { users: { default: 'Winter2026!', alice: 'Alice2026!' } })
  const user = await runCheck(redis(s.port, {}, { username: 'alice', password: 'nope' }))
  assert.equal(user.result.stage, 'auth')
  assert.equal(user.result.error, 'login refused for user "alice"')
  const password = await runCheck(redis(s.port, {}, { password: 'nope' }))
  assert.equal(password.result.stage, 'auth')
  assert.equal(password.result.error, 'login refused for the password')
})

test('redis: down with stage "auth" when the server wants a password and the service has none', async (t) => {
  const s = await redisServer(t, { users: { default: 'Winter2026!' } })
  const { result } = await runCheck(redis(s.port))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'the server requires a password (NOAUTH) and the service has no credentials')
})

test('redis: down with stage "match" when the value does not contain expect, quoting it', async (t) => {
  const s = await redisServer(t)
  const { result } = await runCheck(redis(s.port, { key: 'greeting', expect: 'hacked' }))
  assert.equal(result.stage, 'match')
  assert.equal(
    result.error,
    'value of key "greeting" does not contain "hacked"; received "hello from team 1"',
  )
})

test('redis: down with stage "action" when the key is missing or not a string', async (t) => {
  const s = await redisServer(t)
  const missing = await runCheck(redis(s.port, { key: 'nope' }))
  assert.equal(missing.result.stage, 'action')
  assert.equal(missing.result.error, 'key "nope" does not exist')
  const list = await runCheck(redis(s.port, { key: 'queue' }))
  assert.equal(list.result.stage, 'action')
  assert.equal(list.result.error, 'GET queue: the key does not hold a string (WRONGTYPE)')
})

test('redis: a value larger than 64 KiB is read no further and matched on its start', async (t) => {
  const s = await redisServer(t)
  const found = await runCheck(redis(s.port, { key: 'big', expect: 'xxxx' }))
  assert.equal(found.result.up, true, found.result.error ?? '')
  const tail = await runCheck(redis(s.port, { key: 'big', expect: 'TAIL' }))
  assert.equal(tail.result.stage, 'match')
  assert.match(
    tail.result.error!,
    /^value of key "big" \(first 64 KiB of 204804 bytes\) does not contain "TAIL"/,
  )
})

test('redis: a bulk string declaring 2^50 bytes is not allocated: the check reads 64 KiB and goes on', async (t) => {
  const s = await startFlood({ greeting: `$${2 ** 50}\r\n`, payload: 'y' })
  t.after(() => s.close())
  const { result } = await runCheck(redis(s.port, { key: 'k', expect: 'yyy' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('redis: a server that floods bytes that are not RESP fails at once', async (t) => {
  const s = await startFlood()
  t.after(() => s.close())
  const { result } = await runCheck(redis(s.port))
  assert.equal(result.stage, 'action')
  assert.match(result.error!, /^the server does not speak Redis \(RESP\): it sent "AAAA/)
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections === 0, 1000, 'connection closed')
})

test('redis: an endless reply line is cut at 64 KiB', async (t) => {
  const s = await startFlood({ greeting: '+', payload: 'P' })
  t.after(() => s.close())
  const { result } = await runCheck(redis(s.port))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'the server sent a reply line longer than 64 KiB')
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
})

test('redis: an unexpected reply to PING fails stage "action"', async (t) => {
  const s = await answering(t, ':42\r\n')
  const { result } = await runCheck(redis(s.port))
  assert.equal(result.stage, 'action')
  assert.equal(result.error, 'PING was answered with the number 42, not PONG')
})

test('redis: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(redis(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('redis: times out on time in stage "auth" when the server never answers, and lets go of the connection', async (t) => {
  const hole = await startBlackhole()
  t.after(() => hole.close())
  const { result } = await runCheck(redis(hole.port, {}, { password: 'Winter2026!', timeoutMs: 1000 }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => hole.openConnections === 0, 1000, 'connection closed')
})

test('redis: tls: implicit TLS with a pinned certificate', async (t) => {
  const s = await redisServer(t, { tls: true, users: { default: 'Winter2026!' } })
  const fingerprint = new X509Certificate(DEMO_TLS_CERT).fingerprint256
  const pinned = await runCheck(
    redis(
      s.port,
      { tls: 'implicit', tls_fingerprint: fingerprint, key: 'greeting', expect: 'hello' },
      { password: 'Winter2026!' },
    ),
  )
  assert.equal(pinned.result.up, true, pinned.result.error ?? '')
  const wrong = await runCheck(
    redis(s.port, { tls: 'implicit', tls_fingerprint: '00'.repeat(32) }, { password: 'Winter2026!' }),
  )
  assert.equal(wrong.result.stage, 'tls')
  assert.match(wrong.result.error!, /not the pinned/)
})

test('redis: the options schema refuses expect without key and tls: starttls', () => {
  assert.throws(() => makeService({ subtype: 'redis', options: { expect: 'x' } }), /need a key/)
  assert.throws(
    () => makeService({ subtype: 'redis', options: { tls: 'starttls' } }),
    /one of none, implicit/,
  )
  assert.equal(makeService({ subtype: 'redis' }).port, 6379)
  const once = makeService({ subtype: 'redis', options: { key: 'k', expect: 1, tls: 'implicit' } }).options
  assert.deepEqual(
    optionsSchema(builtinTypes().get('redis')!).parse(once),
    once,
    'parsed options parse to themselves',
  )
})
