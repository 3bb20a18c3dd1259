/**
 * JSON under /api/ with the shapes of the CLI's --json output (SPEC 5), filtered by the viewer,
 * the live updates (/events) and /metrics.
 */
import type { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { ServiceStateRow } from '../../db/web-queries.ts'
import { sameToken } from './csrf.ts'
import { renderMetrics } from './metrics.ts'
import { scoresFor } from './ranking.ts'
import { cellFor, statusRowsFor, visibleRows } from './visible-state.ts'
import { canSee, isWhite, type Viewer } from './viewer.ts'
import type { WebDeps, WebEnv } from './web-env.ts'

/** A comment line now and then keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 20_000

export function apiRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  app.get('/api/status', (c) => c.json(statusRowsFor(c.get('viewer'), deps.live.snapshot().rows)))

  app.get('/api/scores', (c) =>
    c.json(scoresFor(c.get('viewer'), deps.queries.teamTotals(), deps.live.snapshot().rows)),
  )

  app.get('/api/services', (c) =>
    c.json(
      visibleRows(c.get('viewer'), deps.live.snapshot().rows).map((s) => ({
        id: s.id,
        team: s.team,
        service: s.name,
        type: s.subtype,
        host: s.host,
        port: s.port,
        external: s.external === 1,
        administratively_down: s.administratively_down === 1,
        score_cap: s.score_cap,
      })),
    ),
  )

  app.get('/metrics', (c) => {
    const auth = c.req.header('authorization')
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined
    const token = deps.options.metricsToken
    if (!isWhite(c.get('viewer')) && !(token !== null && sameToken(bearer, token))) {
      c.header('WWW-Authenticate', 'Bearer realm="scanner metrics"')
      return c.text('a metrics token (Authorization: Bearer ...) or a white team login is needed', 401)
    }
    c.header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
    return c.body(renderMetrics(deps.queries, deps.live.snapshot().rows))
  })

  app.get('/events', (c) => {
    const viewer = c.get('viewer')
    const session = c.get('session')
    c.header('Cache-Control', 'no-store')
    return streamSSE(c, async (stream) => {
      const send = (rows: readonly ServiceStateRow[]) => {
        const cells = cellsFor(viewer, rows)
        if (cells.length > 0)
          stream.writeSSE({ event: 'cells', data: JSON.stringify(cells) }).catch(() => stream.abort())
      }
      const { generation, rows } = deps.live.snapshot()
      // The page was drawn from an older state: bring all of it up to date first.
      if (c.req.query('generation') !== String(generation)) send(rows)
      const unsubscribe = deps.live.subscribe((changed) => {
        // A session that logged out or expired gets nothing more: the browser reconnects as public.
        if (session !== null && deps.sessions.get(session.id) === null) stream.abort()
        else send(changed)
      })
      const heartbeat = setInterval(() => {
        stream.write(': ping\n\n').catch(() => stream.abort())
      }, HEARTBEAT_MS)
      await new Promise<void>((resolve) => {
        stream.onAbort(() => resolve())
        if (stream.aborted) resolve()
      })
      clearInterval(heartbeat)
      unsubscribe()
    })
  })
}

function cellsFor(viewer: Viewer, rows: readonly ServiceStateRow[]) {
  return rows.filter((r) => canSee(viewer, r)).map((r) => cellFor(viewer, r))
}
