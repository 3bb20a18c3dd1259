import assert from 'node:assert/strict'
import { test } from 'node:test'
import { didYouMean, editDistance, nearest } from '../../src/config/suggest.ts'

test('edit distance counts insertions, deletions, substitutions and swapped neighbours', () => {
  assert.equal(editDistance('host', 'host'), 0)
  assert.equal(editDistance('hots', 'host'), 1)
  assert.equal(editDistance('prot', 'port'), 1)
  assert.equal(editDistance('servces', 'services'), 1)
  assert.equal(editDistance('', 'abc'), 3)
})

test('the nearest candidate is suggested only when it is close', () => {
  const keys = ['name', 'type', 'host', 'port', 'credential_pool', 'team_specific_info']
  assert.equal(nearest('hots', keys), 'host')
  assert.equal(nearest('credentials_pool', keys), 'credential_pool')
  assert.equal(nearest('Team-Specific-Info', keys), 'team_specific_info')
  assert.equal(nearest('colour', keys), undefined)
  assert.equal(nearest('user', ['username', 'password']), 'username', 'a shortening counts')
  assert.equal(didYouMean('prot', keys), ' (did you mean "port"?)')
  assert.equal(didYouMean('zzz', keys), '')
})
