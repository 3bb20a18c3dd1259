import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runCli } from '../helpers/cli.ts'
import { runRoundWith, tempDir } from '../helpers/engine.ts'
import { closedPort } from '../support/check.ts'

test('scores after real rounds: a cap and a down stretch set with the CLI between rounds, and SLA penalties', async (t) => {
  const closed = await closedPort()
  const yaml = `
name: Scores
teams: [ { number: 1 }, { number: 2, name: Night Owls } ]
services:
  - { name: web, type: probe, host: 127.0.0.1, port: 1, points: 5 }
  - { name: db, type: tcp, host: 127.0.0.1, port: ${closed}, points: 2, timeout: 2s }
sla: { threshold: 2, penalty: 1.5 }
`
  const dir = tempDir(t)
  const cli = async (...args: string[]) => {
    const { code, stdout, stderr } = await runCli(args, dir)
    assert.equal(code, 0, stderr)
    return stdout
  }
  await runRoundWith(t, yaml, { dir, workers: 1 })
  await cli('service', 'cap', '1/web', '2')
  await runRoundWith(t, yaml, { dir, workers: 1 })
  await cli('service', 'down', '1/web', '--reason', 'unscored this round')
  const down = await runRoundWith(t, yaml, { dir, workers: 1 })
  assert.equal(down.result(1, 'web').error, 'Administratively down: unscored this round')
  await cli('service', 'up', '1/web')
  await runRoundWith(t, yaml, { dir, workers: 1 })

  // web of team 1: 5, then capped at 2, then 0 while down, then 2 = 9; db never up: penalties
  // at 2 and 4 failures in a row = 3.
  assert.deepEqual(JSON.parse(await cli('scores', '--json')), [
    { team: 1, team_name: 'Team 1', total: 6, services: { web: 9, db: -3 }, penalties: 3 },
    { team: 2, team_name: 'Night Owls', total: 17, services: { web: 20, db: -3 }, penalties: 3 },
  ])
})
