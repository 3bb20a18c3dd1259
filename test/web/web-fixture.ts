/**
 * A database written through the Store (two teams, a public and a non-public service each, a
 * round where team 1's web page is down with a hostile error message) and the web app on it, with
 * one user per role. `login()` goes through the real login form.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { Store } from '../../db/store.ts'
import { hashPassword } from '../../src/auth/password-hash.ts'
import type { Competition, ServiceSpec, UserSpec } from '../../src/config/competition.ts'
import { createWebApp } from '../../src/web/web-app.ts'
import type { WebContext } from '../../src/web/web-env.ts'
import { openWebSite, type WebSite } from '../../src/web/web-server.ts'
import { serviceSpec } from '../helpers/service-spec.ts'
import { tempDir } from '../helpers/temp-dir.ts'
import { scoreToRecord } from '../helpers/score-to-record.ts'

export const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(1)>'
export const PASSWORD = 'correct horse'

const spec = (team: number, name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec =>
  serviceSpec(team, name, { port: 80, ...extra })

/** `web` is public; `db` is hidden from the public and the green team, shown to blue and red. */
const services = [1, 2].flatMap((team) => [
  spec(team, 'web'),
  spec(team, 'db', { publicVisibility: false, greenVisibility: false, redVisibility: true }),
  spec(team, 'feed', { external: true }),
])

let hash: Promise<string> | undefined

export async function users(): Promise<UserSpec[]> {
  const passwordHash = await (hash ??= hashPassword(PASSWORD))
  return [
    { name: 'white', role: 'white', team: null, passwordHash },
    { name: 'blue1', role: 'blue', team: 1, passwordHash },
    { name: 'blue2', role: 'blue', team: 2, passwordHash },
    { name: 'green', role: 'green', team: null, passwordHash },
    { name: 'red', role: 'red', team: null, passwordHash },
  ]
}

export interface Fixture {
  site: WebSite
  app: ReturnType<typeof createWebApp>
  store: Store
  ids: Record<string, number>
  request: (path: string, init?: RequestInit & { cookie?: string; address?: string }) => Promise<Response>
  login: (name: string) => Promise<Browser>
}

/** A logged-in client: its cookie and the session's CSRF token. */
export interface Browser {
  cookie: string
  csrf: string
  get: (path: string) => Promise<Response>
  post: (path: string, fields: Record<string, string>, headers?: Record<string, string>) => Promise<Response>
}

export async function webFixture(t: TestContext, options: { metricsToken?: string } = {}): Promise<Fixture> {
  const file = join(tempDir(t), 'scanner.db')
  const store = Store.open(file)
  t.after(() => store.close())
  const competition: Competition = {
    file: 'competition.yaml',
    name: 'Web test',
    round: { intervalMs: 120_000, jitterMs: 15_000 },
    teams: [
      {
        number: 1,
        name: 'Team One',
        info: {},
        pools: { users: [{ username: 'alice', password: 'old-secret' }] },
      },
      { number: 2, name: 'Team Two', info: {}, pools: {} },
    ],
    services,
    users: [],
    sla: null,
  }
  store.syncCompetition(competition)
  const ids = Object.fromEntries(store.activeServices().map((s) => [`${s.team}/${s.name}`, s.id]))
  const round = store.beginRound()
  const now = Date.now()
  const score = (key: string, up: boolean, error: string | null, detail: string | null = null) =>
    scoreToRecord(ids[key]!, up ? 5 : 0, {
      stage: up ? null : 'match',
      error,
      detail,
      startedAt: now,
      durationMs: 12,
    })
  store.writeRound(round, [
    score('1/web', false, `page does not contain "Welcome"; received ${HOSTILE}`, `body: ${HOSTILE}`),
    score('1/db', false, 'team one db secret error'),
    score('2/web', true, null),
    score('2/db', false, 'team two db secret error'),
  ])
  const site = openWebSite(file, await users(), {
    competitionName: 'Web test',
    metricsToken: options.metricsToken ?? null,
    secureCookies: false,
  })
  t.after(() => site.close())
  site.deps.clientAddress = (c: WebContext) => c.req.header('x-test-address') ?? '192.0.2.1'
  const app = createWebApp(site.deps)
  const request: Fixture['request'] = (path, init = {}) => {
    const headers = new Headers(init.headers)
    if (init.cookie) headers.set('cookie', init.cookie)
    if (init.address) headers.set('x-test-address', init.address)
    return Promise.resolve(app.request(path, { ...init, headers }))
  }
  const login = async (name: string): Promise<Browser> => {
    const res = await loginAs(request, name, PASSWORD)
    assert.equal(res.status, 303, `login of ${name}`)
    const cookie = cookiesOf(res)
    const page = await (await request('/grid', { cookie })).text()
    const csrf = csrfOf(page)
    return {
      cookie,
      csrf,
      get: (path) => request(path, { cookie }),
      post: (path, fields, headers = {}) =>
        request(path, {
          method: 'POST',
          cookie,
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(fields).toString(),
        }),
    }
  }
  return { site, app, store, ids, request, login }
}

/** Opens the login form and posts it (with its CSRF cookie and token). */
export async function loginAs(
  request: Fixture['request'],
  name: string,
  password: string,
  address?: string,
): Promise<Response> {
  const form = await request('/login', { address })
  const cookie = cookiesOf(form)
  return request('/login', {
    method: 'POST',
    cookie,
    address,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfOf(await form.text()), name, password }).toString(),
  })
}

export function cookiesOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .filter((c) => !c.endsWith('='))
    .join('; ')
}

export function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page)
  assert.ok(match, 'the page has a CSRF token')
  return match[1]!
}
