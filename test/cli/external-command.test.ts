import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { CLI, runCli, type CliResult } from '../helpers/cli.ts'
import { CLIENT_LIBRARIES, packagesLoadedBy } from '../helpers/loaded-packages.ts'
import { tempDir } from '../helpers/temp-dir.ts'
import { externalCompetition, snapshot } from '../support/external-competition.ts'

/** `scanner ARGS` with `input` on its stdin. */
function runCliWithInput(args: string[], cwd: string, input: string): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdin.end(input)
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

function query<T>(dbFile: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbFile, { readonly: true })
  try {
    return db.prepare(sql).all(...params) as T[]
  } finally {
    db.close()
  }
}

test('external start, score, done, error: the spinner, a score printed by id, its admin detail, with --db alone', async (t) => {
  const { dir, ids } = await externalCompetition(t)
  const plant = String(ids['2/plant'])
  const inProgress = async () => {
    const status = await runCli(['status', '--json'], dir)
    const rows = JSON.parse(status.stdout) as { id: number; in_progress: boolean }[]
    return rows.find((r) => r.id === ids['2/plant'])?.in_progress
  }

  const start = await runCli(['external', 'start', plant], dir)
  assert.deepEqual([start.code, start.stdout, start.stderr], [0, '', ''])
  assert.equal(await inProgress(), true)

  const score = await runCli(['external', 'score', plant, '0', '--error', 'plant tripped, "PT-101"'], dir)
  assert.equal(score.code, 0, score.stderr)
  assert.match(score.stdout, /^\d+\n$/)
  const scoreId = Number(score.stdout)
  const [row] = query<{
    round_id: number | null
    service_id: number
    score: number
    up: number
    error: string
  }>(join(dir, 'scanner.db'), 'SELECT * FROM scores WHERE id = ?', scoreId)
  assert.deepEqual(
    [row?.round_id, row?.service_id, row?.score, row?.up, row?.error],
    [null, ids['2/plant'], 0, 0, 'plant tripped, "PT-101"'],
  )

  const error = await runCli(['external', 'error', String(scoreId), 'alarms: PT-101 high'], dir)
  assert.deepEqual([error.code, error.stderr], [0, ''])
  const piped = await runCliWithInput(['external', 'error', String(scoreId)], dir, 'line 1\nline 2\n')
  assert.deepEqual([piped.code, piped.stderr], [0, ''])
  const dash = await runCliWithInput(['external', 'error', String(scoreId), '-'], dir, 'from a dash\n')
  assert.deepEqual([dash.code, dash.stderr], [0, ''])
  assert.deepEqual(
    query<{ detail: string }>(
      join(dir, 'scanner.db'),
      'SELECT detail FROM service_errors WHERE score_id = ?',
      scoreId,
    ).map((r) => r.detail),
    ['alarms: PT-101 high', 'line 1\nline 2\n', 'from a dash\n'],
  )

  const done = await runCli(['external', 'done', plant], dir)
  assert.deepEqual([done.code, done.stdout], [0, ''])
  assert.equal(await inProgress(), false)
})

test('external score --json: the recorded score, capped, with its raw result', async (t) => {
  const { dir, db, ids } = await externalCompetition(t)
  const store = new Database(db)
  store.prepare('UPDATE services SET score_cap = 3 WHERE id = ?').run(ids['1/plant'])
  store.close()
  const { code, stdout, stderr } = await runCli(
    ['external', 'score', String(ids['1/plant']), '10', '--json'],
    dir,
  )
  assert.equal(code, 0, stderr)
  const score = JSON.parse(stdout) as Record<string, unknown>
  assert.deepEqual(
    { ...score, id: typeof score.id, created_at: typeof score.created_at },
    {
      id: 'number',
      service_id: ids['1/plant'],
      team: 1,
      service: 'plant',
      score: 3,
      raw_score: 10,
      up: true,
      error: null,
      created_at: 'string',
    },
  )
})

test('external: an unknown id, a service that is not external, a result that is not a whole number, an unknown score: exit 2, nothing written', async (t) => {
  const { dir, db, ids } = await externalCompetition(t)
  const plant = String(ids['1/plant'])
  const ssh = String(ids['1/ssh'])
  const before = snapshot(db)
  const cases: [string[], RegExp][] = [
    [['external', 'score', '999', '5'], /no service with id 999 \(scanner services lists the ids\)/],
    [['external', 'start', '999'], /no service with id 999/],
    [['external', 'done', '999'], /no service with id 999/],
    [['external', 'score', ssh, '5'], /service \d+ \(team 1 ssh\) is not external/],
    [['external', 'start', ssh], /is not external/],
    [['external', 'done', ssh], /is not external/],
    [['external', 'score', plant, '5x'], /the result \(points, 0 or more\) must be a whole number, got "5x"/],
    [['external', 'score', plant, '1.5'], /got "1\.5"/],
    [['external', 'score', plant, ''], /got ""/],
    [['external', 'score', plant, '-5'], /got "-5"/],
    [['external', 'score', plant, '1e3'], /got "1e3"/],
    [['external', 'score', 'x7', '5'], /the service id must be a whole number, got "x7"/],
    [['external', 'error', '4242', 'boom'], /no score with id 4242/],
    [['external', 'error', '4x', 'boom'], /the score id must be a whole number/],
    [
      ['external', 'frob', plant],
      /unknown command "external frob": external takes start, score, done or error/,
    ],
    [['external'], /name an action: start, score, done or error/],
    [['external', 'score', plant], /scanner external score needs <result>/],
  ]
  const results = await Promise.all(cases.map(([args]) => runCli(args, dir)))
  results.forEach((r, i) => {
    const [args, message] = cases[i]!
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr, message, args.join(' '))
    assert.equal(r.stdout, '', args.join(' '))
  })
  assert.equal(snapshot(db), before)
})

test('external: a database that does not exist is refused (exit 2) and not created', async (t) => {
  const dir = tempDir(t)
  const { code, stderr } = await runCli(['external', 'score', '1', '5', '--db', 'missing.db'], dir)
  assert.equal(code, 2)
  assert.match(stderr, /database missing\.db not found/)
  assert.equal(existsSync(join(dir, 'missing.db')), false)
})

test('external and export: --db is all they need; they load neither the config parser nor a check type', async (t) => {
  const { dir, ids } = await externalCompetition(t)
  rmSync(join(dir, 'competition.yaml'))
  for (const args of [['external', 'score', String(ids['1/plant']), '10'], ['export']]) {
    const { code, stderr, packages } = await packagesLoadedBy([CLI, ...args], dir)
    assert.equal(code, 0, stderr)
    assert.ok(packages.includes('better-sqlite3'), `${args[0]} writes or reads the database`)
    for (const name of ['yaml', 'zod', ...CLIENT_LIBRARIES])
      assert.ok(!packages.includes(name), `${args[0]}: ${name}`)
  }
})
