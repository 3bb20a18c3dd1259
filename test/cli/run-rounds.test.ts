import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startHttpServer } from '../../src/demo/http-server.ts'
import { runCli, startCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/engine.ts'
import { assertRoundsWhole, roundsOf } from '../helpers/rounds.ts'
import { eventually } from '../support/check.ts'

interface Scanner {
  child: ChildProcess
  stdout: string
  stderr: string
  exit: Promise<number | null>
  /** The database, read by this test through its own connection. */
  db(): Database.Database
}

/** `scanner run` in a child process over a competition of two teams: a web page and a slow check. */
async function startRun(
  t: TestContext,
  dir: string,
  round: string,
  slowTimeout: string,
  extra: string[] = [],
): Promise<Scanner> {
  const web = await startHttpServer()
  const hole = await startBlackhole()
  t.after(() => Promise.all([web.close(), hole.close()]))
  writeFileSync(
    join(dir, 'competition.yaml'),
    `name: Continuous
round: ${round}
teams: [ { number: 1 }, { number: 2 } ]
services:
  - { name: web, type: http, host: 127.0.0.1, port: ${web.port} }
  - { name: slow, type: http, host: 127.0.0.1, port: ${hole.port}, timeout: ${slowTimeout} }
`,
  )
  const child = startCli(['run', '--workers', '1', ...extra], dir)
  const scanner: Scanner = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.on('close', resolve)),
    db: () => (db ??= new Database(join(dir, 'scanner.db'), { readonly: true })),
  }
  let db: Database.Database | undefined
  child.stdout!.on('data', (d: Buffer) => (scanner.stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (scanner.stderr += d.toString()))
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await scanner.exit
    db?.close()
  })
  await eventually(() => scanner.stderr.includes('synced:'), 20_000, 'the scanner to start')
  return scanner
}

function running(db: Database.Database): number | undefined {
  const row = db.prepare(`SELECT id FROM rounds WHERE status = 'running'`).get() as { id: number } | undefined
  return row?.id
}

test('run: SIGTERM during a round lets it finish whole, then exits 0 with the lock released', async (t) => {
  const dir = tempDir(t)
  const scanner = await startRun(t, dir, '{ interval: 300ms, jitter: 100ms }', '1500ms')
  await eventually(() => scanner.stdout.includes('Round 1 complete'), 20_000, 'a first round')
  await eventually(() => running(scanner.db()) !== undefined, 5000, 'a round in flight')
  const round = running(scanner.db())!
  scanner.child.kill('SIGTERM')
  assert.equal(await scanner.exit, 0, scanner.stderr)
  assert.match(
    scanner.stderr,
    new RegExp(`SIGTERM: finishing round ${round}; a second Ctrl-C \\(or SIGTERM\\) aborts it`),
  )
  const rounds = assertRoundsWhole(scanner.db())
  assert.deepEqual(
    rounds.map((r) => r.status),
    Array.from({ length: round }, () => 'complete'),
  )
  assert.match(scanner.stdout, new RegExp(`\\nStopped: ${round} round\\(s\\) complete in this run\\n$`))
})

test('run: a second signal aborts the round in flight: marked aborted with no score, exit 0', async (t) => {
  const dir = tempDir(t)
  const scanner = await startRun(t, dir, '{ interval: 300ms, jitter: 100ms }', '30s')
  await eventually(
    () => running(scanner.db()) !== undefined && scanner.stderr.includes('Success Team2 : HTTP GET'),
    20_000,
    'a round in flight',
  )
  const round = running(scanner.db())!
  scanner.child.kill('SIGINT')
  await eventually(() => scanner.stderr.includes('SIGINT: finishing round'), 5000, 'the first signal heard')
  scanner.child.kill('SIGTERM')
  assert.equal(await scanner.exit, 0, scanner.stderr)
  assert.match(scanner.stderr, new RegExp(`SIGTERM: aborting round ${round}\\n`))
  const rounds = assertRoundsWhole(scanner.db())
  assert.deepEqual(
    rounds.map((r) => [r.id, r.status, r.scores]),
    [[round, 'aborted', 0]],
  )
  assert.match(
    scanner.stdout,
    /Stopped: round 1 aborted \(no score recorded\); 0 round\(s\) complete in this run/,
  )
})

test('run: a signal between rounds exits at once', async (t) => {
  const dir = tempDir(t)
  const scanner = await startRun(t, dir, '{ interval: 60s, jitter: 1s }', '1s')
  await eventually(() => scanner.stdout.includes('Round 1 complete'), 20_000, 'a first round')
  const next = /Round 1 complete in [\d.]+ s: 2\/4 services up; next round in ([\d.]+) s/.exec(scanner.stdout)
  assert.ok(next, scanner.stdout)
  assert.ok(
    Number(next[1]) > 50 && Number(next[1]) <= 61,
    `the next round 59 to 61 s after the first started: ${next[1]}`,
  )
  const signalled = performance.now()
  scanner.child.kill('SIGINT')
  assert.equal(await scanner.exit, 0, scanner.stderr)
  assert.ok(performance.now() - signalled < 5000, 'no wait for the next round')
  assert.match(scanner.stderr, /SIGINT: stopping \(no round in flight\)/)
  assert.deepEqual(
    assertRoundsWhole(scanner.db()).map((r) => r.status),
    ['complete'],
  )
})

test('pause and resume from other processes: a scanner started paused waits, and a pause stops new rounds until resume', async (t) => {
  const dir = tempDir(t)
  const pause = await runCli(['pause', '--reason', 'router swap'], dir)
  assert.equal(pause.code, 0, pause.stderr)
  assert.match(
    pause.stdout,
    /^Rounds paused since (\S+) by cli \(router swap\): a scanner started on this database waits until scanner resume\n$/,
  )
  const again = await runCli(['pause'], dir)
  assert.equal(again.code, 0)
  const since = /since (\S+)/.exec(pause.stdout)![1]!
  assert.ok(
    again.stdout.startsWith(`Rounds already paused since ${since} by cli (router swap)`),
    again.stdout,
  )

  const scanner = await startRun(t, dir, '{ interval: 200ms, jitter: 50ms }', '1s')
  await eventually(
    () => /Scanner: paused by cli since \S+ \(router swap\)/.test(scanner.stderr),
    10_000,
    'paused',
  )
  await new Promise((resolve) => setTimeout(resolve, 1000))
  assert.equal(roundsOf(scanner.db()).length, 0, 'no round while paused')
  const status = await runCli(['status'], dir)
  assert.match(
    status.stdout,
    new RegExp(
      `\\nRounds paused since ${since} by cli \\(router swap\\): scanner resume starts them again\\n$`,
    ),
  )

  const resume = await runCli(['resume'], dir)
  assert.equal(resume.code, 0, resume.stderr)
  assert.equal(
    resume.stdout,
    `Rounds resumed (paused since ${since}): the scanner (pid ${scanner.child.pid}) starts rounds again\n`,
  )
  await eventually(() => scanner.stdout.includes('Round 1 complete'), 10_000, 'a round after resume')
  assert.match(scanner.stderr, /Scanner: resumed: rounds start again/)

  const second = await runCli(['pause', '--json'], dir)
  assert.equal(JSON.parse(second.stdout).paused, true)
  await eventually(() => scanner.stderr.split('Scanner: paused by cli').length === 3, 5000, 'paused again')
  await eventually(() => running(scanner.db()) === undefined, 5000, 'the round in flight to end')
  const count = roundsOf(scanner.db()).length
  await new Promise((resolve) => setTimeout(resolve, 1200))
  assert.equal(roundsOf(scanner.db()).length, count, 'no new round while paused')

  scanner.child.kill('SIGTERM')
  assert.equal(await scanner.exit, 0, scanner.stderr)
  assertRoundsWhole(scanner.db())
  const resumed = await runCli(['resume', '--json'], dir)
  assert.deepEqual(JSON.parse(resumed.stdout), { paused: false, since: null, reason: null, by: null })
  const idle = await runCli(['resume'], dir)
  assert.equal(idle.stdout, 'Rounds were not paused: no scanner is running rounds\n')
})

test('run --serve: rounds and the web pages in one process; the pages show the rounds, SIGTERM stops both', async (t) => {
  const dir = tempDir(t)
  const scanner = await startRun(t, dir, '{ interval: 300ms, jitter: 0ms }', '500ms', [
    '--serve',
    '--listen',
    '127.0.0.1:0',
  ])
  await eventually(() => /scanner serve: (http:\/\/\S+)/.test(scanner.stderr), 10_000, 'the pages to start')
  const url = /scanner serve: (http:\/\/\S+)/.exec(scanner.stderr)![1]!
  await eventually(() => scanner.stdout.includes('Round 1 complete'), 20_000, 'a first round')
  const status = (await (await fetch(`${url}/api/status`)).json()) as {
    service: string
    up: boolean | null
  }[]
  assert.deepEqual(
    status.map((s) => [s.service, s.up]),
    [
      ['web', true],
      ['slow', false],
      ['web', true],
      ['slow', false],
    ],
  )
  scanner.child.kill('SIGTERM')
  assert.equal(await scanner.exit, 0, scanner.stderr)
  assertRoundsWhole(scanner.db())
  await assert.rejects(fetch(`${url}/api/status`), 'the pages stopped with the rounds')
})

test('run --serve with --round is refused with exit 2', async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'competition.yaml'), 'name: X\nteams: [ { number: 1 } ]\n')
  const result = await runCli(['run', '--round', '--serve'], dir)
  assert.equal(result.code, 2)
  assert.match(result.stderr, /--serve goes with continuous rounds/)
})
