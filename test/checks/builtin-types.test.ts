import assert from 'node:assert/strict'
import { test } from 'node:test'
import { builtinTypes } from '../../checks/builtin-types.ts'
import { DEMO_SSH_CLIENT_KEY } from '../../src/demo/ssh-keys.ts'
import { CLIENT_LIBRARIES, packagesLoadedBy } from '../helpers/loaded-packages.ts'
import { optionsSchema } from '../../src/service-type.ts'

test('builtin types: a new registry each time, with every built-in type and its default port', () => {
  const a = builtinTypes()
  assert.notEqual(a, builtinTypes())
  const ports = Object.fromEntries(a.list().map((cls) => [cls.shortName, cls.defaultPort]))
  // Every type of the SPEC's table, with its default port.
  assert.deepEqual(
    ports,
    Object.fromEntries([
      ['http', 80],
      ['https', 443],
      ['http-form', 80],
      ['ssh', 22],
      ['sftp', 22],
      ['ftp', 21],
      ['ftps', 990],
      ['dns', 53],
      ['ldap', 389],
      ['ldaps', 636],
      ['smtp', 25],
      ['smtps', 465],
      ['imap', 143],
      ['imaps', 993],
      ['pop3', 110],
      ['pop3s', 995],
      ['mysql', 3306],
      ['postgres', 5432],
      ['mssql', 1433],
      ['smb', 445],
      ['rdp', 3389],
      ['vnc', 5900],
      ['redis', 6379],
      ['snmp', 161],
      ['tcp', 0],
      ['icmp', 0],
      ['remote-admin', 22],
      ['database', 3306],
    ]),
  )
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
    const schema = optionsSchema(registry.get(type)!)
    for (const raw of list) {
      const once = schema.parse(raw)
      assert.deepEqual(JSON.parse(JSON.stringify(once)), once, `${type}: JSON round trip`)
      assert.deepEqual(schema.parse(once), once, `${type}: parsing twice`)
    }
  }
})

test('builtin types: each declares its options as a function, built once when first used', () => {
  for (const cls of builtinTypes().list()) {
    assert.equal(typeof cls.options, 'function', cls.shortName)
    assert.equal(optionsSchema(cls), optionsSchema(cls), cls.shortName)
  }
})

test('builtin types: unknown option keys are refused', () => {
  for (const cls of builtinTypes().list()) {
    const result = optionsSchema(cls).safeParse({ record: 'x', no_such_option: 1 })
    assert.equal(result.success, false, cls.shortName)
  }
})

test('builtin types: registering them and reading options loads no protocol client library; a check loads its own', async () => {
  const script = `
    const { builtinTypes } = await import(${JSON.stringify(new URL('../../checks/builtin-types.ts', import.meta.url).href)})
    const { DEMO_SSH_CLIENT_KEY } = await import(${JSON.stringify(new URL('../../src/demo/ssh-keys.ts', import.meta.url).href)})
    const { optionsSchema } = await import(${JSON.stringify(new URL('../../src/service-type.ts', import.meta.url).href)})
    const registry = builtinTypes()
    optionsSchema(registry.get('ssh')).parse({ private_key: DEMO_SSH_CLIENT_KEY })
    optionsSchema(registry.get('ldap')).parse({ base_dn: 'dc=team1', filter: '(uid={username})' })
    const atStart = [...globalThis.loadedPackages]
    const { loadSsh2 } = await import(${JSON.stringify(new URL('../../checks/client-libraries.ts', import.meta.url).href)})
    const ssh2 = await loadSsh2()
    process.stdout.write(JSON.stringify({ atStart, client: typeof ssh2.Client }))
  `
  const { code, stdout, stderr, packages } = await packagesLoadedBy(['--input-type=module', '-e', script])
  assert.equal(code, 0, stderr)
  const { atStart, client } = JSON.parse(stdout) as { atStart: string[]; client: string }
  assert.deepEqual(
    CLIENT_LIBRARIES.filter((name) => atStart.includes(name)),
    [],
    'no client library once the types are registered and options read',
  )
  assert.equal(client, 'function', 'loadSsh2 gives ssh2 as a whole (its module.exports)')
  assert.deepEqual(
    CLIENT_LIBRARIES.filter((name) => packages.includes(name)),
    ['ssh2'],
  )
})
