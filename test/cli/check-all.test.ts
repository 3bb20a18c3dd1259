import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startHttpServer } from '../../src/demo/http-server.ts'
import { runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/engine.ts'
import { closedPort } from '../support/check.ts'

/** Two teams: a page (defaced for team 2), a closed port, a server that never answers, an external service. */
async function competition(t: TestContext, dir: string): Promise<void> {
  const closed = await closedPort()
  const web = await startHttpServer({
    routes: { '/': { body: 'Welcome, team' }, '/team2': { body: 'Defaced by red' } },
  })
  const hole = await startBlackhole()
  t.after(() => Promise.all([web.close(), hole.close()]))
  writeFileSync(
    join(dir, 'competition.yaml'),
    `name: Preflight
defaults: { timeout: 10s }
teams: [ { number: 1, name: Blue Herons }, { number: 2 } ]
services:
  - { name: www, type: http, host: 127.0.0.1, port: ${web.port}, http_string: Welcome, overrides: { 2: { url: /team2 } } }
  - { name: admin, type: tcp, host: 127.0.0.1, port: ${closed} }
  - { name: api, type: http, host: 127.0.0.1, port: ${hole.port}, timeout: 1s }
  - { name: scada, type: tcp, host: 127.0.0.1, port: ${closed}, external: true }
`,
  )
}

/** Name, size, time and hash of every file in `dir`. */
function snapshot(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const file = join(dir, name)
      const hash = createHash('sha256').update(readFileSync(file)).digest('hex')
      return `${name} ${statSync(file).mtimeMs} ${hash}`
    })
}

test('check --all: a team x service matrix with up or the failing stage, then the failures with their messages; exit 0', async (t) => {
  const dir = tempDir(t)
  await competition(t, dir)
  const { code, stdout, stderr } = await runCli(['check', '--all'], dir)
  assert.equal(code, 0, stderr)
  const [matrix, summary, failures] = stdout.split('\n\n')
  assert.deepEqual(matrix!.split('\n'), [
    'team         www    admin    api               scada',
    '-----------  -----  -------  ----------------  --------',
    'Blue Herons  up     connect  action (timeout)  external',
    'Team 2       match  connect  action (timeout)  external',
  ])
  assert.match(summary!, /^1\/6 checks up in \d+\.\d s \(dry run, nothing recorded\)$/)
  assert.deepEqual(failures!.trimEnd().split('\n'), [
    'Failures:',
    '  Blue Herons / admin: connect: connection refused',
    '  Blue Herons / api: action (timeout): timed out after 1 s',
    '  Team 2 / www: match: page does not contain "Welcome"; received "Defaced by red"',
    '  Team 2 / admin: connect: connection refused',
    '  Team 2 / api: action (timeout): timed out after 1 s',
  ])
  assert.equal(existsSync(join(dir, 'scanner.db')), false, 'no database is created')
  assert.equal(existsSync(join(dir, 'scan.log')), false, 'no scan log is written')
})

test('check --all --json: the result of every check', async (t) => {
  const dir = tempDir(t)
  await competition(t, dir)
  const { code, stdout } = await runCli(['check', '--all', '--json'], dir)
  assert.equal(code, 0)
  const checks = JSON.parse(stdout) as Record<string, unknown>[]
  assert.deepEqual(
    checks.map((c) => [c.team, c.service, c.up, c.stage, c.timed_out]),
    [
      [1, 'www', true, null, false],
      [1, 'admin', false, 'connect', false],
      [1, 'api', false, 'action', true],
      [2, 'www', false, 'match', false],
      [2, 'admin', false, 'connect', false],
      [2, 'api', false, 'action', true],
    ],
  )
  const www = checks[0]!
  assert.deepEqual(Object.keys(www), [
    'team',
    'team_name',
    'service',
    'type',
    'host',
    'port',
    'up',
    'score',
    'stage',
    'timed_out',
    'error',
    'duration_ms',
    'detail',
  ])
  assert.equal(www.team_name, 'Blue Herons')
  assert.equal(www.score, 1)
  assert.equal(checks[3]!.error, 'page does not contain "Welcome"; received "Defaced by red"')
})

test('check --all: the database named by --db is neither created nor modified', async (t) => {
  const dir = tempDir(t)
  await competition(t, dir)
  const missing = await runCli(['check', '--all', '--db', 'other.db'], dir)
  assert.equal(missing.code, 0, missing.stderr)
  assert.equal(existsSync(join(dir, 'other.db')), false)

  const round = await runCli(['run', '--round'], dir)
  assert.equal(round.code, 0, round.stderr)
  const before = snapshot(dir)
  assert.ok(before.some((f) => f.startsWith('scanner.db ')))
  const check = await runCli(['check', '--all'], dir)
  assert.equal(check.code, 0, check.stderr)
  assert.deepEqual(snapshot(dir), before)
})

test('check: TEAM/SERVICE or --all, one of the two (exit 2)', async (t) => {
  const dir = tempDir(t)
  await competition(t, dir)
  const neither = await runCli(['check'], dir)
  assert.equal(neither.code, 2)
  assert.match(
    neither.stderr,
    /name the service to check as TEAM\/SERVICE \(for example 3\/www\), or use --all/,
  )
  const both = await runCli(['check', '1/www', '--all'], dir)
  assert.equal(both.code, 2)
  assert.match(both.stderr, /give TEAM\/SERVICE or --all, not both/)
})
