import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { openDatabase } from '../../db/open-database.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { loadCheckTypes } from '../../src/engine/load-types.ts'
import { runSingleRound } from '../../src/engine/scanner-run.ts'
import { eventually } from '../support/check.ts'
import { LIFECYCLE_CHECKS, tempDir } from '../helpers/engine.ts'

test('round: a finished check leaves "in progress" at once, while a slow one of the same round is still in it', async (t) => {
  const dir = tempDir(t)
  const configFile = join(dir, 'competition.yaml')
  writeFileSync(
    configFile,
    `name: Live
defaults: { timeout: 2s }
teams: [ { number: 1 } ]
services:
  - { name: fast, type: probe, host: 127.0.0.1, port: 1 }
  - { name: slow, type: hang, host: 127.0.0.1, port: 1 }
`,
  )
  const { registry, compiled } = await loadCheckTypes([LIFECYCLE_CHECKS])
  const competition = loadConfig(configFile, registry)
  const dbFile = join(dir, 'scanner.db')
  const round = runSingleRound(dbFile, competition, registry, {
    services: compiled,
    workers: 1,
    log: () => undefined,
  })
  const inProgress = () => {
    const db = openDatabase(dbFile, { readonly: true })
    try {
      return Object.fromEntries(
        db
          .prepare<[], { name: string; in_progress: number }>(
            'SELECT s.name, st.in_progress FROM services s JOIN service_state st ON st.service_id = s.id',
          )
          .all()
          .map((r) => [r.name, r.in_progress === 1]),
      )
    } finally {
      db.close()
    }
  }
  await eventually(
    () => inProgress().fast === false && inProgress().slow === true,
    1800,
    'fast done, slow in progress',
  )
  const { store, summary } = await round
  t.after(() => store.close())
  assert.deepEqual(inProgress(), { fast: false, slow: false })
  assert.equal(summary.outcomes.length, 2)
})
