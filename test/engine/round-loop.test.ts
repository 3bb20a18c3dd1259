import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { Store } from '../../db/store.ts'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { startHttpServer } from '../../src/demo/http-server.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { loadCheckTypes } from '../../src/engine/load-types.ts'
import type { RoundSummary } from '../../src/engine/round.ts'
import { nextRoundDelay, RoundLoop, type LoopEnd } from '../../src/engine/round-loop.ts'
import { runContinuous } from '../../src/engine/scanner-run.ts'
import { LIFECYCLE_CHECKS, tempDir } from '../helpers/engine.ts'
import { assertRoundsWhole, roundsOf } from '../helpers/rounds.ts'
import { eventually } from '../support/check.ts'

interface Running {
  loop: RoundLoop
  end: Promise<LoopEnd>
  dbFile: string
  configFile: string
  notices: string[]
  logs: string[]
  summaries: RoundSummary[]
  /** The database as another connection sees it. */
  db(): Database.Database
}

/** Writes `yaml` and starts `runContinuous` on a temp database, with the lifecycle test types. */
async function startLoop(
  t: TestContext,
  yaml: string,
  options: { random?: () => number; pollMs?: number; before?: (dbFile: string) => void } = {},
): Promise<Running> {
  const dir = tempDir(t)
  const configFile = join(dir, 'competition.yaml')
  const dbFile = join(dir, 'scanner.db')
  writeFileSync(configFile, yaml)
  const { registry, compiled } = await loadCheckTypes([LIFECYCLE_CHECKS])
  const competition = loadConfig(configFile, registry)
  options.before?.(dbFile)
  const loop = new RoundLoop()
  const notices: string[] = []
  const logs: string[] = []
  const summaries: RoundSummary[] = []
  const end = runContinuous(
    dbFile,
    competition,
    registry,
    { workers: 1, services: compiled, log: (line) => logs.push(line) },
    loop,
    {
      notice: (line) => notices.push(line),
      onRound: (summary) => summaries.push(summary),
      random: options.random,
      pollMs: options.pollMs ?? 50,
      reload: () => loadConfig(configFile, registry),
    },
  )
  t.after(async () => {
    loop.abort()
    await end.catch(() => undefined)
  })
  let db: Database.Database | undefined
  t.after(() => db?.close())
  return {
    loop,
    end,
    dbFile,
    configFile,
    notices,
    logs,
    summaries,
    db: () => (db ??= new Database(dbFile, { readonly: true })),
  }
}

const ms = (iso: string | null) => Date.parse(iso ?? '')

test('nextRoundDelay: interval plus a uniform draw in [-jitter, +jitter]', () => {
  assert.equal(
    nextRoundDelay(120_000, 15_000, () => 0),
    105_000,
  )
  assert.equal(
    nextRoundDelay(120_000, 15_000, () => 0.5),
    120_000,
  )
  assert.equal(
    nextRoundDelay(120_000, 15_000, () => 0.999_999),
    120_000 + 15_000,
  )
  const draws = Array.from({ length: 2000 }, () => nextRoundDelay(300, 100))
  assert.ok(Math.min(...draws) >= 200 && Math.max(...draws) <= 400, 'every draw within the bounds')
  assert.ok(Math.min(...draws) < 220 && Math.max(...draws) > 380, 'the draws cover the range')
})

test('run: each round starts interval +- jitter after the previous one started, on the same worker thread', async (t) => {
  const web = await startHttpServer()
  t.after(() => web.close())
  const draws = [0, 0.999, 0.5, 0.25, 0.75]
  let draw = 0
  const run = await startLoop(
    t,
    `name: Loop
round: { interval: 300ms, jitter: 100ms }
teams: [ { number: 1 }, { number: 2 } ]
services:
  - { name: web, type: http, host: 127.0.0.1, port: ${web.port} }
  - { name: probe, type: probe, host: 127.0.0.1, port: 1 }
`,
    { random: () => draws[draw++ % draws.length]! },
  )
  await eventually(() => run.summaries.length >= 5, 10_000, 'five rounds')
  run.loop.stop()
  const end = await run.end
  assert.ok(end.rounds >= 5 && end.aborted === null)

  const rounds = assertRoundsWhole(run.db())
  assert.ok(rounds.every((r) => r.status === 'complete'))
  const expected = [200, 400, 300, 250]
  for (let i = 0; i < expected.length; i++) {
    // The loop times from the moment it starts a round; the recorded started_at comes a few ms
    // later (the round's startCheck transaction), more under load: hence the lower slack.
    // A round that ran longer than its delay (the first, on a loaded box: its thread loads the
    // HTTP client) moves the next start to its end.
    const previous = rounds[i]!
    const gap = ms(rounds[i + 1]!.started_at) - ms(previous.started_at)
    const due = Math.max(expected[i]!, ms(previous.finished_at) - ms(previous.started_at))
    assert.ok(
      gap >= expected[i]! - 60 && gap <= due + 80,
      `round ${i + 2} started ${gap} ms after round ${i + 1}, expected ${expected[i]} (or when it ended)`,
    )
  }
  const threads = new Set(run.logs.flatMap((l) => /hook doCheck thread (\d+)/.exec(l)?.[1] ?? []))
  assert.equal(threads.size, 1, `one worker thread for every round, got ${[...threads].join(', ')}`)
  assert.match(
    run.notices.join('\n'),
    /synced: 2 teams, 4 services \(4 added, 0 updated, 0 retired\), rounds every 300ms \+- 100ms/,
  )
})

test('run: a round longer than the interval delays the next one, which starts right after it, never overlapping', async (t) => {
  const hole = await startBlackhole()
  t.after(() => hole.close())
  const run = await startLoop(
    t,
    `name: Overrun
round: { interval: 200ms, jitter: 50ms }
teams: [ { number: 1 } ]
services:
  - { name: stuck, type: http, host: 127.0.0.1, port: ${hole.port}, timeout: 600ms }
  - { name: probe, type: probe, host: 127.0.0.1, port: 1 }
`,
  )
  await eventually(() => run.summaries.length >= 3, 10_000, 'three rounds')
  run.loop.stop()
  await run.end
  const rounds = assertRoundsWhole(run.db())
  for (let i = 1; i < rounds.length; i++) {
    const previous = rounds[i - 1]!
    const round = rounds[i]!
    assert.ok(ms(previous.finished_at) - ms(previous.started_at) >= 600, 'the round waits for its slow check')
    const after = ms(round.started_at) - ms(previous.finished_at)
    assert.ok(
      after >= 0 && after < 100,
      `round ${round.id} started ${after} ms after round ${previous.id} ended`,
    )
  }
  assert.match(
    run.notices.join('\n'),
    /round 1 took \d+ms, longer than the \d+ms drawn until the next round: the next round starts now/,
  )
})

test('run: stop() during a round lets it finish whole and starts no other', async (t) => {
  const hole = await startBlackhole()
  t.after(() => hole.close())
  const run = await startLoop(
    t,
    `name: Stop
round: { interval: 100ms, jitter: 0s }
teams: [ { number: 1 }, { number: 2 } ]
services:
  - { name: slow, type: http, host: 127.0.0.1, port: ${hole.port}, timeout: 700ms }
  - { name: probe, type: probe, host: 127.0.0.1, port: 1 }
`,
  )
  await eventually(() => run.loop.roundInFlight !== null, 10_000, 'a round in flight')
  const round = run.loop.roundInFlight
  run.loop.stop()
  assert.deepEqual(await run.end, { rounds: 1, aborted: null })
  const rounds = assertRoundsWhole(run.db())
  assert.deepEqual(
    rounds.map((r) => [r.id, r.status]),
    [[round, 'complete']],
  )
})

test('run: abort() during a round marks it aborted with no score and clears the in-progress flags', async (t) => {
  const hole = await startBlackhole()
  t.after(() => hole.close())
  const run = await startLoop(
    t,
    `name: Abort
round: { interval: 100ms, jitter: 0s }
teams: [ { number: 1 }, { number: 2 } ]
services:
  - { name: slow, type: http, host: 127.0.0.1, port: ${hole.port}, timeout: 20s }
  - { name: probe, type: probe, host: 127.0.0.1, port: 1 }
`,
  )
  await eventually(() => run.summaries.length === 0 && hole.openConnections === 2, 10_000, 'checks in flight')
  const inProgress = run
    .db()
    .prepare('SELECT COUNT(*) AS n FROM service_state WHERE in_progress = 1')
    .get() as { n: number }
  assert.ok(inProgress.n >= 2, 'the slow checks are marked in progress')
  const started = performance.now()
  run.loop.abort()
  assert.deepEqual(await run.end, { rounds: 0, aborted: 1 })
  assert.ok(performance.now() - started < 5000, 'the abort does not wait for the checks')
  const rounds = assertRoundsWhole(run.db())
  assert.deepEqual(
    rounds.map((r) => [r.id, r.status, r.scores]),
    [[1, 'aborted', 0]],
  )
})

test('run: no round starts while the database says paused; rounds start again when the pause is lifted', async (t) => {
  const web = await startHttpServer()
  t.after(() => web.close())
  const other = () => {
    const store = Store.open(run.dbFile)
    t.after(() => store.close())
    return store
  }
  const run = await startLoop(
    t,
    `name: Pause
round: { interval: 150ms, jitter: 0s }
teams: [ { number: 1 } ]
services:
  - { name: web, type: http, host: 127.0.0.1, port: ${web.port} }
`,
    {
      before: (dbFile) => {
        const store = Store.open(dbFile)
        store.pauseRounds('before the start', 'test')
        store.close()
      },
    },
  )
  await eventually(() => run.notices.some((n) => n.startsWith('paused')), 10_000, 'the paused notice')
  assert.match(
    run.notices.find((n) => n.startsWith('paused'))!,
    /^paused by test since \S+ \(before the start\): no new round starts until scanner resume$/,
  )
  await new Promise((resolve) => setTimeout(resolve, 600))
  assert.equal(roundsOf(run.db()).length, 0, 'a scanner started while paused waits')

  const store = other()
  store.resumeRounds()
  await eventually(() => run.summaries.length >= 2, 5000, 'rounds after resume')
  assert.ok(run.notices.includes('resumed: rounds start again'))

  store.pauseRounds(null, 'test')
  await eventually(() => run.notices.filter((n) => n.startsWith('paused')).length === 2, 2000, 'paused again')
  await eventually(() => run.loop.roundInFlight === null, 2000, 'the round in flight to end')
  const count = roundsOf(run.db()).length
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.equal(roundsOf(run.db()).length, count, 'no new round while paused')

  store.resumeRounds()
  await eventually(() => roundsOf(run.db()).length > count, 5000, 'a round after the second resume')
  run.loop.stop()
  await run.end
  assertRoundsWhole(run.db())
})

test('run: reload() syncs the config again before the next round; a broken file is refused and the rounds go on', async (t) => {
  const yaml = `name: Reload
round: { interval: 100ms, jitter: 0s }
teams: [ { number: 1 } ]
services:
  - { name: probe, type: probe, host: 127.0.0.1, port: 1 }
`
  const run = await startLoop(t, yaml)
  await eventually(() => run.summaries.length >= 1, 10_000, 'a first round')
  writeFileSync(run.configFile, `${yaml}  - { name: probe2, type: probe, host: 127.0.0.1, port: 2 }\n`)
  run.loop.reload()
  await eventually(() => run.summaries.at(-1)?.outcomes.length === 2, 5000, 'a round with the new service')
  assert.ok(
    run.notices.some((n) => /^config re-read: 1 teams, 2 services \(1 added, 1 updated, 0 retired\)/.test(n)),
  )

  writeFileSync(run.configFile, `${yaml}  - { name: probe2, type: nope, host: 127.0.0.1 }\n`)
  run.loop.reload()
  await eventually(() => run.notices.some((n) => n.startsWith('config not re-read')), 5000, 'the refusal')
  const after = run.summaries.length
  await eventually(() => run.summaries.length > after, 5000, 'rounds after the refusal')
  assert.equal(run.summaries.at(-1)!.outcomes.length, 2, 'the config in force stays')
  run.loop.stop()
  await run.end
  const scores = roundsOf(run.db()).map((r) => r.scores)
  assert.deepEqual(scores, scores.toSorted(), 'one score a round before the reload, two after')
  assert.deepEqual(new Set(scores), new Set([1, 2]))
})
