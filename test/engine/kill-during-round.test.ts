import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { LIFECYCLE_CHECKS, tempDir } from '../helpers/engine.ts'
import { runCli, startCli } from '../helpers/cli.ts'

const config = (slowType: string) => `
name: Kill test
defaults: { timeout: 30s, points: 2 }
teams: [ { number: 1 }, { number: 2 } ]
services:
  - { name: web, type: probe, host: 127.0.0.1, port: 1 }
  - { name: slow, type: ${slowType}, host: 127.0.0.1, port: 1 }
`

test('kill -9 during a round: the next run marks the cut round aborted, clears in-progress flags and keeps earlier rounds', async (t) => {
  const dir = tempDir(t)
  const args = ['run', '--round', '--services', LIFECYCLE_CHECKS, '--workers', '1']
  writeFileSync(join(dir, 'competition.yaml'), config('probe'))
  const first = await runCli(args, dir)
  assert.equal(first.code, 0, first.stderr)

  writeFileSync(join(dir, 'competition.yaml'), config('hang'))
  const child = startCli(args, dir)
  const db = new Database(join(dir, 'scanner.db'), { readonly: true })
  t.after(() => db.close())
  const deadline = Date.now() + 15_000
  for (;;) {
    const row = db.prepare(`SELECT COUNT(*) AS n FROM service_state WHERE in_progress = 1`).get() as {
      n: number
    }
    if (row.n > 0) break
    assert.ok(Date.now() < deadline, 'the second round never started')
    await sleep(50)
  }
  const exited = new Promise((resolve) => child.on('exit', resolve))
  child.kill('SIGKILL')
  await exited

  const second = db.prepare(`SELECT status FROM rounds WHERE id = 2`).get() as { status: string }
  assert.equal(second.status, 'running', 'the killed round is left running until the next start')

  writeFileSync(join(dir, 'competition.yaml'), config('probe'))
  const third = await runCli(args, dir)
  assert.equal(third.code, 0, third.stderr)
  assert.match(third.stderr, /marked 1 round\(s\) cut short/)

  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok')
  const rounds = db.prepare('SELECT id, status FROM rounds ORDER BY id').all()
  assert.deepEqual(rounds, [
    { id: 1, status: 'complete' },
    { id: 2, status: 'aborted' },
    { id: 3, status: 'complete' },
  ])
  const perRound = db
    .prepare('SELECT round_id, COUNT(*) AS n FROM scores GROUP BY round_id ORDER BY round_id')
    .all()
  assert.deepEqual(perRound, [
    { round_id: 1, n: 4 },
    { round_id: 3, n: 4 },
  ])
  const stuck = db.prepare('SELECT COUNT(*) AS n FROM service_state WHERE in_progress = 1').get() as {
    n: number
  }
  assert.equal(stuck.n, 0)
})

test('two rounds on one database never run at the same time: the second exits with a clear message', async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'competition.yaml'), config('hang').replace('30s', '6s'))
  const args = ['run', '--round', '--services', LIFECYCLE_CHECKS, '--workers', '1']
  const child = startCli(args, dir)
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  const db = join(dir, 'scanner.db')
  const deadline = Date.now() + 15_000
  for (;;) {
    await sleep(50)
    try {
      const d = new Database(db, { readonly: true })
      const row = d.prepare('SELECT COUNT(*) AS n FROM runner').get() as { n: number }
      d.close()
      if (row.n > 0) break
    } catch {
      // not created yet
    }
    assert.ok(Date.now() < deadline, 'the first round never started')
  }
  const second = await runCli(args, dir)
  assert.equal(second.code, 1)
  assert.match(second.stderr, /another scanner \(pid \d+, since .*\) is running rounds on this database/)
  assert.equal(await exited, 0)
})
