import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Store } from '../../db/store.ts'
import { listen } from '../../src/demo/running-server.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { loadCheckTypes } from '../../src/engine/load-types.ts'
import { runRound } from '../../src/engine/round.ts'
import { startPool } from '../../src/engine/scanner-run.ts'
import { LIFECYCLE_CHECKS, tempDir } from '../helpers/engine.ts'
import { eventually } from '../support/check.ts'

test('runRound: an aborted round is marked aborted with no score, and no late result of it reaches the next round on the same pool', async (t) => {
  let requests = 0
  const server = createServer((_req, res) => {
    requests++
    setTimeout(() => res.end('Welcome'), 500)
  })
  const port = await listen(server, '127.0.0.1', 0)
  t.after(() => new Promise((resolve) => server.close(resolve)))
  t.after(() => server.closeAllConnections())

  const dir = tempDir(t)
  const configFile = join(dir, 'competition.yaml')
  writeFileSync(
    configFile,
    `name: Abort
teams: [ { number: 1 } ]
services:
  - { name: slow, type: http, host: 127.0.0.1, port: ${port}, http_string: Welcome }
  - { name: probe, type: probe, host: 127.0.0.1, port: 1 }
`,
  )
  const { registry, compiled } = await loadCheckTypes([LIFECYCLE_CHECKS])
  const competition = loadConfig(configFile, registry)
  const store = Store.open(':memory:')
  t.after(() => store.close())
  store.syncCompetition(competition)
  const pool = await startPool(competition, { workers: 1, services: compiled, log: () => undefined })
  t.after(() => pool.close())
  const log = () => undefined

  const controller = new AbortController()
  const first = runRound({ store, registry, pool, log, signal: controller.signal })
  await eventually(() => requests === 1, 5000, 'the slow check to be asked')
  controller.abort()
  await assert.rejects(first, { code: 'ERR_ROUND_ABORTED' })
  assert.deepEqual(
    store.rounds().map((r) => r.status),
    ['aborted'],
  )
  const scores = store.db.prepare('SELECT COUNT(*) AS n FROM scores').get() as { n: number }
  assert.equal(scores.n, 0, 'an aborted round has no score')
  assert.ok(
    store.status().every((s) => !s.in_progress),
    'no service left in progress',
  )

  const secondStarted = Date.now()
  const second = await runRound({ store, registry, pool, log })
  for (const { service, result } of second.outcomes) {
    assert.equal(result.up, true, `${service.name}: ${result.error}`)
    assert.ok(result.startedAt >= secondStarted, `${service.name}: the result is of the second round`)
  }
  assert.equal(requests, 2)
  assert.deepEqual(
    store.rounds().map((r) => r.status),
    ['aborted', 'complete'],
  )
})
