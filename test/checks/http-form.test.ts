import assert from 'node:assert/strict'
import { X509Certificate, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Socket } from 'node:net'
import { test, type TestContext } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startFlood } from '../../src/demo/flood.ts'
import { SocketSet, listen } from '../../src/demo/running-server.ts'
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from '../../src/demo/tls-cert.ts'
import type { Service } from '../../src/service.ts'
import { closedPort, eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'
import { builtinTypes } from '../../checks/builtin-types.ts'
import { optionsSchema } from '../../src/service-type.ts'

const USERS: Record<string, string> = { alice: 'Winter2026!' }

function cookies(req: IncomingMessage): Record<string, string> {
  const found: Record<string, string> = {}
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name) found[name] = value.join('=')
  }
  return found
}

async function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

function loginPage(token: string, error = '', action = 'session'): string {
  return `<!doctype html><html><body><h1>Team 1 wiki</h1>${error}
<!-- <form action="/decoy"><input name="password"></form> -->
<form method="post" action="${action}">
  <input type="hidden" name="csrf_token" value="${token.replace('&', '&amp;')}">
  <label>User <input type="text" name="username" autofocus></label>
  <label>Password <input type="password" name="password"></label>
  <input type="checkbox" name="remember" value="1">
  <input type="submit" name="commit" value="Log in">
  <input type="submit" name="other" value="Other">
</form></body></html>`
}

/**
 * A login application: GET /login sets a session cookie and a CSRF token bound to it; POST
 * /session checks both, the fields a browser sends, and the credentials, then redirects (303) to
 * /dashboard, which needs the login cookie. Other routes misbehave on purpose.
 */
function loginApp(seen: { posts: URLSearchParams[] }): RequestListener {
  const sessions = new Map<string, { token: string; user?: string }>()
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const jar = cookies(req)
    const session = jar.sid === undefined ? undefined : sessions.get(jar.sid)
    const send = (status: number, body: string, headers: Record<string, string | string[]> = {}) => {
      res.writeHead(status, { 'content-type': 'text/html', ...headers })
      res.end(body)
    }
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /':
        return send(302, '', { location: '/login' })
      case 'GET /login': {
        const sid = randomBytes(8).toString('hex')
        const token = `${randomBytes(6).toString('hex')}&x`
        sessions.set(sid, { token })
        return send(200, loginPage(token, '', url.searchParams.get('action') ?? 'session'), {
          'set-cookie': [`sid=${sid}; Path=/; HttpOnly`, 'tracking=gone; Max-Age=0'],
        })
      }
      case 'POST /session':
      case 'POST /session-401':
      case 'POST /session-500':
      case 'POST /session-loop':
      case 'POST /session-away':
        return void readBody(req).then((form) => {
          seen.posts.push(form)
          if (session === undefined || form.get('csrf_token') !== session.token)
            return send(403, 'CSRF check failed')
          if (form.get('commit') !== 'Log in' || form.has('other') || form.has('remember')) {
            return send(400, 'not what a browser sends')
          }
          const user = form.get('username') ?? ''
          if (USERS[user] === undefined || USERS[user] !== form.get('password')) {
            if (url.pathname === '/session-401') return send(401, 'no')
            return send(200, loginPage(session.token, '<p class="error">Invalid credentials</p>'))
          }
          session.user = user
          if (url.pathname === '/session-500') return send(500, 'database is down')
          if (url.pathname === '/session-loop') return send(302, '', { location: '/session-loop' })
          if (url.pathname === '/session-away')
            return send(302, '', { location: 'https://127.0.0.1:1/elsewhere' })
          return send(303, '', { location: '/dashboard' })
        })
      case 'GET /dashboard':
      case 'GET /session-loop':
        if (session?.user === undefined) return send(302, '', { location: '/login' })
        if (url.pathname === '/session-loop') return send(302, '', { location: '/session-loop' })
        return send(200, `<p>Welcome back, ${session.user}!</p><a href="/logout">Log out</a>`)
      case 'GET /search':
        return send(200, '<form action="/search"><input name="q"></form>')
      case 'GET /pin':
        return send(
          200,
          '<form method="post" action="/session"><input name="pin"><input type="password" name="password"></form>',
        )
      case 'GET /endless': {
        res.writeHead(200, { 'content-type': 'text/html' })
        const pour = () => {
          while (!res.destroyed && res.write('<p>' + 'x'.repeat(16 * 1024) + '</p>'));
          if (!res.destroyed) res.once('drain', pour)
        }
        return pour()
      }
      default:
        return send(404, 'not found')
    }
  }
}

async function app(t: TestContext, tls = false) {
  const seen = { posts: [] as URLSearchParams[] }
  const sockets = new SocketSet()
  const listener = loginApp(seen)
  const server = tls
    ? createHttpsServer({ cert: DEMO_TLS_CERT, key: DEMO_TLS_KEY }, listener)
    : createServer(listener)
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => sockets.add(socket))
  const port = await listen(server, '127.0.0.1', 0)
  t.after(() => new Promise<void>((resolve) => (sockets.destroyAll(), server.close(() => resolve()))))
  return { port, seen, openConnections: () => sockets.size }
}

const alice = (port: number, options: Record<string, unknown> = {}, extra: Partial<Service> = {}) =>
  makeService({
    subtype: 'http-form',
    port,
    username: 'alice',
    password: 'Winter2026!',
    options: { login_url: '/login', ...options },
    ...extra,
  })

test('http-form: up when the login through the form lands on a page with expect (CSRF field and cookie carried over)', async (t) => {
  const s = await app(t)
  const { result, logs } = await runCheck(alice(s.port, { expect: 'Welcome back, alice' }))
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(result.score, 5)
  assert.deepEqual(logs, [`TeamWorker-1: Success Team1 : HTTP-FORM login at /login to 127.0.0.1:${s.port}`])
  assert.deepEqual([...s.seen.posts[0]!.keys()], ['csrf_token', 'username', 'password', 'commit'])
  await eventually(() => s.openConnections() === 0, 1000, 'connections closed')
})

test('http-form: without login_url the service url is the login page, and its redirect is followed', async (t) => {
  const s = await app(t)
  const service = makeService({
    subtype: 'http-form',
    port: s.port,
    url: '/',
    username: 'alice',
    password: 'Winter2026!',
    httpString: 'Log out',
  })
  const { result } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
})

test('http-form: down with stage "auth" when the form comes back after the login, with the partial points', async (t) => {
  const s = await app(t)
  const { result, logs } = await runCheck(
    alice(s.port, { expect: 'Welcome back', partial: 2 }, { password: 'Summer2026!' }),
  )
  assert.equal(result.up, false)
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused for user "alice": the login form came back (/session)')
  assert.equal(result.score, 2)
  assert.match(logs[0]!, /FAIL Team1 : HTTP-FORM login at \/login to/)
})

test('http-form: without expect, a login that does not bring the form back is up, and one that does is refused', async (t) => {
  const s = await app(t)
  const up = await runCheck(alice(s.port))
  assert.equal(up.result.up, true, up.result.error ?? '')
  const refused = await runCheck(alice(s.port, {}, { password: 'nope' }))
  assert.equal(refused.result.stage, 'auth')
  assert.equal(refused.result.score, 0)
})

test('http-form: down with stage "auth" on a 401 after the login', async (t) => {
  const s = await app(t)
  const { result } = await runCheck(
    alice(s.port, { login_url: '/login?action=/session-401' }, { password: 'nope' }),
  )
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'login refused for user "alice": HTTP 401 after POST /session-401')
})

test('http-form: down with stage "match" when the page after the login lacks expect, quoting it', async (t) => {
  const s = await app(t)
  const { result } = await runCheck(alice(s.port, { expect: 'Admin panel', partial: 1 }))
  assert.equal(result.stage, 'match')
  assert.match(
    result.error!,
    /^page after login \(\/dashboard\) does not contain "Admin panel"; received "<p>Welcome back, alice!/,
  )
  assert.equal(result.score, 1)
})

test('http-form: down with stage "auth" when the login page is missing or has no such form', async (t) => {
  const s = await app(t)
  const missing = await runCheck(alice(s.port, { login_url: '/wp-login.php' }))
  assert.equal(missing.result.stage, 'auth')
  assert.equal(missing.result.error, 'the login page did not load: HTTP 404 for GET /wp-login.php')
  const search = await runCheck(alice(s.port, { login_url: '/search' }))
  assert.equal(search.result.error, 'no login form on /search: no field named "password" (fields: "q")')
  const pin = await runCheck(alice(s.port, { login_url: '/pin' }))
  assert.equal(
    pin.result.error,
    'the login form on /pin has no field named "username" (fields: "pin", "password")',
  )
})

test('http-form: down with stage "action" on an error status or endless redirects after the login', async (t) => {
  const s = await app(t)
  const failed = await runCheck(alice(s.port, { login_url: '/login?action=/session-500' }))
  assert.equal(failed.result.stage, 'action')
  assert.equal(failed.result.error, 'HTTP 500 for /session-500 after the login')
  const looped = await runCheck(alice(s.port, { login_url: '/login?action=/session-loop' }))
  assert.equal(looped.result.stage, 'action')
  assert.equal(looped.result.error, 'more than 5 redirects (the last to "/session-loop")')
})

test('http-form: a redirect to another server is not followed', async (t) => {
  const s = await app(t)
  const { result } = await runCheck(alice(s.port, { login_url: '/login?action=/session-away' }))
  assert.equal(result.stage, 'auth')
  assert.match(
    result.error!,
    /sends the browser to "https:\/\/127\.0\.0\.1:1\/elsewhere", another server than http:\/\/127\.0\.0\.1:\d+/,
  )
})

test('http-form: a login page that never ends is read up to 1 MiB and fails at once', async (t) => {
  const s = await app(t)
  const { result } = await runCheck(alice(s.port, { login_url: '/endless' }))
  assert.equal(result.stage, 'auth')
  assert.match(result.error!, /^no login form on \/endless/)
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => s.openConnections() === 0, 1000, 'connection closed')
})

test('http-form: a server that floods bytes that are not HTTP fails at once', async (t) => {
  const flood = await startFlood()
  t.after(() => flood.close())
  const { result } = await runCheck(alice(flood.port))
  assert.equal(result.up, false)
  assert.match(result.error!, /not valid HTTP/)
  assert.ok(result.durationMs < 1000, `took ${result.durationMs} ms`)
  await eventually(() => flood.openConnections === 0, 1000, 'connection closed')
})

test('http-form: down with stage "connect" when the port is closed', async () => {
  const { result } = await runCheck(alice(await closedPort()))
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'connection refused')
})

test('http-form: times out on time in stage "auth" when the server never answers, and lets go of the connection', async (t) => {
  const hole = await startBlackhole()
  t.after(() => hole.close())
  const { result } = await runCheck(alice(hole.port, {}, { timeoutMs: 1000 }))
  assert.equal(result.stage, 'auth')
  assert.equal(result.error, 'timed out after 1 s')
  assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
  await eventually(() => hole.openConnections === 0, 1000, 'connection closed')
})

test('http-form: an https:// login_url speaks TLS, and a pinned fingerprint is enforced', async (t) => {
  const s = await app(t, true)
  const fingerprint = new X509Certificate(DEMO_TLS_CERT).fingerprint256
  const url = `https://127.0.0.1:${s.port}/login`
  const up = await runCheck(
    alice(s.port, { login_url: url, expect: 'Welcome back', tls_fingerprint: fingerprint }),
  )
  assert.equal(up.result.up, true, up.result.error ?? '')
  const wrong = await runCheck(alice(s.port, { login_url: url, tls_fingerprint: '00'.repeat(32) }))
  assert.equal(wrong.result.stage, 'tls')
  const plain = await runCheck(alice(s.port, { login_url: url, tls: 'none' }))
  assert.equal(plain.result.up, false)
})

test('http-form: the options schema refuses negative partial points and tls: starttls', () => {
  assert.throws(() => makeService({ subtype: 'http-form', options: { partial: -1 } }), /must not be negative/)
  assert.throws(
    () => makeService({ subtype: 'http-form', options: { tls: 'starttls' } }),
    /one of none, implicit/,
  )
  const { options } = makeService({ subtype: 'http-form', options: { partial: '2.5' } })
  assert.equal(options.partial, 2.5)
  assert.equal(options.user_field, 'username')
  assert.equal(options.pass_field, 'password')
  const once = makeService({
    subtype: 'http-form',
    options: { login_url: '/x', partial: '1', expect: 'y' },
  }).options
  assert.deepEqual(
    optionsSchema(builtinTypes().get('http-form')!).parse(once),
    once,
    'parsed options parse to themselves',
  )
})
