import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeUtf8, firstInvalidByte } from '../../src/config/decode-utf8.ts'

test('valid UTF-8, accents and emoji included, decodes; a byte order mark is dropped', () => {
  assert.deepEqual(decodeUtf8(Buffer.from('name: Équipe 🛡️\n')), { text: 'name: Équipe 🛡️\n' })
  assert.deepEqual(decodeUtf8(Buffer.from('\uFEFFname: x')), { text: 'name: x' })
})

test('the first byte of a malformed sequence is found: stray, truncated, overlong, surrogate', () => {
  assert.equal(firstInvalidByte(Buffer.from('abc')), 3)
  assert.equal(firstInvalidByte(Uint8Array.of(0x61, 0x80)), 1)
  assert.equal(firstInvalidByte(Uint8Array.of(0x61, 0xe2, 0x82)), 1)
  assert.equal(firstInvalidByte(Uint8Array.of(0xc0, 0xaf)), 0)
  assert.equal(firstInvalidByte(Uint8Array.of(0xe0, 0x80, 0xaf)), 0)
  assert.equal(firstInvalidByte(Uint8Array.of(0xed, 0xa0, 0x80)), 0)
  assert.equal(firstInvalidByte(Uint8Array.of(0xf4, 0x90, 0x80, 0x80)), 0)
  assert.equal(firstInvalidByte(Buffer.concat([Buffer.from('é'), Uint8Array.of(0xff)])), 2)
})

test('a failure gives the line and column of the bad byte, counted in characters', () => {
  const bytes = Buffer.concat([Buffer.from('a: 1\nb: é'), Uint8Array.of(0xff)])
  const result = decodeUtf8(bytes)
  assert.ok('failure' in result)
  assert.equal(result.failure.line, 2)
  assert.equal(result.failure.col, 5)
})
