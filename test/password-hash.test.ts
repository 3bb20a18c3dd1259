import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hashPassword, verifyPassword } from '../src/password-hash.ts'

test('password hash: scrypt$N$r$p$salt$hash with a random salt, verified against the password only', () => {
  const hash = hashPassword('Winter2026!')
  assert.match(hash, /^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
  assert.notEqual(hashPassword('Winter2026!'), hash, 'a new salt each time')
  assert.ok(!hash.includes('Winter2026!'))
  assert.equal(verifyPassword('Winter2026!', hash), true)
  assert.equal(verifyPassword('winter2026!', hash), false)
})

test('password hash: a hash in another form, or with costs too high to compute, does not verify', () => {
  const [, , , , salt, key] = hashPassword('x').split('$')
  for (const bad of [
    'scrypt$abc',
    `bcrypt$16384$8$1$${salt}$${key}`,
    `scrypt$1000$8$1$${salt}$${key}`,
    `scrypt$${2 ** 30}$8$1$${salt}$${key}`,
    `scrypt$16384$8$1$$${key}`,
  ])
    assert.equal(verifyPassword('x', bad), false, bad)
})
