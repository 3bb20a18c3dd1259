import assert from 'node:assert/strict'
import { test } from 'node:test'
import { threadId } from 'node:worker_threads'
import { startDemoCompetition } from '../../src/demo/demo-competition.ts'
import { runRoundWith } from '../helpers/engine.ts'

/**
 * One round over 3 teams x 5 services against real servers on loopback: an HTTP server, an SSH
 * server (ssh2's), a DNS server, a closed port, plus the `probe` test type that records on which
 * thread each lifecycle hook ran.
 */
test('round: 3 teams x 5 services against real HTTP, SSH and DNS servers score every service once, with stage and error', async (t) => {
  const demo = await startDemoCompetition()
  t.after(() => demo.close())
  const yaml = `${demo.yaml}  - { name: probe, type: probe, host: 127.0.0.1, port: 1 }\n`
  const run = await runRoundWith(t, yaml, { workers: 2 })

  const expected: Record<string, [up: boolean, stage: string | null, error: RegExp | null]> = {
    '1/web': [true, null, null],
    '1/ssh': [true, null, null],
    '1/dns': [true, null, null],
    '1/ssh-port': [true, null, null],
    '2/web': [false, 'match', /^page does not contain "Welcome"; received "<html><h1>pwned by red team/],
    '2/ssh': [false, 'auth', /^login refused for user "alice"$/],
    '2/dns': [true, null, null],
    '2/ssh-port': [true, null, null],
    '3/web': [true, null, null],
    '3/ssh': [false, 'connect', /^connection refused$/],
    '3/dns': [false, 'match', /^A www\.demo\.scanner answered "10\.66\.6\.6", expected "127\.0\.0\.1"$/],
    '3/ssh-port': [false, 'connect', /^connection refused$/],
  }
  for (const team of [1, 2, 3]) expected[`${team}/probe`] = [true, null, null]

  for (const [key, [up, stage, error]] of Object.entries(expected)) {
    const [team, name] = key.split('/') as [string, string]
    const result = run.result(Number(team), name)
    assert.equal(result.up, up, `${key}: ${result.error}`)
    assert.equal(result.score, up ? 5 : 0, key)
    assert.equal(result.stage, stage, key)
    if (error) assert.match(result.error ?? '', error, key)
    else assert.equal(result.error, null, key)
  }

  const rows = run.store.db
    .prepare(
      `SELECT s.team, s.name, sc.score, sc.stage, sc.error, COUNT(sc.id) AS n
         FROM services s LEFT JOIN scores sc ON sc.service_id = s.id AND sc.round_id = ?
        GROUP BY s.id`,
    )
    .all(run.summary.roundId) as {
    team: number
    name: string
    score: number
    stage: string | null
    error: string | null
    n: number
  }[]
  assert.equal(rows.length, 15)
  for (const row of rows) {
    const key = `${row.team}/${row.name}`
    const [up, stage] = expected[key]!
    assert.equal(row.n, 1, `${key}: exactly one score row`)
    assert.equal(row.score, up ? 5 : 0, key)
    assert.equal(row.stage, stage, key)
    assert.equal(row.error, run.result(row.team, row.name).error, key)
  }

  for (const team of [1, 2, 3]) {
    const hooks = run.logs
      .filter((l) => l.includes(`Team${team} : PROBE hook`))
      .map((l) => /hook (\w+) thread (\d+)/.exec(l)!)
      .map((m) => ({ hook: m[1]!, thread: Number(m[2]) }))
    assert.deepEqual(
      hooks.map((h) => h.hook),
      ['startCheck', 'resolveMulti', 'preCheck', 'doCheck', 'postCheck', 'endCheck'],
    )
    const on = (hook: string) => hooks.find((h) => h.hook === hook)!.thread
    assert.equal(on('startCheck'), threadId, 'startCheck on the main thread')
    assert.equal(on('endCheck'), threadId, 'endCheck on the main thread')
    assert.notEqual(on('doCheck'), threadId, "doCheck in the team's worker thread")
  }
})
