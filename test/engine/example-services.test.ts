import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { EXAMPLE_EXPECTED, startExampleTargets } from '../support/example-targets.ts'
import { runRoundWith } from '../helpers/engine.ts'

const EXAMPLES = fileURLToPath(new URL('../../examples/services.ts', import.meta.url))

test('examples/services.ts: its standard, multi-protocol and mass checks score a round against real HTTP servers', async (t) => {
  const targets = await startExampleTargets()
  t.after(() => targets.close())
  const run = await runRoundWith(t, targets.yaml, { servicesFiles: [EXAMPLES] })
  for (const [key, [up, stage, error]] of Object.entries(EXAMPLE_EXPECTED)) {
    const [team, name] = key.split('/') as [string, string]
    const result = run.result(Number(team), name)
    assert.equal(result.up, up, `${key}: ${result.error}`)
    assert.equal(result.score, up ? 10 : 0, key)
    assert.equal(result.stage, stage, key)
    if (error) assert.match(result.error ?? '', error, key)
  }
  assert.ok(
    run.logs.some((l) => /Success Team2 : HTTPS GET \/ to 127\.0\.0\.1:\d+$/.test(l)),
    'team 2 checked over https',
  )
})
