import type { MiddlewareHandler } from 'hono'
import type { WebEnv } from './web-env.ts'

/**
 * No script but /assets/app.js, no style but /assets/app.css, no framing, forms posting only to
 * the pages' own origin. Even an error message that got past escaping could not run.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

export const securityHeaders: MiddlewareHandler<WebEnv> = async (c, next) => {
  await next()
  const headers = c.res.headers
  headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  headers.set('X-Content-Type-Options', 'nosniff')
  headers.set('X-Frame-Options', 'DENY')
  headers.set('Referrer-Policy', 'same-origin')
  headers.set('Cross-Origin-Opener-Policy', 'same-origin')
  if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store')
}
