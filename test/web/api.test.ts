import assert from 'node:assert/strict'
import { test } from 'node:test'
import { webFixture } from './web-fixture.ts'

const STATUS_KEYS = [
  'team',
  'team_name',
  'service',
  'id',
  'type',
  'host',
  'port',
  'up',
  'score',
  'stage',
  'error',
  'last_scan_time',
  'in_progress',
  'administratively_down',
  'down_reason',
  'score_cap',
]

test('web: /api/status gives white exactly the rows of `scanner status --json`', async (t) => {
  const f = await webFixture(t)
  const white = await f.login('white')
  const rows = (await (await white.get('/api/status')).json()) as Record<string, unknown>[]
  assert.deepEqual(rows, JSON.parse(JSON.stringify(f.store.status())))
  for (const row of rows) assert.deepEqual(Object.keys(row), STATUS_KEYS)
})

test('web: /api/scores has the shape of `scanner scores --json`, totals over every service, points only of visible ones', async (t) => {
  const f = await webFixture(t)
  const scores = (await (await f.request('/api/scores')).json()) as Record<string, unknown>[]
  assert.deepEqual(scores, [
    { team: 1, team_name: 'Team One', total: 0, services: { web: 0, feed: 0 }, penalties: 0 },
    { team: 2, team_name: 'Team Two', total: 5, services: { web: 5, feed: 0 }, penalties: 0 },
  ])
  const white = await f.login('white')
  const all = (await (await white.get('/api/scores')).json()) as { services: Record<string, number> }[]
  assert.deepEqual(Object.keys(all[0]!.services).sort(), ['db', 'feed', 'web'])
})

test('web: /api/services has the shape of `scanner services --json`, filtered for the viewer', async (t) => {
  const f = await webFixture(t)
  const rows = (await (await f.request('/api/services')).json()) as Record<string, unknown>[]
  assert.equal(rows.length, 4)
  assert.deepEqual(rows[0], {
    id: f.ids['1/web'],
    team: 1,
    service: 'web',
    type: 'tcp',
    host: '127.0.1.1',
    port: 80,
    external: false,
    administratively_down: false,
    score_cap: null,
  })
  assert.deepEqual((await f.request('/api/nothing')).status, 404)
})

test('web: /metrics needs the token or a white login, and says which service is up', async (t) => {
  const f = await webFixture(t, { metricsToken: 'm3trics' })
  assert.equal((await f.request('/metrics')).status, 401)
  assert.equal((await f.request('/metrics', { headers: { authorization: 'Bearer wrong' } })).status, 401)
  assert.equal((await (await f.login('blue1')).get('/metrics')).status, 401)
  const res = await f.request('/metrics', { headers: { authorization: 'Bearer m3trics' } })
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  const text = await res.text()
  assert.match(text, /^scanner_rounds_total\{status="complete"\} 1$/m)
  assert.match(text, /^scanner_service_up\{team="1",team_name="Team One",service="web"\} 0$/m)
  assert.match(text, /^scanner_service_up\{team="2",team_name="Team Two",service="web"\} 1$/m)
  assert.match(text, /^scanner_service_up\{team="1",team_name="Team One",service="feed"\} NaN$/m)
  assert.match(text, /^scanner_check_duration_seconds_count 4$/m)
  assert.match(text, /^scanner_check_duration_seconds\{quantile="0\.5"\} 0\.012$/m)
  const types = text
    .split('\n')
    .filter((l) => l.startsWith('# TYPE'))
    .map((l) => l.split(' ')[2])
  assert.equal(new Set(types).size, types.length, 'one TYPE line per metric')
  assert.equal((await (await f.login('white')).get('/metrics')).status, 200)
})
