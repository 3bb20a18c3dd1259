import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { runRoundWith, tempDir } from '../helpers/engine.ts'

const ONE_THREAD_ONLY = fileURLToPath(
  new URL('../fixtures/services/one-thread-only/services.ts', import.meta.url),
)

test('engine: threads that cannot start while one is up leave the pool, and their teams are checked by the one', async (t) => {
  const dir = tempDir(t)
  process.env.SCANNER_TEST_THREAD_CLAIM = join(dir, 'claim')
  t.after(() => delete process.env.SCANNER_TEST_THREAD_CLAIM)
  const teams = [1, 2, 3, 4, 5, 6]
  const run = await runRoundWith(
    t,
    `name: X\nteams: [ ${teams.map((n) => `{ number: ${n} }`).join(', ')} ]\nservices: [ { name: s, type: up, host: 127.0.0.1, port: 1 } ]\n`,
    { workers: 3, servicesFiles: [ONE_THREAD_ONLY], dir },
  )
  for (const team of teams)
    assert.equal(run.result(team, 's').up, true, `team ${team}: ${run.result(team, 's').error}`)
  const dropped = run.logs.filter((line) => /EEXIST.*going on with [12] thread/.test(line))
  assert.equal(dropped.length, 2, run.logs.join('\n'))
})

test('engine: when no thread can start, the round fails with the reason and records nothing', async (t) => {
  const dir = tempDir(t)
  const claim = join(dir, 'claim')
  process.env.SCANNER_TEST_THREAD_CLAIM = claim
  t.after(() => delete process.env.SCANNER_TEST_THREAD_CLAIM)
  mkdirSync(claim)
  await assert.rejects(
    runRoundWith(
      t,
      `name: X\nteams: [ { number: 1 }, { number: 2 } ]\nservices: [ { name: s, type: up, host: 127.0.0.1, port: 1 } ]\n`,
      { workers: 2, servicesFiles: [ONE_THREAD_ONLY], dir },
    ),
    /EEXIST/,
  )
  const db = new Database(join(dir, 'scanner.db'), { readonly: true })
  t.after(() => db.close())
  assert.deepEqual(db.prepare('SELECT COUNT(*) AS n FROM scores').get(), { n: 0 })
})
