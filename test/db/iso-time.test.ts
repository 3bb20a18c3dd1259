import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isoTime } from '../../db/iso-time.ts'

test('isoTime gives what toISOString gives, across seconds, days, years and the edges of the range', () => {
  const samples = [
    0,
    1,
    999,
    1000,
    -1,
    -1001,
    Date.UTC(2026, 11, 2, 23, 59, 59, 999),
    Date.UTC(2026, 11, 3, 0, 0, 0, 0),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(10000, 0, 1),
    Date.UTC(-1, 0, 1),
  ]
  let ms = Date.UTC(2026, 0, 1)
  for (let i = 0; i < 20_000; i++) {
    ms += Math.floor(Math.random() * 700)
    samples.push(ms)
  }
  for (const sample of samples) assert.equal(isoTime(sample), new Date(sample).toISOString(), String(sample))
})
