/** The white team's pages and actions; every other viewer is refused. */
import type { Hono } from 'hono'
import type { ControlAction } from '../../db/web-admin.ts'
import { adminPage, serviceErrorsPage } from './pages/admin-page.ts'
import { layout } from './pages/layout.ts'
import { frameOf, wholeNumber } from './page-routes.ts'
import { isWhite } from './viewer.ts'
import type { WebContext, WebDeps, WebEnv } from './web-env.ts'

/** Notices shown after an action, by code: the page never echoes text from the query string. */
const NOTICES: Record<string, string> = {
  down: 'The service is administratively down from the next round on.',
  up: 'The service is back up from the next round on.',
  cap: 'Score cap set.',
  uncap: 'Score cap cleared.',
  pcr: 'Password change recorded: the checks use it from their next run.',
  external: 'External score recorded.',
  paused: 'Rounds paused: the running scanner stops after its current round.',
  resumed: 'Rounds resumed.',
}
const ACTIONS: readonly ControlAction[] = ['down', 'up', 'cap', 'uncap']
const MAX_TEXT = 1024

async function form(c: WebContext): Promise<(name: string) => string> {
  const body = await c.req.parseBody()
  return (name) => {
    const value = body[name]
    return typeof value === 'string' ? value.trim().slice(0, MAX_TEXT) : ''
  }
}

function done(c: WebContext, code: string, team?: number | null) {
  return c.redirect(`/admin?done=${code}${team != null ? `&team=${team}` : ''}`, 303)
}

export function adminRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  app.use('/admin/*', async (c, next) => {
    const viewer = c.get('viewer')
    if (isWhite(viewer)) return next()
    if (viewer.role === 'public' && c.req.method === 'GET') return c.redirect('/login', 303)
    return c.text('white team only', 403)
  })
  app.use('/admin', async (c, next) => {
    if (isWhite(c.get('viewer'))) return next()
    return c.get('viewer').role === 'public' ? c.redirect('/login', 303) : c.text('white team only', 403)
  })

  app.get('/admin', (c) => {
    const team = wholeNumber(c.req.query('team'))
    const { rows, generation } = deps.live.snapshot()
    const frame = {
      ...frameOf(c, deps, 'Admin', generation),
      notice: NOTICES[c.req.query('done') ?? ''] ?? null,
    }
    const body = adminPage(c.get('viewer'), {
      csrf: c.get('session')!.csrf,
      services: rows.filter((s) => team === null || s.team === team),
      teams: deps.queries.teams(),
      team,
      paused: deps.queries.paused(),
      controls: deps.queries.controlLog(50),
      passwordChanges: deps.queries.passwordChanges(50),
    })
    return c.html(layout(frame, body))
  })

  app.get('/admin/errors', (c) => {
    const team = wholeNumber(c.req.query('team'))
    const body = serviceErrorsPage(deps.queries.serviceErrors(100, team), team)
    return c.html(layout(frameOf(c, deps, 'Service errors'), body))
  })

  app.post('/admin/services/:id/:action', async (c) => {
    const id = wholeNumber(c.req.param('id'))
    const action = c.req.param('action') as ControlAction
    if (id === null || !ACTIONS.includes(action)) return c.notFound()
    const field = await form(c)
    let value: number | null = null
    if (action === 'cap') {
      value = wholeNumber(field('cap'))
      if (value === null) return c.text('the cap must be a whole number of points', 400)
    }
    const reason = field('reason') || null
    if (action === 'down' && reason === null) return c.text('say why the service goes down (reason)', 400)
    const actor = c.get('viewer').name!
    if (!deps.admin.control(id, action, actor, { reason, value }))
      return c.text('no such active service', 404)
    return done(c, action, deps.queries.serviceState(id)?.team)
  })

  app.post('/admin/pcr', async (c) => {
    const field = await form(c)
    const team = wholeNumber(field('team'))
    const source = field('source')
    const [key, username, password] = [field('key'), field('username'), field('password')]
    if (team === null || (source !== 'pool' && source !== 'info') || !key || !username || !password)
      return c.text('team, pool or info key, user and new password are needed', 400)
    if (!deps.queries.teams().some((t) => t.number === team)) return c.text(`there is no team ${team}`, 400)
    await deps.admin.passwordChange({ team, source, key, username, password, actor: c.get('viewer').name! })
    return done(c, 'pcr')
  })

  app.post('/admin/external', async (c) => {
    const field = await form(c)
    const serviceId = wholeNumber(field('service'))
    const score = wholeNumber(field('score'))
    if (serviceId === null || score === null)
      return c.text('service and a whole number score are needed', 400)
    const up = field('up') === '1'
    if (!deps.admin.externalScore({ serviceId, score, up, error: field('error') || null }))
      return c.text('not an active external service', 404)
    return done(c, 'external')
  })

  app.post('/admin/pause', (c) => {
    deps.admin.setPaused(true, c.get('viewer').name ?? 'web')
    return done(c, 'paused')
  })
  app.post('/admin/resume', (c) => {
    deps.admin.setPaused(false, c.get('viewer').name ?? 'web')
    return done(c, 'resumed')
  })
}
