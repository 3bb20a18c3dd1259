/**
 * The web status pages (SPEC 7) as a Hono app: a plain `fetch` handler, so the tests call
 * `app.request()` and `scanner serve` hands it to Node's HTTP server.
 */
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { adminRoutes } from './admin-routes.ts'
import { apiRoutes } from './api-routes.ts'
import { APP_CSS } from './assets/app-css.ts'
import { APP_JS } from './assets/app-js.ts'
import { authRoutes, sessionMiddleware } from './auth-routes.ts'
import { csrfProtection } from './csrf.ts'
import { html } from './pages/html.ts'
import { layout } from './pages/layout.ts'
import { frameOf, pageRoutes } from './page-routes.ts'
import { securityHeaders } from './security-headers.ts'
import type { WebDeps, WebEnv } from './web-env.ts'

/** Forms are small; a larger body is refused before it is read. */
const MAX_BODY_BYTES = 64 * 1024

export function createWebApp(deps: WebDeps): Hono<WebEnv> {
  const app = new Hono<WebEnv>()
  app.use(securityHeaders)
  app.use(sessionMiddleware(deps))
  app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.text('request body too large', 413) }))
  app.use(csrfProtection)

  app.get('/assets/app.js', (c) => {
    c.header('Cache-Control', 'no-cache')
    c.header('Content-Type', 'text/javascript; charset=utf-8')
    return c.body(APP_JS)
  })
  app.get('/assets/app.css', (c) => {
    c.header('Cache-Control', 'no-cache')
    c.header('Content-Type', 'text/css; charset=utf-8')
    return c.body(APP_CSS)
  })

  authRoutes(app, deps)
  pageRoutes(app, deps)
  adminRoutes(app, deps)
  apiRoutes(app, deps)

  app.notFound((c) =>
    c.req.path.startsWith('/api/')
      ? c.json({ error: 'not found' }, 404)
      : c.html(
          layout(
            frameOf(c, deps, 'Not found'),
            html`<h1>Not found</h1>
              <p><a href="/">Scoreboard</a></p>`,
          ),
          404,
        ),
  )
  app.onError((err, c) => {
    process.stderr.write(`scanner serve: ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}\n`)
    return c.text('internal error (see the server log)', 500)
  })
  return app
}
