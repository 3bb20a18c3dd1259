import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { runCli, startCli, type CliResult } from '../helpers/cli.ts'
import { closedPort, eventually } from '../support/check.ts'
import { externalCompetition } from '../support/external-competition.ts'

const SDK = new URL('../../src/sdk.ts', import.meta.url).href
const TEAMS = 8
const BUSY = /SQLITE_BUSY|database is locked/i

/**
 * An external check that scores every team's plant over and over, as fast as a script reasonably
 * would (a pause of 2 ms between polls), until the file `stop` appears; prints the score ids.
 */
const SCORER = `
import { existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { openScanner } from ${JSON.stringify(SDK)}
const [db, stop] = process.argv.slice(2)
const scanner = await openScanner({ db })
const plants = scanner.services('plant')
const ids = []
for (let n = 0; !existsSync(stop); n++) {
  for (const plant of plants) {
    scanner.insertServiceScoreInProgress(plant.id)
    ids.push(scanner.insertServiceScore(plant.id, n % 2 ? plant.points : 0, n % 2 ? null : 'tripped').id)
    scanner.insertServiceScoreDone(plant.id)
  }
  await sleep(2)
}
scanner.close()
console.log(JSON.stringify(ids))
`

function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

test(
  'external checks score while `scanner run` runs rounds in another process: both succeed, no SQLITE_BUSY, every score kept',
  { timeout: 180_000 },
  async (t) => {
    const blackhole = await startBlackhole()
    t.after(() => blackhole.close())
    const closed = await closedPort()
    const teams = Array.from({ length: TEAMS }, (_, i) => `{ number: ${i + 1} }`).join(', ')
    const { dir, db, ids } = await externalCompetition(
      t,
      `name: Busy
defaults: { timeout: 2s, points: 5 }
round: { interval: 1s, jitter: 0s }
teams: [ ${teams} ]
services:
  - { name: slow, type: tcp, host: 127.0.0.1, port: ${blackhole.port}, options: { expect_regex: '^SSH-' } }
  - { name: closed, type: tcp, host: 127.0.0.1, port: ${closed} }
  - { name: plant, type: http, host: 127.0.0.1, port: 8000, external: true, points: 10 }
`,
    )
    const reader = new Database(db, { readonly: true })
    t.after(() => reader.close())
    const externalScores = () =>
      (reader.prepare('SELECT COUNT(*) AS n FROM scores WHERE round_id IS NULL').get() as { n: number }).n
    const roundRunning = (id: number) =>
      reader.prepare(`SELECT 1 FROM rounds WHERE status = 'running' AND id = ?`).get(id) !== undefined
    const completeRounds = () =>
      (reader.prepare(`SELECT COUNT(*) AS n FROM rounds WHERE status = 'complete'`).get() as { n: number }).n

    writeFileSync(join(dir, 'scorer.mjs'), SCORER)
    const scorer = finished(
      spawn(process.execPath, [join(dir, 'scorer.mjs'), db, join(dir, 'stop')], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    )
    await eventually(() => externalScores() > 0, 30_000, 'the scorer scores')

    const cliIds: number[] = []
    const scannerRun = startCli(['run'], dir)
    const run = finished(scannerRun)
    for (const round of [1, 2]) {
      await eventually(() => roundRunning(round), 30_000, `round ${round} starts`)
      // Scripts through the CLI too, while the round's checks wait on the blackhole.
      const calls = await Promise.all(
        [1, 2, 3].map((team) =>
          runCli(['external', 'score', String(ids[`${team}/plant`]), '3', '--error', 'cli'], dir),
        ),
      )
      for (const call of calls) {
        assert.equal(call.code, 0, call.stderr)
        assert.doesNotMatch(call.stderr, BUSY)
        cliIds.push(Number(call.stdout))
      }
    }
    await eventually(() => completeRounds() >= 2, 30_000, 'two rounds complete')
    scannerRun.kill('SIGTERM')
    const done = await run
    assert.equal(done.code, 0, done.stderr)
    assert.doesNotMatch(done.stderr, BUSY)
    writeFileSync(join(dir, 'stop'), '')
    const scored = await scorer
    assert.equal(scored.code, 0, scored.stderr)
    assert.doesNotMatch(scored.stderr, BUSY)
    const scorerIds = JSON.parse(scored.stdout) as number[]

    // Every external score is there, once, and the running totals count each of them.
    const external = reader
      .prepare('SELECT id, service_id, created_at FROM scores WHERE round_id IS NULL ORDER BY id')
      .all() as { id: number; service_id: number; created_at: string }[]
    assert.deepEqual(
      external.map((s) => s.id),
      [...scorerIds, ...cliIds].sort((a, b) => a - b),
    )
    const checks = reader
      .prepare(
        `SELECT s.id, st.checks, (SELECT COUNT(*) FROM scores sc WHERE sc.service_id = s.id) AS scores
         FROM services s JOIN service_state st ON st.service_id = s.id WHERE s.name = 'plant'`,
      )
      .all() as { id: number; checks: number; scores: number }[]
    for (const c of checks) assert.equal(c.checks, c.scores, `service ${c.id}: every score counted once`)

    // Both rounds are complete with a score for every service they check, and were written while
    // the scripts were writing.
    const rounds = reader.prepare('SELECT * FROM rounds ORDER BY id').all() as {
      id: number
      status: string
      started_at: string
      finished_at: string
    }[]
    assert.ok(rounds.length >= 2, 'at least two rounds')
    assert.ok(
      rounds.every((r) => r.status === 'complete'),
      'SIGTERM lets the round in flight finish: every round complete',
    )
    for (const round of rounds) {
      const scores = reader
        .prepare(
          `SELECT s.name, sc.up, sc.stage FROM scores sc JOIN services s ON s.id = sc.service_id WHERE sc.round_id = ?`,
        )
        .all(round.id) as { name: string; up: number; stage: string }[]
      assert.equal(scores.length, TEAMS * 2, `round ${round.id}`)
      assert.ok(scores.every((s) => s.name !== 'plant' && s.up === 0))
      assert.equal(scores.filter((s) => s.name === 'slow' && s.stage === 'match').length, TEAMS)
      const during = external.filter(
        (s) => s.created_at >= round.started_at && s.created_at <= round.finished_at,
      )
      assert.ok(during.length > 0, `external scores were written during round ${round.id}`)
    }
    const spinning = reader
      .prepare('SELECT COUNT(*) AS n FROM service_state WHERE in_progress = 1')
      .get() as {
      n: number
    }
    assert.equal(spinning.n, 0)
  },
)
