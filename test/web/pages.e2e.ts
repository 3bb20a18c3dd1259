/**
 * The pages in a real browser (Debian's headless Chromium through playwright-core) against
 * `scanner serve` run as a child process, on a database written by real rounds (`scanner run
 * --round`, also a child process) against HTTP servers in this process: one answers a page made
 * of `<script>` and `<img onerror>`, one answers slowly, one answers well.
 *
 * Run with: node --test test/web/pages.e2e.ts (about 30 s: it is not part of `npm test`).
 * Writes docs/screenshots/scoreboard.png, grid.png (public) and grid-white.png (white, after a round).
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, suite, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { openDatabase } from '../../db/open-database.ts'
import { hashPassword } from '../../src/auth/password-hash.ts'
import { runCli, startCli } from '../helpers/cli.ts'

const CHROMIUM = '/usr/bin/chromium'
const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(1)>'
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const missing = !existsSync(CHROMIUM)
if (missing && process.env.CI === 'true')
  throw new Error(`${CHROMIUM} is missing in CI: apt-get install chromium`)

async function listen(
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: Server; port: number }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port }
}

suite(
  missing
    ? `web pages in Chromium (skipped: ${CHROMIUM} is missing; apt-get install chromium)`
    : 'web pages in Chromium',
  { skip: missing },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'scanner-e2e-'))
    const servers: Server[] = []
    let slowDelayMs = 0
    let url = ''
    let browser: Browser
    let serve: ReturnType<typeof startCli>
    const dialogs: string[] = []

    const round = async () => {
      const result = await runCli(['run', '--round'], dir)
      assert.equal(result.code, 0, result.stderr)
      return result
    }
    const newPage = async (): Promise<Page> => {
      const page = await browser.newPage()
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message())
        void dialog.dismiss()
      })
      return page
    }
    const login = async (page: Page, name: string) => {
      await page.goto(`${url}/login`)
      await page.fill('input[name=name]', name)
      await page.fill('input[name=password]', `${name}-password`)
      await Promise.all([
        page.waitForURL((u) => !u.pathname.startsWith('/login')),
        page.click('button[type=submit]'),
      ])
    }
    const cell = (page: Page, team: number, service: string) =>
      page
        .locator(`table.grid tr:has(th a[href="/teams/${team}"]) td`)
        .nth(['web', 'slow', 'secret'].indexOf(service))

    before(async () => {
      const hostile = await listen((_req, res) => res.end(HOSTILE))
      const good = await listen((_req, res) => res.end('<h1>Welcome</h1>'))
      const slow = await listen((_req, res) => {
        setTimeout(() => res.end('<h1>Welcome</h1>'), slowDelayMs)
      })
      servers.push(hostile.server, good.server, slow.server)
      const users = await Promise.all(
        ['white', 'blue1'].map(async (name) => ({ name, hash: await hashPassword(`${name}-password`) })),
      )
      writeFileSync(
        join(dir, 'competition.yaml'),
        `name: Browser test
defaults: { timeout: 10s, points: 5 }
teams: [ { number: 1, name: Team One }, { number: 2, name: Team Two } ]
services:
  - { name: web, type: http, host: 127.0.0.1, port: ${good.port}, http_string: Welcome, overrides: { 1: { port: ${hostile.port} } } }
  - { name: slow, type: http, host: 127.0.0.1, port: ${slow.port}, http_string: Welcome }
  - { name: secret, type: tcp, host: 127.0.0.1, port: 1, visibility: { public: false, blue: true } }
users:
  - { name: white, role: white, password_hash: "${users[0]!.hash}" }
  - { name: blue1, role: blue, team: 1, password_hash: "${users[1]!.hash}" }
`,
      )
      await round()
      await round()
      serve = startCli(['serve', '--listen', '127.0.0.1:0'], dir)
      url = await new Promise<string>((resolve, reject) => {
        let out = ''
        serve.stdout!.on('data', (d: Buffer) => {
          out += d.toString()
          const match = /http:\/\/[\d.]+:\d+/.exec(out)
          if (match) resolve(match[0])
        })
        serve.on('close', (code) => reject(new Error(`scanner serve exited with ${code}`)))
      })
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
    })

    after(async () => {
      await browser?.close()
      serve?.kill('SIGTERM')
      for (const s of servers) s.close()
      rmSync(dir, { recursive: true, force: true })
    })

    test('the public grid shows who is up or down but no error message and no hidden service', async () => {
      const page = await newPage()
      await page.goto(`${url}/grid`)
      await assert.doesNotReject(cell(page, 1, 'web').locator('.state', { hasText: 'down' }).waitFor())
      assert.equal(await cell(page, 1, 'web').locator('.error').textContent(), '')
      assert.equal(await cell(page, 2, 'web').locator('.state').textContent(), 'up')
      const text = await page.locator('main').innerText()
      assert.ok(!text.includes('does not contain'), 'no error message')
      assert.ok(!text.includes('secret'), 'no hidden service')
      mkdirSync(SCREENSHOTS, { recursive: true })
      await page.screenshot({ path: join(SCREENSHOTS, 'grid.png'), fullPage: true })
      await page.goto(`${url}/`)
      await page.locator('svg.chart polyline').first().waitFor()
      await page.screenshot({ path: join(SCREENSHOTS, 'scoreboard.png'), fullPage: true })
      await page.close()
    })

    test("a blue login sees its own errors, the hostile one as text, and not another team's hidden service", async () => {
      const page = await newPage()
      await login(page, 'blue1')
      await page.goto(`${url}/grid`)
      const error = await cell(page, 1, 'web').locator('.error').textContent()
      assert.ok(error?.includes(HOSTILE), `the message as text: ${error}`)
      assert.match(
        (await cell(page, 1, 'secret').locator('.error').textContent()) ?? '',
        /connection refused/,
      )
      assert.equal(await cell(page, 2, 'secret').textContent(), '-', "team 2's hidden service is not shown")
      assert.equal(await page.locator('main img').count(), 0, 'no image element came from the message')
      assert.deepEqual(
        await Promise.all((await page.locator('script').all()).map((s) => s.getAttribute('src'))),
        ['/assets/app.js'],
      )
      await page.goto(`${url}/teams/1`)
      await page.goto(`${url}/rounds/2`)
      assert.ok((await page.locator('main').innerText()).includes(HOSTILE))
      assert.deepEqual(dialogs, [], 'no alert() ran')
      await page.close()
    })

    test('the spinner shows while a slow check runs and clears when it ends, without a reload', async () => {
      const page = await newPage()
      await page.goto(`${url}/grid`)
      await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42))
      const slow = cell(page, 1, 'slow')
      const before = await slow.locator('.last-scan').textContent()
      assert.equal(await slow.locator('.spinner').isVisible(), false)
      slowDelayMs = 3000
      const running = round()
      await slow.locator('.spinner').waitFor({ state: 'visible', timeout: 15_000 })
      await running
      await slow.locator('.spinner').waitFor({ state: 'hidden', timeout: 5000 })
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as { marker: number }).marker),
        42,
        'no reload',
      )
      // The spinner clears as the check ends; the round's scores (and the scan time) are written
      // when the round ends, and reach the page with the next update.
      const deadline = Date.now() + 5000
      while ((await slow.locator('.last-scan').textContent()) === before && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100))
      assert.notEqual(await slow.locator('.last-scan').textContent(), before, 'the last scan time moved on')
      assert.equal(await slow.locator('.state').textContent(), 'up')
      slowDelayMs = 0
      await page.close()
    })

    test('white takes a service down on the admin page and the next round records it', async () => {
      const page = await newPage()
      await login(page, 'white')
      await page.goto(`${url}/admin?team=2`)
      const row = page.locator('tr[data-team="2"][data-service="web"]')
      await row.locator('input[name=reason]').fill('red team <b>penalty</b>')
      await Promise.all([
        page.waitForURL(/done=down/),
        row.locator('button', { hasText: 'Take down' }).click(),
      ])
      assert.match(await page.locator('.notice').innerText(), /administratively down/)
      await page.goto(`${url}/grid`)
      await round()
      const web2 = cell(page, 2, 'web')
      await web2.locator('.state', { hasText: 'admin down' }).waitFor({ timeout: 5000 })
      // The flag shows at once (with its reason); the round's score, with its error, one update later.
      await web2.locator('.error', { hasText: 'Administratively down:' }).waitFor({ timeout: 5000 })
      assert.match(
        (await web2.locator('.error').textContent()) ?? '',
        /Administratively down: red team <b>penalty<\/b>/,
      )
      await page.screenshot({ path: join(SCREENSHOTS, 'grid-white.png'), fullPage: true })
      const db = openDatabase(join(dir, 'scanner.db'), { readonly: true })
      try {
        const last = db
          .prepare(
            `SELECT sc.error, sc.up FROM scores sc JOIN services s ON s.id = sc.service_id
             WHERE s.team = 2 AND s.name = 'web' ORDER BY sc.id DESC LIMIT 1`,
          )
          .get()
        assert.deepEqual(last, { error: 'Administratively down: red team <b>penalty</b>', up: 0 })
        assert.deepEqual(db.prepare('SELECT action, actor FROM service_control_log').all(), [
          { action: 'down', actor: 'white' },
        ])
      } finally {
        db.close()
      }
      assert.deepEqual(dialogs, [])
      await page.close()
    })
  },
)
