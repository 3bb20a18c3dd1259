import assert from 'node:assert/strict'
import { test } from 'node:test'
import { webFixture, type Fixture } from './web-fixture.ts'

interface Row {
  team: number
  service: string
  error: string | null
  stage: string | null
}

async function statusOf(get: (path: string) => Promise<Response>): Promise<Record<string, Row>> {
  const rows = (await (await get('/api/status')).json()) as Row[]
  return Object.fromEntries(rows.map((r) => [`${r.team}/${r.service}`, r]))
}

async function publicGet(f: Fixture) {
  return (path: string) => f.request(path)
}

test('web: the public sees the public services up or down, never an error message', async (t) => {
  const f = await webFixture(t)
  const status = await statusOf(await publicGet(f))
  assert.deepEqual(Object.keys(status).sort(), ['1/feed', '1/web', '2/feed', '2/web'])
  for (const row of Object.values(status)) {
    assert.equal(row.error, null)
    assert.equal(row.stage, null)
  }
  const grid = await (await f.request('/grid')).text()
  assert.ok(grid.includes('data-service-id'), 'the grid has cells')
  assert.ok(!grid.includes('does not contain'), 'no error message in the public grid')
  assert.ok(!grid.includes('secret error'))
  const team = await (await f.request('/teams/1')).text()
  assert.ok(!team.includes('does not contain') && !team.includes('secret error'))
  const round = await (await f.request('/rounds/1')).text()
  assert.ok(!round.includes('does not contain') && !round.includes('secret error'))
  assert.ok(!round.includes('>db<'), 'the round page lists no hidden service')
})

test("web: a blue team sees its own services with their errors, other teams' public services without, and not their hidden ones", async (t) => {
  const f = await webFixture(t)
  const blue = await f.login('blue1')
  const status = await statusOf(blue.get)
  assert.deepEqual(Object.keys(status).sort(), ['1/db', '1/feed', '1/web', '2/feed', '2/web'])
  assert.match(status['1/web']!.error!, /does not contain/)
  assert.equal(status['1/db']!.error, 'team one db secret error')
  assert.equal(status['1/db']!.stage, 'match')
  assert.equal(status['2/web']!.error, null)
  const grid = await (await blue.get('/grid')).text()
  assert.ok(grid.includes('team one db secret error'))
  assert.ok(!grid.includes('team two db secret error'), "another team's hidden service stays hidden")
  const round = await (await blue.get('/rounds/1')).text()
  assert.ok(round.includes('team one db secret error') && !round.includes('team two db secret error'))
  const other = await (await blue.get('/teams/2')).text()
  assert.ok(!other.includes('team two db secret error') && !other.includes('>db<'))
})

test('web: green sees the services with green visibility and their errors; red sees its services without errors', async (t) => {
  const f = await webFixture(t)
  const green = await statusOf((await f.login('green')).get)
  assert.deepEqual(Object.keys(green).sort(), ['1/feed', '1/web', '2/feed', '2/web'])
  assert.match(green['1/web']!.error!, /does not contain/)
  const red = await statusOf((await f.login('red')).get)
  assert.deepEqual(Object.keys(red).sort(), ['1/db', '1/feed', '1/web', '2/db', '2/feed', '2/web'])
  for (const row of Object.values(red)) assert.equal(row.error, null)
})

test('web: white sees every service with its error, and the ServiceErrors with their detail', async (t) => {
  const f = await webFixture(t)
  const white = await f.login('white')
  const status = await statusOf(white.get)
  assert.equal(Object.keys(status).length, 6)
  assert.equal(status['2/db']!.error, 'team two db secret error')
  const errors = await (await white.get('/admin/errors')).text()
  assert.ok(errors.includes('body: &lt;script&gt;'), 'the ServiceError detail is shown, escaped')
})

test('web: only white opens the admin pages (the public is sent to the login form)', async (t) => {
  const f = await webFixture(t)
  const anonymous = await f.request('/admin')
  assert.equal(anonymous.status, 303)
  assert.equal(anonymous.headers.get('location'), '/login')
  for (const name of ['blue1', 'green', 'red']) {
    const user = await f.login(name)
    assert.equal((await user.get('/admin')).status, 403, `${name} /admin`)
    assert.equal((await user.get('/admin/errors')).status, 403, `${name} /admin/errors`)
  }
  assert.equal((await (await f.login('white')).get('/admin')).status, 200)
})
