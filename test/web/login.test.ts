import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LOGIN_LIMITS } from '../../src/web/web-server.ts'
import { cookiesOf, csrfOf, loginAs, PASSWORD, webFixture } from './web-fixture.ts'

test('web: a login sets an HttpOnly SameSite=Strict session cookie; a wrong password is refused', async (t) => {
  const f = await webFixture(t)
  const ok = await loginAs(f.request, 'white', PASSWORD)
  assert.equal(ok.status, 303)
  const cookie = ok.headers.getSetCookie().find((c) => c.startsWith('scanner_session='))
  assert.ok(cookie, 'a session cookie')
  assert.match(cookie, /HttpOnly/)
  assert.match(cookie, /SameSite=Strict/)
  assert.match(cookie, /Path=\//)
  const wrong = await loginAs(f.request, 'white', 'guess')
  assert.equal(wrong.status, 401)
  assert.ok(!wrong.headers.getSetCookie().some((c) => c.startsWith('scanner_session=')))
  assert.match(await wrong.text(), /Wrong name or password/)
  assert.equal((await loginAs(f.request, 'nobody', PASSWORD)).status, 401)
})

test('web: the login form is refused without its own CSRF cookie and token', async (t) => {
  const f = await webFixture(t)
  const form = await f.request('/login')
  const res = await f.request('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      _csrf: csrfOf(await form.text()),
      name: 'white',
      password: PASSWORD,
    }).toString(),
  })
  assert.equal(res.status, 403, 'the token without its cookie')
  const cookie = cookiesOf(await f.request('/login'))
  const forged = await f.request('/login', {
    method: 'POST',
    cookie,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: 'forged', name: 'white', password: PASSWORD }).toString(),
  })
  assert.equal(forged.status, 403, 'the cookie with another token')
})

test('web: after 5 failed logins for a name, even the right password waits (429 with Retry-After); other names still log in', async (t) => {
  const f = await webFixture(t)
  for (let i = 0; i < LOGIN_LIMITS.perName; i++) {
    assert.equal((await loginAs(f.request, 'blue1', 'guess', `198.51.100.${i}`)).status, 401)
  }
  const blocked = await loginAs(f.request, 'blue1', PASSWORD, '198.51.100.99')
  assert.equal(blocked.status, 429)
  assert.ok(Number(blocked.headers.get('retry-after')) > 0)
  assert.match(await blocked.text(), /Too many failed logins/)
  assert.equal((await loginAs(f.request, 'blue2', PASSWORD, '198.51.100.99')).status, 303)
})

test('web: one address that fails too many logins over many names waits; another address does not', async (t) => {
  const f = await webFixture(t)
  for (let i = 0; i < LOGIN_LIMITS.perAddress; i++) {
    assert.equal((await loginAs(f.request, `guess${i}`, 'guess', '203.0.113.7')).status, 401)
  }
  assert.equal((await loginAs(f.request, 'white', PASSWORD, '203.0.113.7')).status, 429)
  assert.equal((await loginAs(f.request, 'white', PASSWORD, '203.0.113.8')).status, 303)
})
