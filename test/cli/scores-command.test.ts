import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { Store } from '../../db/store.ts'
import { runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/engine.ts'
import { playScenario, SCENARIO_TOTALS } from '../helpers/score-scenario.ts'

/** A database holding the eight rounds of the score scenario, in a temp dir. */
function scenarioDb(t: TestContext): string {
  const dir = tempDir(t)
  const store = Store.open(join(dir, 'scanner.db'))
  try {
    playScenario(store)
  } finally {
    store.close()
  }
  return dir
}

test('scores --json: one object per team with its total, points per service after caps and penalties, and penalties', async (t) => {
  const dir = scenarioDb(t)
  const { code, stdout, stderr } = await runCli(['scores', '--json'], dir)
  assert.equal(code, 0, stderr)
  assert.deepEqual(JSON.parse(stdout), SCENARIO_TOTALS)
})

test('scores --csv: team, team_name, a column per service, penalties and total', async (t) => {
  const dir = scenarioDb(t)
  const { code, stdout } = await runCli(['scores', '--csv'], dir)
  assert.equal(code, 0)
  assert.equal(
    stdout,
    'team,team_name,www,dns,mail,penalties,total\n1,Blue Herons,-2,0,-4,19,-6\n2,Team 2,34,16,-17,20,33\n',
  )
})

test('scores: the text table ranks the teams by total', async (t) => {
  const dir = scenarioDb(t)
  const { code, stdout } = await runCli(['scores'], dir)
  assert.equal(code, 0)
  const lines = stdout.split('\n')
  assert.match(lines[0]!, /^rank +team +name +www +dns +mail +penalties +total$/)
  assert.match(lines[2]!, /^1 +2 +Team 2 +34 +16 +-17 +20 +33$/)
  assert.match(lines[3]!, /^2 +1 +Blue Herons +-2 +0 +-4 +19 +-6$/)
})

test('scores: --json with --csv, or a database that does not exist, is a usage error', async (t) => {
  const dir = scenarioDb(t)
  const both = await runCli(['scores', '--json', '--csv'], dir)
  assert.equal(both.code, 2)
  assert.match(both.stderr, /--json or --csv/)
  const missing = await runCli(['scores', '--db', 'elsewhere.db'], dir)
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /database elsewhere\.db not found/)
})
