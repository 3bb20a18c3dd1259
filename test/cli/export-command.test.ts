import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { Store } from '../../db/store.ts'
import { runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/temp-dir.ts'
import { parseCsv } from '../support/csv.ts'
import { externalCompetition } from '../support/external-competition.ts'
import { scoreToRecord } from '../helpers/score-to-record.ts'

/** Error messages as hostile servers make them: commas, quotes, new lines, a formula. */
const NASTY = 'refused, "really"\nsecond line'
const FORMULA = '=HYPERLINK("http://evil","click")'

/**
 * Round 1 complete (ssh of both teams), round 2 aborted (no scores), round 3 complete with nasty
 * errors, round 4 still running; one external score.
 */
async function history(t: TestContext) {
  const competition = await externalCompetition(t)
  const { ids } = competition
  const store = Store.open(competition.db)
  t.after(() => store.close())
  const score = (serviceId: number, points: number, error: string | null, durationMs: number) =>
    scoreToRecord(serviceId, points, { error, durationMs, startedAt: Date.parse('2026-03-07T10:00:00Z') })
  const r1 = store.beginRound()
  store.writeRound(r1, [score(ids['1/ssh']!, 5, null, 12), score(ids['2/ssh']!, 0, 'connection refused', 3)])
  const r2 = store.beginRound()
  store.abortRound(r2)
  const r3 = store.beginRound()
  store.writeRound(r3, [score(ids['1/ssh']!, 0, NASTY, 7), score(ids['2/ssh']!, 0, FORMULA, 8)])
  const r4 = store.beginRound()
  const external = store.insertServiceScore(ids['2/plant']!, 0, 'plant tripped, "PT-101"')
  const rounds = store.rounds()
  return { ...competition, rounds, running: r4, external }
}

test('export --format json: an array of rounds with their times, status and scores, as SPEC section 5 says', async (t) => {
  const { dir, rounds } = await history(t)
  const { code, stdout, stderr } = await runCli(['export', '--format', 'json'], dir)
  assert.equal(code, 0, stderr)
  const exported = JSON.parse(stdout) as Record<string, unknown>[]
  const shown = rounds.filter((r) => r.status !== 'running')
  assert.deepEqual(
    exported,
    [
      {
        round: shown[0]!.id,
        started_at: shown[0]!.started_at,
        finished_at: shown[0]!.finished_at,
        status: 'complete',
        scores: [
          {
            team: 1,
            service: 'ssh',
            score: 5,
            raw_score: 5,
            up: true,
            stage: null,
            error: null,
            duration_ms: 12,
          },
          {
            team: 2,
            service: 'ssh',
            score: 0,
            raw_score: 0,
            up: false,
            stage: 'connect',
            error: 'connection refused',
            duration_ms: 3,
          },
        ],
      },
      {
        round: shown[1]!.id,
        started_at: shown[1]!.started_at,
        finished_at: shown[1]!.finished_at,
        status: 'aborted',
        scores: [],
      },
      {
        round: shown[2]!.id,
        started_at: shown[2]!.started_at,
        finished_at: shown[2]!.finished_at,
        status: 'complete',
        scores: [
          {
            team: 1,
            service: 'ssh',
            score: 0,
            raw_score: 0,
            up: false,
            stage: 'connect',
            error: NASTY,
            duration_ms: 7,
          },
          {
            team: 2,
            service: 'ssh',
            score: 0,
            raw_score: 0,
            up: false,
            stage: 'connect',
            error: FORMULA,
            duration_ms: 8,
          },
        ],
      },
    ],
    'the running round is left out; the external score is in no round',
  )
  assert.match(
    stderr,
    /^scanner: 1 score\(s\) of external checks belong to no round .*scanner export --external/,
  )
})

test('export --format csv: a line per score with its round columns, quoted so that commas, quotes and new lines survive', async (t) => {
  const { dir, rounds } = await history(t)
  const { code, stdout, stderr } = await runCli(['export', '--format', 'csv'], dir)
  assert.equal(code, 0, stderr)
  const [header, ...rows] = parseCsv(stdout)
  assert.deepEqual(header, [
    'round',
    'started_at',
    'finished_at',
    'status',
    'team',
    'service',
    'score',
    'raw_score',
    'up',
    'stage',
    'error',
    'duration_ms',
  ])
  const r1 = rounds[0]!
  const r3 = rounds[2]!
  assert.deepEqual(rows, [
    [String(r1.id), r1.started_at, r1.finished_at, 'complete', '1', 'ssh', '5', '5', 'true', '', '', '12'],
    [
      String(r1.id),
      r1.started_at,
      r1.finished_at,
      'complete',
      '2',
      'ssh',
      '0',
      '0',
      'false',
      'connect',
      'connection refused',
      '3',
    ],
    [
      String(r3.id),
      r3.started_at,
      r3.finished_at,
      'complete',
      '1',
      'ssh',
      '0',
      '0',
      'false',
      'connect',
      NASTY,
      '7',
    ],
    [
      String(r3.id),
      r3.started_at,
      r3.finished_at,
      'complete',
      '2',
      'ssh',
      '0',
      '0',
      'false',
      'connect',
      `'${FORMULA}`,
      '8',
    ],
  ])
})

test('export --round N: that round only; an unknown, malformed or running round is a usage error (exit 2)', async (t) => {
  const { dir, rounds, running } = await history(t)
  const third = rounds[2]!.id
  const one = await runCli(['export', '--round', String(third)], dir)
  assert.equal(one.code, 0, one.stderr)
  const exported = JSON.parse(one.stdout) as { round: number; scores: unknown[] }[]
  assert.deepEqual(
    exported.map((r) => [r.round, r.scores.length]),
    [[third, 2]],
  )
  assert.equal(one.stderr, '', 'a single round says nothing of external scores')
  const refused = await Promise.all([
    runCli(['export', '--round', '99'], dir),
    runCli(['export', '--round', '2x'], dir),
    runCli(['export', '--round', String(running)], dir),
    runCli(['export', '--round', '1', '--external'], dir),
    runCli(['export', '--format', 'xml'], dir),
  ])
  const messages = [
    new RegExp(`no round 99 in \\./scanner\\.db \\(rounds 1 to ${running}\\)`),
    /--round must be a round number \(1, 2, \.\.\.\), got "2x"/,
    new RegExp(`round ${running} is still running`),
    /--round and --external do not go together/,
    /--format must be one of json, csv, got "xml"/,
  ]
  refused.forEach((r, i) => {
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, messages[i]!)
    assert.equal(r.stdout, '')
  })
})

test('export --external: the scores of external checks with their ids and times, in JSON and CSV', async (t) => {
  const { dir, external } = await history(t)
  const [json, csv] = await Promise.all([
    runCli(['export', '--external'], dir),
    runCli(['export', '--external', '--format', 'csv'], dir),
  ])
  assert.equal(json.code, 0, json.stderr)
  assert.deepEqual(JSON.parse(json.stdout), [
    {
      id: external.id,
      created_at: external.createdAt,
      team: 2,
      service: 'plant',
      score: 0,
      raw_score: 0,
      up: false,
      stage: null,
      error: 'plant tripped, "PT-101"',
      duration_ms: 0,
    },
  ])
  assert.equal(csv.code, 0, csv.stderr)
  assert.deepEqual(parseCsv(csv.stdout), [
    ['id', 'created_at', 'team', 'service', 'score', 'raw_score', 'up', 'stage', 'error', 'duration_ms'],
    [
      String(external.id),
      external.createdAt,
      '2',
      'plant',
      '0',
      '0',
      'false',
      '',
      'plant tripped, "PT-101"',
      '0',
    ],
  ])
})

test('export: an empty database exports an empty array, or a CSV header; a missing one is refused', async (t) => {
  const { dir } = await externalCompetition(t)
  const [json, csv] = await Promise.all([runCli(['export'], dir), runCli(['export', '--format', 'csv'], dir)])
  assert.deepEqual([json.code, JSON.parse(json.stdout), json.stderr], [0, [], ''])
  assert.deepEqual(parseCsv(csv.stdout).length, 1)
  const missing = await runCli(['export'], tempDir(t))
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /database \.\/scanner\.db not found/)
})
