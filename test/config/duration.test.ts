import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatDuration, parseDuration } from '../../src/config/duration.ts'

test('durations with units parse to milliseconds', () => {
  assert.equal(parseDuration('10s'), 10_000)
  assert.equal(parseDuration('2m'), 120_000)
  assert.equal(parseDuration('500ms'), 500)
  assert.equal(parseDuration('1m30s'), 90_000)
  assert.equal(parseDuration('1h'), 3_600_000)
  assert.equal(parseDuration('1h2m3s4ms'), 3_723_004)
  assert.equal(parseDuration('1.5s'), 1500)
  assert.equal(parseDuration(' 15s '), 15_000)
})

test('a bare number, written as a number or as text, is seconds', () => {
  assert.equal(parseDuration(10), 10_000)
  assert.equal(parseDuration('10'), 10_000)
  assert.equal(parseDuration(2.5), 2500)
  assert.equal(parseDuration(0), 0)
})

test('anything else does not parse', () => {
  for (const bad of ['', 's', '10x', '10 s', '1s1m', '10sec', '-5s', '1,5s', 'ten', '1m1m', '10ms5s']) {
    assert.equal(parseDuration(bad), null, JSON.stringify(bad))
  }
  assert.equal(parseDuration(-1), null)
  assert.equal(parseDuration(Number.NaN), null)
  assert.equal(parseDuration(Number.POSITIVE_INFINITY), null)
})

test('formatDuration writes milliseconds the way a config does', () => {
  assert.equal(formatDuration(90_000), '1m30s')
  assert.equal(formatDuration(120_000), '2m')
  assert.equal(formatDuration(500), '500ms')
  assert.equal(formatDuration(0), '0s')
  assert.equal(parseDuration(formatDuration(3_723_004)), 3_723_004)
})
