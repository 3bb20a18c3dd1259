import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Store } from '../../db/store.ts'
import { verifyPassword } from '../../src/auth/password-hash.ts'
import { parseListen } from '../../src/commands/listen-address.ts'
import { CLI, runCli, startCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/temp-dir.ts'

function passwd(input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'passwd'], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdin.end(input)
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

test('cli: scanner passwd prints a hash of the first line of stdin; an empty password is a usage error', async () => {
  const result = await passwd('s3cret pass\nignored\n')
  assert.equal(result.code, 0, result.stderr)
  const hash = result.stdout.trim()
  assert.ok(await verifyPassword('s3cret pass', hash))
  const empty = await passwd('\n')
  assert.equal(empty.code, 2)
  assert.match(empty.stderr, /empty password/)
})

test('cli: scanner serve refuses a missing database and a --listen it cannot parse (exit 2)', async (t) => {
  const dir = tempDir(t)
  const missing = await runCli(['serve', '--db', join(dir, 'none.db')], dir)
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /database .*none\.db not found/)
  const bad = await runCli(['serve', '--listen', 'localhost', '--db', join(dir, 'none.db')], dir)
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /--listen must be HOST:PORT/)
})

test('serve: --listen takes HOST:PORT, [IPv6]:PORT or a port alone', () => {
  assert.deepEqual(parseListen('0.0.0.0:80'), { host: '0.0.0.0', port: 80 })
  assert.deepEqual(parseListen('[::1]:8080'), { host: '::1', port: 8080 })
  assert.deepEqual(parseListen('9000'), { host: '127.0.0.1', port: 9000 })
  assert.throws(() => parseListen('host:99999'), /HOST:PORT/)
})

test('cli: scanner serve serves the pages with the users of the config until SIGTERM', async (t) => {
  const dir = tempDir(t)
  const hash = (await passwd('pw\n')).stdout.trim()
  writeFileSync(
    join(dir, 'competition.yaml'),
    `name: Served
teams: [ { number: 1 } ]
services: [ { name: web, type: tcp, host: 127.0.0.1, port: 1 } ]
users: [ { name: white, role: white, password_hash: "${hash}" } ]
`,
  )
  const store = Store.open(join(dir, 'scanner.db'))
  store.close()
  const child = startCli(['serve', '--listen', '127.0.0.1:0'], dir)
  t.after(() => child.kill('SIGKILL'))
  let stdout = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString()
      const match = /http:\/\/[\d.]+:\d+/.exec(stdout)
      if (match) resolve(match[0])
    })
    child.on('close', (code) => reject(new Error(`serve exited with ${code}`)))
  })
  assert.match(stdout, /1 user;/)
  const page = await fetch(`${url}/`)
  assert.equal(page.status, 200)
  assert.match(await page.text(), /<title>Scoreboard - Served<\/title>/)
  const exited = new Promise((resolve) => child.on('close', resolve))
  child.kill('SIGTERM')
  assert.equal(await exited, 0)
})
