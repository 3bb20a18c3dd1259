import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { startBlackhole } from '../../src/demo/blackhole.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { loadCheckTypes } from '../../src/engine/load-types.ts'
import { preflight } from '../../src/engine/preflight.ts'
import { LIFECYCLE_CHECKS, tempDir } from '../helpers/engine.ts'

test('preflight: the checks of every team run at once, as in a round: 8 checks of 1 s each take about 1 s', async (t) => {
  const hole = await startBlackhole()
  t.after(() => hole.close())
  const dir = tempDir(t)
  const configFile = join(dir, 'competition.yaml')
  writeFileSync(
    configFile,
    `name: Parallel
defaults: { timeout: 1s }
teams: [ { number: 1 }, { number: 2 }, { number: 3 }, { number: 4 } ]
services:
  - { name: a, type: http, host: 127.0.0.1, port: ${hole.port} }
  - { name: b, type: http, host: 127.0.0.1, port: ${hole.port} }
  - { name: probe, type: probe, host: 127.0.0.1, port: 1 }
  - { name: ext, type: probe, host: 127.0.0.1, port: 1, external: true }
`,
  )
  const { registry, compiled } = await loadCheckTypes([LIFECYCLE_CHECKS])
  const competition = loadConfig(configFile, registry)
  const { summary, external } = await preflight(competition, registry, {
    workers: 2,
    services: compiled,
    log: () => undefined,
  })
  assert.equal(summary.outcomes.length, 12)
  assert.deepEqual(
    external.map((s) => `${s.team}/${s.name}`),
    ['1/ext', '2/ext', '3/ext', '4/ext'],
  )
  const slow = summary.outcomes.filter((o) => o.service.name !== 'probe')
  assert.ok(slow.every((o) => !o.result.up && /^timed out after 1 s$/.test(o.result.error ?? '')))
  assert.ok(summary.outcomes.filter((o) => o.service.name === 'probe').every((o) => o.result.up))
  assert.ok(summary.durationMs < 3000, `8 checks of 1 s in ${summary.durationMs} ms: not one after the other`)
})
