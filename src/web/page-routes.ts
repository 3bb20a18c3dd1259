/** The pages everyone may open: scoreboard, service grid, team and round pages. */
import type { Hono } from 'hono'
import { layout, type PageFrame } from './pages/layout.ts'
import { gridPage } from './pages/grid-page.ts'
import { roundListPage, roundPage, type VisibleScore } from './pages/round-pages.ts'
import { scoreboardPage } from './pages/scoreboard-page.ts'
import { teamPage } from './pages/team-page.ts'
import { rankTeams } from './ranking.ts'
import { visibleRows } from './visible-state.ts'
import { canSee, canSeeErrors, PUBLIC } from './viewer.ts'
import type { WebContext, WebDeps, WebEnv } from './web-env.ts'

/** Rounds shown in a team's history. */
const HISTORY_ROUNDS = 20

export function frameOf(c: WebContext, deps: WebDeps, title: string, generation?: number): PageFrame {
  return {
    title,
    competition: deps.options.competitionName,
    viewer: c.get('viewer') ?? PUBLIC,
    csrf: c.get('session')?.csrf ?? null,
    generation,
  }
}

/** A whole number from a path or query parameter, or null. */
export function wholeNumber(text: string | undefined): number | null {
  return text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : null
}

export function pageRoutes(app: Hono<WebEnv>, deps: WebDeps): void {
  app.get('/', (c) => {
    const viewer = c.get('viewer')
    const { rows } = deps.live.snapshot()
    const body = scoreboardPage({
      ranked: rankTeams(deps.queries.teamTotals()),
      visible: visibleRows(viewer, rows),
      series: deps.history.series(),
      ownTeam: viewer.role === 'blue' ? viewer.team : null,
    })
    return c.html(layout(frameOf(c, deps, 'Scoreboard'), body))
  })

  app.get('/grid', (c) => {
    const viewer = c.get('viewer')
    const { rows, generation } = deps.live.snapshot()
    return c.html(
      layout(frameOf(c, deps, 'Services', generation), gridPage(viewer, visibleRows(viewer, rows))),
    )
  })

  app.get('/teams/:team', (c) => {
    const viewer = c.get('viewer')
    const number = wholeNumber(c.req.param('team'))
    const team = deps.queries.teams().find((t) => t.number === number)
    if (!team) return c.notFound()
    const { rows, generation } = deps.live.snapshot()
    const services = visibleRows(viewer, rows).filter((s) => s.team === team.number)
    const recent = deps.queries.rounds(HISTORY_ROUNDS)
    const visibleIds = new Set(services.map((s) => s.id))
    const history =
      recent.length === 0
        ? []
        : deps.queries
            .teamScoresSince(team.number, recent[recent.length - 1]!.id)
            .filter((s) => visibleIds.has(s.service_id))
    return c.html(
      layout(frameOf(c, deps, team.name, generation), teamPage(viewer, { team, services, history })),
    )
  })

  app.get('/rounds', (c) =>
    c.html(layout(frameOf(c, deps, 'Rounds'), roundListPage(deps.queries.rounds(200)))),
  )

  app.get('/rounds/:round', (c) => {
    const viewer = c.get('viewer')
    const id = wholeNumber(c.req.param('round'))
    const round = id === null ? undefined : deps.queries.round(id)
    if (!round) return c.notFound()
    const scores: VisibleScore[] = deps.queries
      .roundScores(round.id)
      .filter((s) => canSee(viewer, s))
      .map((s) => (canSeeErrors(viewer, s) ? s : { ...s, stage: null, error: null }))
    return c.html(layout(frameOf(c, deps, `Round ${round.id}`), roundPage(round, scores)))
  })
}
