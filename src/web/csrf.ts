/**
 * Cross-site request forgery: every form of a session carries the session's token, checked on
 * every POST; a POST whose Origin is another site is refused before that. (The session cookie is
 * SameSite=Strict as well: three locks, any one of which stops a forged admin action.)
 */
import { timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { WebContext, WebEnv } from './web-env.ts'

export const CSRF_FIELD = '_csrf'

/** Whether two tokens are equal, in constant time. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * A POST from another site, as the browser says in Origin. Hosts are compared, not schemes: behind
 * a TLS-terminating proxy the page is https while the request reaching us is http.
 */
export function crossOrigin(c: WebContext): boolean {
  const origin = c.req.header('origin')
  if (origin === undefined) return false
  let host: string
  try {
    host = new URL(origin).host
  } catch {
    return true
  }
  return host !== (c.req.header('host') ?? new URL(c.req.url).host)
}

/** The token sent with a form (or in the X-CSRF-Token header, for scripts). */
export async function sentToken(c: WebContext): Promise<string | undefined> {
  const header = c.req.header('x-csrf-token')
  if (header !== undefined) return header
  const type = c.req.header('content-type') ?? ''
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data'))
    return undefined
  const body = await c.req.parseBody()
  const value = body[CSRF_FIELD]
  return typeof value === 'string' ? value : undefined
}

/** Refuses a POST (other than the login form's, checked on its own) without the session's token. */
export const csrfProtection: MiddlewareHandler<WebEnv> = async (c, next) => {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
  if (crossOrigin(c)) return c.text('cross-origin request refused', 403)
  if (c.req.path === '/login') return next()
  const session = c.get('session')
  if (session === null) return c.text('log in first', 403)
  if (!sameToken(await sentToken(c), session.csrf))
    return c.text('missing or wrong CSRF token: reload the page', 403)
  return next()
}
