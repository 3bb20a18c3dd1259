import assert from 'node:assert/strict'
import { test } from 'node:test'
import { verifyPassword } from '../../src/auth/password-hash.ts'
import { webFixture } from './web-fixture.ts'

test('web: a password change request from the admin page is recorded with a hash of the old password, never the old password', async (t) => {
  const f = await webFixture(t)
  const white = await f.login('white')
  const fields = {
    team: '1',
    source: 'pool',
    key: 'users',
    username: 'alice',
    password: 'new-secret',
    _csrf: white.csrf,
  }
  assert.equal((await white.post('/admin/pcr', fields)).status, 303)
  assert.equal((await white.post('/admin/pcr', { ...fields, password: 'newer-secret' })).status, 303)
  const rows = f.store.db
    .prepare(
      'SELECT team, source, key, username, password, old_hash, actor FROM password_changes ORDER BY id',
    )
    .all() as { password: string; old_hash: string; actor: string }[]
  assert.equal(rows.length, 2)
  assert.equal(rows[0]!.password, 'new-secret')
  assert.ok(await verifyPassword('old-secret', rows[0]!.old_hash), 'the first replaces the config password')
  assert.ok(await verifyPassword('new-secret', rows[1]!.old_hash), 'the second replaces the first change')
  assert.equal(rows[0]!.actor, 'white')
  const page = await (await white.get('/admin')).text()
  assert.ok(!page.includes('new-secret') && !page.includes('old-secret'), 'no password on the page')
  assert.equal((await white.post('/admin/pcr', { ...fields, team: '9' })).status, 400)
})

test('web: an external score from the admin page is recorded like the CLI would, only for an external service', async (t) => {
  const f = await webFixture(t)
  const white = await f.login('white')
  const feed = f.ids['2/feed']!
  const down = { service: String(feed), score: '0', error: 'feed <stale>', _csrf: white.csrf }
  assert.equal((await white.post('/admin/external', down)).status, 303)
  assert.equal(
    (await white.post('/admin/external', { ...down, service: String(f.ids['2/web']) })).status,
    404,
  )
  const score = f.store.db
    .prepare('SELECT round_id, score, up, error FROM scores WHERE service_id = ?')
    .get(feed)
  assert.deepEqual(score, { round_id: null, score: 0, up: 0, error: 'feed <stale>' })
  assert.equal((await white.post('/admin/external', { ...down, score: '7', up: '1' })).status, 303)
  const rows = (await (await white.get('/api/status')).json()) as { id: number; up: boolean; score: number }[]
  const state = rows.find((r) => r.id === feed)!
  assert.deepEqual([state.up, state.score], [true, 7])
})

test('web: pause and resume from the admin page set the pause scanner run obeys, with the user as actor', async (t) => {
  const f = await webFixture(t)
  const white = await f.login('white')
  assert.equal((await white.post('/admin/pause', { _csrf: white.csrf })).status, 303)
  assert.equal(f.store.pause()?.actor, 'white')
  assert.match(await (await white.get('/admin')).text(), /Rounds are <strong>paused/)
  assert.equal((await white.post('/admin/resume', { _csrf: white.csrf })).status, 303)
  assert.equal(f.store.pause(), null)
  assert.match(await (await white.get('/admin')).text(), /Rounds are <strong>running/)
})
