import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RemoteAdminCheck } from '../../checks/remote-admin.ts'
import { startSshServer } from '../../src/demo/ssh-server.ts'
import { runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'

test('remote-admin: resolves to rdp on port 3389 and to ssh on any other port', () => {
  const type = new RemoteAdminCheck()
  assert.equal(type.resolveMulti(makeService({ subtype: 'remote-admin', port: 3389 }) as never), 'rdp')
  assert.equal(type.resolveMulti(makeService({ subtype: 'remote-admin' }) as never), 'ssh')
  assert.equal(type.resolveMulti(makeService({ subtype: 'remote-admin', port: 2222 }) as never), 'ssh')
})

test('remote-admin: takes the options of ssh and rdp alike, with their defaults', () => {
  const service = makeService({
    subtype: 'remote-admin',
    options: { command: 'whoami', expect: 'alice', nla: 'true' },
  })
  assert.deepEqual(service.options, { command: 'whoami', expect: ['alice'], nla: true, tls_verify: false })
  assert.throws(
    () => makeService({ subtype: 'remote-admin', options: { expect: 'alice' } }),
    /need a command/,
  )
  assert.throws(() => makeService({ subtype: 'remote-admin', options: { vhost: 'x' } }))
})

test('remote-admin: a service on an SSH port is checked, logged and scored as ssh', async (t) => {
  const s = await startSshServer({ users: { alice: 'Winter2026!' } })
  t.after(() => s.close())
  const service = makeService({
    subtype: 'remote-admin',
    port: s.port,
    username: 'alice',
    password: 'Winter2026!',
    options: { command: 'whoami', expect_exact: 'alice' },
  })
  const { result, logs } = await runCheck(service)
  assert.equal(result.up, true, result.error ?? '')
  assert.match(logs[0]!, /Success Team1 : SSH login to/)
  const wrong = await runCheck({ ...service, password: 'nope' })
  assert.equal(wrong.result.stage, 'auth')
})
