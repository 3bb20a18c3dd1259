import assert from 'node:assert/strict'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { ScannerError, openScanner, type ScannerConnection } from 'scanner'
import { packagesLoadedBy } from '../helpers/loaded-packages.ts'
import { tempDir } from '../helpers/temp-dir.ts'
import { externalCompetition, snapshot } from '../support/external-competition.ts'

const SDK = new URL('../../src/sdk.ts', import.meta.url).href

test('sdk: importing the SDK neither loads SQLite nor opens a database', async () => {
  const { code, stdout, stderr, packages } = await packagesLoadedBy([
    '--input-type=module',
    '-e',
    `const sdk = await import(${JSON.stringify(SDK)}); console.log(typeof sdk.openScanner)`,
  ])
  assert.equal(code, 0, stderr)
  assert.equal(stdout.trim(), 'function')
  assert.ok(packages.includes('zod'), 'the SDK itself was loaded')
  assert.ok(!packages.includes('better-sqlite3'), packages.join(', '))
})

test('sdk: openScanner lists the external services and scores them with the four functions', async (t) => {
  const { db, ids } = await externalCompetition(t)
  const scanner: ScannerConnection = await openScanner({ db })
  t.after(() => scanner.close())
  assert.equal(scanner.file, db)
  const plants = scanner.services('plant')
  assert.deepEqual(
    plants.map((s) => [s.id, s.team, s.name, s.external, s.points, `${s.host}:${s.port}${s.url}`]),
    [
      [ids['1/plant'], 1, 'plant', true, 10, '127.0.0.1:8000/plants'],
      [ids['2/plant'], 2, 'plant', true, 10, '127.0.0.1:8000/plants'],
    ],
  )
  assert.deepEqual(
    scanner.services().map((s) => s.id),
    plants.map((s) => s.id),
    'only external services are listed',
  )
  assert.deepEqual(scanner.services('ssh'), [])

  const [first, second] = plants as [(typeof plants)[0], (typeof plants)[0]]
  const rows = <T>(sql: string): T[] => {
    const reader = new Database(db, { readonly: true })
    try {
      return reader.prepare(sql).all() as T[]
    } finally {
      reader.close()
    }
  }
  const inProgress = () =>
    rows<{ service_id: number }>(
      'SELECT service_id FROM service_state WHERE in_progress = 1 ORDER BY service_id',
    ).map((r) => r.service_id)
  for (const plant of plants) scanner.insertServiceScoreInProgress(plant.id)
  assert.deepEqual(inProgress(), [first.id, second.id])
  const up = scanner.insertServiceScore(first.id, first.points)
  const down = scanner.insertServiceScore(second.id, 0, 'the controller reports the plant tripped')
  assert.deepEqual([up.score, up.up, up.error], [10, true, null])
  assert.deepEqual([down.score, down.up, down.error], [0, false, 'the controller reports the plant tripped'])
  const fromError = scanner.reportServiceError(down, new Error('socket hang up'))
  const fromObject = scanner.reportServiceError(down.id, { alarms: ['PT-101 high'] })
  for (const plant of plants) scanner.insertServiceScoreDone(plant.id)
  assert.deepEqual(inProgress(), [])

  const details = rows<{ id: number; score_id: number; detail: string }>(
    'SELECT id, score_id, detail FROM service_errors ORDER BY id',
  )
  assert.deepEqual(
    details.map((d) => [d.id, d.score_id]),
    [
      [fromError, down.id],
      [fromObject, down.id],
    ],
  )
  assert.match(details[0]!.detail, /^Error: socket hang up\n {4}at /, 'an Error is kept with its stack')
  assert.equal(details[1]!.detail, '{"alarms":["PT-101 high"]}')
})

test('sdk: a refused call throws a ScannerError with a code and writes nothing', async (t) => {
  const { db, ids } = await externalCompetition(t)
  const scanner = await openScanner({ db })
  t.after(() => scanner.close())
  const before = snapshot(db)
  const refused = (call: () => unknown, code: string) =>
    assert.throws(call, (err) => err instanceof ScannerError && err.code === code)
  refused(() => scanner.insertServiceScore(ids['1/ssh']!, 5), 'ERR_NOT_EXTERNAL')
  refused(() => scanner.insertServiceScore(ids['1/plant']!, 2.5), 'ERR_BAD_RESULT')
  refused(() => scanner.insertServiceScoreInProgress(31337), 'ERR_UNKNOWN_SERVICE')
  refused(() => scanner.reportServiceError(31337, 'boom'), 'ERR_UNKNOWN_SCORE')
  assert.equal(snapshot(db), before)
})

test('sdk: openScanner takes the database from SCANNER_DB and refuses one that does not exist', async (t) => {
  const { db, ids } = await externalCompetition(t)
  const saved = process.env.SCANNER_DB
  t.after(() => {
    if (saved === undefined) delete process.env.SCANNER_DB
    else process.env.SCANNER_DB = saved
  })
  process.env.SCANNER_DB = db
  {
    using scanner = await openScanner()
    assert.equal(scanner.file, db)
    assert.equal(scanner.insertServiceScore(ids['1/plant']!, 1).score, 1)
  }
  const missing = join(tempDir(t), 'missing.db')
  process.env.SCANNER_DB = missing
  await assert.rejects(openScanner(), (err) => err instanceof ScannerError && err.code === 'ERR_USAGE')
  assert.equal(existsSync(missing), false, 'no empty database is created')
})

test('sdk: a connection closed by `using` refuses further calls', async (t) => {
  const { db, ids } = await externalCompetition(t)
  let kept: ScannerConnection | undefined
  {
    using scanner = await openScanner({ db })
    kept = scanner
  }
  assert.throws(() => kept.insertServiceScore(ids['1/plant']!, 1), /not open/)
})

test('sdk: openScanner refuses to open the database in a worker thread, as checks may not', async (t) => {
  const { db } = await externalCompetition(t)
  const worker = new Worker(
    `import(${JSON.stringify(SDK)}).then((sdk) => sdk.openScanner({ db: ${JSON.stringify(db)} })).then(
      () => require('node:worker_threads').parentPort.postMessage('opened'),
      (err) => require('node:worker_threads').parentPort.postMessage(err.code + ': ' + err.message),
    )`,
    { eval: true },
  )
  t.after(() => worker.terminate())
  const [message] = (await once(worker, 'message')) as [string]
  assert.match(message, /^ERR_DATABASE_IN_WORKER: openScanner is for external check scripts/)
})
