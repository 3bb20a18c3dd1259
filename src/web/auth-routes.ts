/** Sessions (cookie -> viewer), the login form with its rate limit, and logout. */
import type { Hono, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { CookieOptions } from 'hono/utils/cookie'
import { CSRF_FIELD, sameToken } from './csrf.ts'
import { layout } from './pages/layout.ts'
import { loginPage } from './pages/login-page.ts'
import { SESSION_COOKIE, SESSION_TTL_MS, token } from './sessions.ts'
import { PUBLIC } from './viewer.ts'
import type { WebContext, WebDeps, WebEnv } from './web-env.ts'

/** The login form's own CSRF token, in a cookie of its own (no session exists yet). */
const LOGIN_COOKIE = 'scanner_login'
const MAX_FIELD = 256

/** Sets `viewer` and `session` from the session cookie. */
export function sessionMiddleware(deps: WebDeps): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const session = deps.sessions.get(getCookie(c, SESSION_COOKIE))
    c.set('session', session)
    c.set('viewer', session?.viewer ?? PUBLIC)
    await next()
  }
}

function cookieOptions(deps: WebDeps, maxAgeMs: number, path = '/'): CookieOptions {
  return {
    path,
    httpOnly: true,
    sameSite: 'Strict',
    secure: deps.options.secureCookies,
    maxAge: Math.floor(maxAgeMs / 1000),
  }
}

function showLogin(
  c: WebContext,
  deps: WebDeps,
  problem: string | null,
  status: 200 | 401 | 403 | 429 = 200,
) {
  const csrf = token()
  setCookie(c, LOGIN_COOKIE, csrf, cookieOptions(deps, 60 * 60 * 1000, '/login'))
  const frame = { title: 'Log in', competition: deps.options.competitionName, viewer: PUBLIC, csrf: null }
  return c.html(layout(frame, loginPage(csrf, problem)), status)
}

export function authRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  app.get('/login', (c) => showLogin(c, deps, null))

  app.post('/login', async (c) => {
    const body = await c.req.parseBody()
    const field = (name: string) => {
      const value = body[name]
      return typeof value === 'string' ? value.slice(0, MAX_FIELD) : ''
    }
    if (!sameToken(getCookie(c, LOGIN_COOKIE), field(CSRF_FIELD))) {
      return showLogin(c, deps, 'The login form expired: try again.', 403)
    }
    const name = field('name')
    const address = deps.clientAddress(c)
    const nameKey = `name:${name}`
    const wait = Math.max(deps.limits.byAddress.retryAfter(address), deps.limits.byName.retryAfter(nameKey))
    if (wait > 0) {
      c.header('Retry-After', String(wait))
      return showLogin(c, deps, `Too many failed logins: try again in ${wait} s.`, 429)
    }
    const viewer = await deps.users.authenticate(name, field('password'))
    if (viewer === null) {
      deps.limits.byAddress.fail(address)
      deps.limits.byName.fail(nameKey)
      return showLogin(c, deps, 'Wrong name or password.', 401)
    }
    deps.limits.byName.reset(nameKey)
    const previous = c.get('session')
    if (previous) deps.sessions.delete(previous.id)
    const session = deps.sessions.create(viewer)
    setCookie(c, SESSION_COOKIE, session.id, cookieOptions(deps, SESSION_TTL_MS))
    deleteCookie(c, LOGIN_COOKIE, { path: '/login' })
    return c.redirect(viewer.role === 'blue' && viewer.team !== null ? `/teams/${viewer.team}` : '/grid', 303)
  })

  app.post('/logout', (c) => {
    const session = c.get('session')
    if (session) deps.sessions.delete(session.id)
    deleteCookie(c, SESSION_COOKIE, { path: '/' })
    return c.redirect('/', 303)
  })
}
