import assert from 'node:assert/strict'
import { test } from 'node:test'
import { builtinTypes } from '../../checks/builtin-types.ts'
import { DEMO_SSH_CLIENT_KEY } from '../../src/demo/ssh-keys.ts'

test('builtin types: a new registry each time, with every built-in type and its default port', () => {
  const a = builtinTypes()
  assert.notEqual(a, builtinTypes())
  const ports = Object.fromEntries(a.list().map((cls) => [cls.shortName, cls.defaultPort]))
  assert.deepEqual(ports, { dns: 53, http: 80, https: 443, rdp: 3389, 'remote-admin': 22, ssh: 22, tcp: 0 })
  for (const cls of a.list()) assert.ok(cls.description, `${cls.shortName} has a description`)
})

test('builtin types: parsed options are plain JSON and parse again to themselves', () => {
  const samples: Record<string, Record<string, unknown>[]> = {
    tcp: [{}, { expect_regex: '^220 ', expect: 'ESMTP' }],
    http: [
      {},
      { status: '301', vhost: 'www.team1.local', basic_auth: 'true', max_body: 1024, tls_verify: true },
    ],
    https: [{ status: [200, 204] }],
    ssh: [{}, { command: 'id -un', expect: ['a', 7], expect_exact: 'x', private_key: DEMO_SSH_CLIENT_KEY }],
    dns: [{ record: 'www.x', qtype: 'mx', expect: '10 mail.x', tcp: 'false' }],
    rdp: [{}, { nla: true }],
    'remote-admin': [{ command: 'whoami', nla: false }],
  }
  const registry = builtinTypes()
  for (const [type, list] of Object.entries(samples)) {
    const schema = registry.get(type)!.options
    for (const raw of list) {
      const once = schema.parse(raw)
      assert.deepEqual(JSON.parse(JSON.stringify(once)), once, `${type}: JSON round trip`)
      assert.deepEqual(schema.parse(once), once, `${type}: parsing twice`)
    }
  }
})

test('builtin types: unknown option keys are refused', () => {
  for (const cls of builtinTypes().list()) {
    const result = cls.options.safeParse({ record: 'x', no_such_option: 1 })
    assert.equal(result.success, false, cls.shortName)
  }
})
