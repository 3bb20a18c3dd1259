import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LineCounter, parseDocument } from 'yaml'
import { formatKeyPath, YamlLocator } from '../../src/config/yaml-positions.ts'

test('key paths are written with indexes and team numbers in brackets', () => {
  assert.equal(formatKeyPath(['services', 1, 'port']), 'services[1].port')
  assert.equal(formatKeyPath(['teams', 0, 'pools', 'ad_users', 1]), 'teams[0].pools.ad_users[1]')
  assert.equal(formatKeyPath(['services', 0, 'overrides', '3', 'port']), 'services[0].overrides[3].port')
  assert.equal(formatKeyPath(['teams', 0, 'info', 'a key']), 'teams[0].info["a key"]')
  assert.equal(formatKeyPath([]), '')
})

test('the locator finds values, keys, the nearest existing parent and the anchor of an alias', () => {
  const text = 'a:\n  b: [1, 2]\n  c: &x { d: 4 }\ne: *x\n'
  const lines = new LineCounter()
  const locator = new YamlLocator(parseDocument(text, { lineCounter: lines }), lines)
  assert.deepEqual(locator.locate(['a', 'b', 1]), { line: 2, col: 10 })
  assert.deepEqual(locator.locate(['a', 'c'], 'key'), { line: 3, col: 3 })
  assert.deepEqual(locator.locate(['a', 'missing']), { line: 2, col: 3 })
  assert.deepEqual(locator.locate(['e', 'd']), { line: 3, col: 14 })
})
