import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HOSTILE, webFixture } from './web-fixture.ts'

const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;'

test('web: a hostile error message is shown as text on every page that shows it, never as markup', async (t) => {
  const f = await webFixture(t)
  const white = await f.login('white')
  const blue = await f.login('blue1')
  const pages: [string, (path: string) => Promise<Response>][] = [
    ['/grid', white.get],
    ['/teams/1', white.get],
    ['/rounds/1', white.get],
    ['/admin', white.get],
    ['/admin/errors', white.get],
    ['/grid', blue.get],
    ['/teams/1', blue.get],
  ]
  for (const [path, get] of pages) {
    const page = await (await get(path)).text()
    assert.ok(!page.includes('<script>alert'), `${path}: no script element from the data`)
    assert.ok(!page.includes('<img src=x'), `${path}: no img element from the data`)
    assert.ok(page.includes(ESCAPED), `${path}: the message is there as text`)
  }
})

test('web: the hostile message reaches the JSON API unchanged, as JSON text', async (t) => {
  const f = await webFixture(t)
  const white = await f.login('white')
  const rows = (await (await white.get('/api/status')).json()) as {
    service: string
    team: number
    error: string
  }[]
  assert.ok(rows.find((r) => r.team === 1 && r.service === 'web')!.error.endsWith(HOSTILE))
  const api = await white.get('/api/status')
  assert.match(api.headers.get('content-type') ?? '', /^application\/json/)
})

test('web: every page is served with a Content-Security-Policy allowing only its own script, and no framing', async (t) => {
  const f = await webFixture(t)
  for (const path of ['/', '/grid', '/login', '/teams/1', '/rounds', '/api/status', '/nowhere']) {
    const res = await f.request(path)
    const csp = res.headers.get('content-security-policy') ?? ''
    assert.match(csp, /script-src 'self'(;|$)/, path)
    assert.match(csp, /frame-ancestors 'none'/, path)
    assert.ok(!csp.includes('unsafe-inline'), path)
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path)
  }
  const page = await (await f.request('/grid')).text()
  assert.ok(!/<script(?![^>]*\bsrc="\/assets\/app\.js")/.test(page), 'no inline script in the page')
  const script = await f.request('/assets/app.js')
  assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/)
  const js = await script.text()
  assert.ok(!js.includes('innerHTML') && !js.includes('insertAdjacentHTML') && !js.includes('document.write'))
})
