import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hashPassword, parsePasswordHash, verifyPassword } from '../../src/auth/password-hash.ts'

test('password hash: a hash verifies its password and no other, and two hashes of one password differ', async () => {
  const hash = await hashPassword('Winter2026!')
  assert.match(hash, /^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
  assert.equal(await verifyPassword('Winter2026!', hash), true)
  assert.equal(await verifyPassword('winter2026!', hash), false)
  assert.equal(await verifyPassword('', hash), false)
  assert.notEqual(await hashPassword('Winter2026!'), hash)
})

test('password hash: malformed hashes and out-of-range parameters are refused with a reason and never match', async () => {
  for (const bad of [
    'scrypt$...',
    'bcrypt$16384$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5',
    'scrypt$1000$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5',
    'scrypt$4194304$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5',
    'scrypt$16384$8$1$c2Fs$a2V5a2V5a2V5a2V5a2V5a2V5',
  ]) {
    assert.equal(typeof parsePasswordHash(bad), 'string', bad)
    assert.equal(await verifyPassword('x', bad), false, bad)
  }
})
