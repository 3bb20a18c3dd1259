import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startHttpServer } from '../../src/demo/http-server.ts'
import { runCli } from '../helpers/cli.ts'
import { runRoundWith, tempDir } from '../helpers/engine.ts'

test('password change: the round after a PCR logs in with the new password, the config synced again at its start', async (t) => {
  // The teams changed their passwords on the server; the config still has the old ones.
  const server = await startHttpServer({
    routes: { '/': { body: 'Welcome', auth: true } },
    users: { alice: 'Spring2026!', admin: 'N3wAdm1n' },
  })
  t.after(() => server.close())
  const yaml = `
name: PCR
teams:
  - { number: 1, pools: { ad_users: ["alice:Winter2026!"] } }
  - { number: 2, info: { web_admin: { username: admin, password: Changeme2 } } }
services:
  - name: intranet
    type: http
    host: 127.0.0.1
    port: ${server.port}
    http_string: Welcome
    options: { basic_auth: true }
    credential_pool: ad_users
    overrides: { 2: { team_specific_info: web_admin } }
`
  const dir = tempDir(t)
  const before = await runRoundWith(t, yaml, { dir, workers: 1 })
  for (const team of [1, 2]) {
    assert.equal(before.result(team, 'intranet').stage, 'auth', `team ${team} logs in with the old password`)
  }

  for (const args of [
    ['pcr', '1', 'ad_users', 'alice', 'Spring2026!'],
    ['pcr', '2', 'web_admin', 'admin', 'N3wAdm1n'],
  ]) {
    const { code, stderr } = await runCli(args, dir)
    assert.equal(code, 0, stderr)
  }

  const after = await runRoundWith(t, yaml, { dir, workers: 1 })
  for (const team of [1, 2]) {
    const result = after.result(team, 'intranet')
    assert.equal(result.up, true, `team ${team}: ${result.error}`)
  }
  assert.ok(!after.logs.join('\n').includes('Spring2026!'), 'the new password is not in the scan log')
})
