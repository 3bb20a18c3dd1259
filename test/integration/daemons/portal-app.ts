/**
 * The web application behind nginx's /portal/ (run as its own process: `node portal-app.ts SOCKET
 * USERNAME PASSWORD`), behaving like a typical PHP or Django login page:
 * - GET /portal/login: a form with a hidden `csrf_token` tied to a fresh `session` cookie;
 * - POST /portal/login (urlencoded `username`, `password`, `csrf_token`): with the session's token
 *   and the right credentials, 303 to /portal/dashboard and the session is logged in; otherwise
 *   200 with the form again and "Invalid username or password" (or 403 for a bad token);
 * - GET /portal/dashboard: "Welcome back, USER" for a logged-in session, else 302 to the login.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

const [socketPath, username, password] = process.argv.slice(2)
if (!socketPath || !username || password === undefined) {
  console.error('usage: portal-app.ts SOCKET USERNAME PASSWORD')
  process.exit(2)
}

interface Session {
  csrf: string
  user?: string
}
const sessions = new Map<string, Session>()

function loginPage(csrf: string, error = ''): string {
  return `<!doctype html>
<html><head><title>Staff portal</title></head><body>
<h1>Staff portal</h1>
${error ? `<p class="error">${error}</p>` : ''}
<form method="post" action="/portal/login">
  <input type="hidden" name="csrf_token" value="${csrf}">
  <label>Username <input type="text" name="username"></label>
  <label>Password <input type="password" name="password"></label>
  <button type="submit">Sign in</button>
</form>
</body></html>
`
}

function sessionOf(req: IncomingMessage): [string, Session] | undefined {
  const id = /(?:^|;\s*)session=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1]
  const session = id ? sessions.get(id) : undefined
  return id && session ? [id, session] : undefined
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers })
  res.end(body)
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = ''
  for await (const chunk of req) {
    body += String(chunk)
    if (body.length > 64 * 1024) break
  }
  return new URLSearchParams(body)
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]
  if (path === '/portal/login' && req.method === 'GET') {
    const id = randomBytes(16).toString('hex')
    const csrf = randomBytes(16).toString('hex')
    sessions.set(id, { csrf })
    send(res, 200, loginPage(csrf), { 'set-cookie': `session=${id}; Path=/portal; HttpOnly` })
  } else if (path === '/portal/login' && req.method === 'POST') {
    void readForm(req).then((form) => {
      const found = sessionOf(req)
      if (!found || form.get('csrf_token') !== found[1].csrf) {
        send(res, 403, '<h1>Forbidden</h1><p>CSRF token missing or incorrect.</p>')
      } else if (form.get('username') === username && form.get('password') === password) {
        found[1].user = username
        send(res, 303, '', { location: '/portal/dashboard' })
      } else {
        send(res, 200, loginPage(found[1].csrf, 'Invalid username or password'))
      }
    })
  } else if (path === '/portal/dashboard' && req.method === 'GET') {
    const user = sessionOf(req)?.[1].user
    if (user) send(res, 200, `<h1>Dashboard</h1><p>Welcome back, ${user}</p>`)
    else send(res, 302, '', { location: '/portal/login' })
  } else {
    send(res, 404, '<h1>Not found</h1>')
  }
})

rmSync(socketPath, { force: true })
server.listen(socketPath, () => {
  // nginx's workers do not run as root: let them connect.
  chmodSync(socketPath, 0o666)
  console.log(`portal listening on ${socketPath}`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
