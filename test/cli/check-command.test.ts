import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { startHttpServer } from '../../src/demo/http-server.ts'
import { runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/engine.ts'
import { closedPort } from '../support/check.ts'

async function competition(dir: string): Promise<() => Promise<void>> {
  const closed = await closedPort()
  const server = await startHttpServer({
    routes: { '/': { body: 'Welcome, team' }, '/team2': { body: 'Defaced by red' } },
  })
  writeFileSync(
    join(dir, 'competition.yaml'),
    `name: Dry
teams: [ { number: 1, name: Blue Herons }, { number: 2 } ]
services:
  - { name: www, type: http, host: 127.0.0.1, port: ${server.port}, http_string: Welcome, overrides: { 2: { url: /team2 } } }
  - { name: admin, type: tcp, host: 127.0.0.1, port: ${closed} }
`,
  )
  return () => server.close()
}

test('check TEAM/SERVICE: an up service shows every stage passed; nothing is recorded', async (t) => {
  const dir = tempDir(t)
  t.after(await competition(dir))
  const { code, stdout, stderr } = await runCli(['check', 'Blue Herons/www'], dir)
  assert.equal(code, 0, stderr)
  assert.match(stdout, /^Team 1 \/ www: http 127\.0\.0\.1:\d+ \(dry run, nothing recorded\)/)
  assert.match(stdout, /\n {2}connect +ok .*\n {2}action +ok .*\n {2}match +ok /)
  assert.match(stdout, /\nUP: score 1 in \d+ ms/)
  assert.equal(existsSync(join(dir, 'scanner.db')), false, 'a dry run creates no database')
})

test('check TEAM/SERVICE: a wrong page fails at stage match with the message a team would see', async (t) => {
  const dir = tempDir(t)
  t.after(await competition(dir))
  const { code, stdout } = await runCli(['check', '2/www', '--json'], dir)
  assert.equal(code, 0)
  const run = JSON.parse(stdout) as {
    up: boolean
    stage: string
    stages: { stage: string; ok: boolean; error: string | null }[]
  }
  assert.equal(run.up, false)
  assert.equal(run.stage, 'match')
  assert.deepEqual(
    run.stages.map((s) => [s.stage, s.ok]),
    [
      ['connect', true],
      ['action', true],
      ['match', false],
    ],
  )
  assert.match(run.stages[2]!.error!, /does not contain "Welcome"/)
})

test('check TEAM/SERVICE: a closed port fails at stage connect', async (t) => {
  const dir = tempDir(t)
  t.after(await competition(dir))
  const { stdout } = await runCli(['check', 'team1/admin'], dir)
  assert.match(stdout, /\n {2}connect +FAIL +\d+ ms {2}connection refused\nDOWN at stage connect/)
})

test('check TEAM/SERVICE: an unknown team or service is a usage error (exit 2) naming what exists', async (t) => {
  const dir = tempDir(t)
  t.after(await competition(dir))
  const team = await runCli(['check', '7/www'], dir)
  assert.equal(team.code, 2)
  assert.match(team.stderr, /no team "7" in the config; teams: 1, 2/)
  const service = await runCli(['check', '1/mail'], dir)
  assert.equal(service.code, 2)
  assert.match(service.stderr, /team 1 has no service "mail"; its services: www, admin/)
  const shape = await runCli(['check', 'www'], dir)
  assert.equal(shape.code, 2)
  assert.match(shape.stderr, /name the service as TEAM\/SERVICE/)
})
