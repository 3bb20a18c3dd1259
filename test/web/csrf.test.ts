import assert from 'node:assert/strict'
import { test } from 'node:test'
import { webFixture } from './web-fixture.ts'

test('web: an admin POST without the session CSRF token, with a wrong one, or from another site is refused and changes nothing', async (t) => {
  const f = await webFixture(t)
  const white = await f.login('white')
  const id = f.ids['2/web']!
  const path = `/admin/services/${id}/down`
  const attempts: [string, Record<string, string>, Record<string, string>][] = [
    ['no token', { reason: 'forged' }, {}],
    ['wrong token', { reason: 'forged', _csrf: `${white.csrf.slice(0, -2)}xx` }, {}],
    ['another site', { reason: 'forged', _csrf: white.csrf }, { origin: 'https://evil.example' }],
  ]
  for (const [what, fields, headers] of attempts) {
    const res = await white.post(path, fields, headers)
    assert.equal(res.status, 403, what)
  }
  const other = await f.login('blue1')
  assert.equal(
    (await other.post(path, { reason: 'forged', _csrf: other.csrf })).status,
    403,
    'a blue session',
  )
  assert.equal(
    (
      await f.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'reason=forged',
      })
    ).status,
    403,
    'no session',
  )
  const row = f.store.db.prepare('SELECT administratively_down FROM services WHERE id = ?').get(id)
  assert.deepEqual(row, { administratively_down: 0 })
  assert.deepEqual(f.store.db.prepare('SELECT COUNT(*) AS n FROM service_control_log').get(), { n: 0 })
})

test('web: white takes a service down with the session token: the service is down with its reason and the control log names the user', async (t) => {
  const f = await webFixture(t)
  const white = await f.login('white')
  const id = f.ids['2/web']!
  const res = await white.post(`/admin/services/${id}/down`, {
    reason: 'red team <b>penalty</b>',
    _csrf: white.csrf,
  })
  assert.equal(res.status, 303)
  assert.deepEqual(
    f.store.db.prepare('SELECT administratively_down, down_reason FROM services WHERE id = ?').get(id),
    { administratively_down: 1, down_reason: 'red team <b>penalty</b>' },
  )
  assert.deepEqual(f.store.db.prepare('SELECT action, reason, actor FROM service_control_log').all(), [
    { action: 'down', reason: 'red team <b>penalty</b>', actor: 'white' },
  ])
  const admin = await (await white.get(res.headers.get('location')!)).text()
  assert.ok(admin.includes('administratively down from the next round on'), 'the notice is shown')
  assert.ok(admin.includes('red team &lt;b&gt;penalty&lt;/b&gt;') && !admin.includes('<b>penalty'))

  assert.equal((await white.post(`/admin/services/${id}/cap`, { cap: '2', _csrf: white.csrf })).status, 303)
  assert.equal((await white.post(`/admin/services/${id}/up`, { _csrf: white.csrf })).status, 303)
  assert.deepEqual(
    f.store.db
      .prepare('SELECT administratively_down, down_reason, score_cap FROM services WHERE id = ?')
      .get(id),
    { administratively_down: 0, down_reason: null, score_cap: 2 },
  )
  assert.equal(
    (await white.post(`/admin/services/${id}/cap`, { cap: 'lots', _csrf: white.csrf })).status,
    400,
  )
})

test('web: logout needs the session token, ends the session, and the old cookie then sees the public view', async (t) => {
  const f = await webFixture(t)
  const blue = await f.login('blue1')
  assert.equal((await blue.post('/logout', {})).status, 403)
  assert.equal((await blue.post('/logout', { _csrf: blue.csrf })).status, 303)
  const rows = (await (await blue.get('/api/status')).json()) as { service: string }[]
  assert.ok(!rows.some((r) => r.service === 'db'), 'the old cookie is public now')
})
