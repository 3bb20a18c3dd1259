import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { loadConfig } from '../../src/config/load-config.ts'
import { testRegistry } from './config-fixtures.ts'

const EXAMPLE = fileURLToPath(new URL('../../examples/competition.yaml', import.meta.url))

// With stand-ins for the built-in types: the file's structure, templates, pools and info are checked
// here; its options against the real check types belong to the tests of those types.
test('examples/competition.yaml is a valid competition of 3 teams on 127.0.1.{num} and one plant controller', () => {
  const c = loadConfig(EXAMPLE, testRegistry())
  assert.deepEqual(
    c.teams.map((t) => t.number),
    [1, 2, 3],
  )
  const names = [...new Set(c.services.map((s) => s.name))]
  assert.equal(c.services.length, names.length * 3)
  assert.deepEqual(
    new Set(c.services.map((s) => s.subtype)),
    new Set(['http', 'https', 'ssh', 'dns', 'tcp', 'remote-admin']),
  )
  for (const s of c.services)
    assert.equal(s.host, s.name === 'plant' ? '127.0.0.1' : `127.0.1.${s.team}`, `${s.team}/${s.name}`)
  assert.ok(c.services.some((s) => s.credentialPool !== null))
  assert.ok(c.services.some((s) => s.teamSpecific))
  assert.ok(c.services.some((s) => s.external))
  const dns2 = c.services.find((s) => s.team === 2 && s.subtype === 'dns')
  assert.deepEqual(dns2?.options, { record: 'www.team2.cdc', qtype: 'A', expect: ['127.0.1.2'] })
  const admin3 = c.services.find((s) => s.team === 3 && s.subtype === 'remote-admin')
  assert.deepEqual([admin3?.port, admin3?.credentialPool], [3389, 'windows_admins'])
})
