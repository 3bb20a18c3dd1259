import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  excerpt,
  flag,
  integer,
  listOf,
  matchExpected,
  regexString,
  stringList,
  tlsMode,
  tlsVerify,
} from '../../src/check-options.ts'
import { CheckFailure } from '../../src/errors.ts'

test('check options: a list or a scalar of strings, numbers made strings', () => {
  assert.deepEqual(stringList().parse('ok'), ['ok'])
  assert.deepEqual(stringList().parse(42), ['42'])
  assert.deepEqual(stringList().parse(['a', 1]), ['a', '1'])
  assert.equal(stringList().safeParse([]).success, false)
  assert.equal(stringList().safeParse({ a: 1 }).success, false)
})

test('check options: a list or one item of any schema', () => {
  assert.deepEqual(listOf(integer(100, 599)).parse('301'), [301])
  assert.deepEqual(listOf(integer(100, 599)).parse([200, '204']), [200, 204])
  assert.equal(listOf(integer(100, 599)).safeParse(99).error?.issues[0]?.message, 'must be at least 100')
})

test('check options: numbers and numeric strings alike, within bounds', () => {
  assert.equal(integer(1, 10).parse('3'), 3)
  assert.equal(integer(1, 10).parse(3), 3)
  assert.equal(integer(1, 10).safeParse('eleven').success, false)
  assert.equal(integer(1, 10).safeParse(11).success, false)
  assert.equal(integer(1, 10).safeParse('2.5').success, false)
})

test('check options: booleans, and the strings "true" and "false"', () => {
  assert.equal(flag().parse('true'), true)
  assert.equal(flag().parse(false), false)
  assert.equal(flag().safeParse('yes').error?.issues[0]?.message, 'must be true or false')
  assert.equal(tlsVerify().parse(undefined), false)
})

test('check options: tls mode with the type default and a restricted choice', () => {
  assert.equal(tlsMode('implicit').parse(undefined), 'implicit')
  assert.equal(tlsMode('none').parse('starttls'), 'starttls')
  assert.equal(tlsMode('none', ['none', 'implicit']).safeParse('starttls').success, false)
})

test('check options: a regular expression that does not compile is refused', () => {
  assert.equal(regexString().parse('^a+$'), '^a+$')
  const bad = regexString().safeParse('a(')
  assert.equal(bad.success, false)
  assert.match(bad.error.issues[0]!.message, /does not compile/)
})

test('check options: matchExpected checks every option set, and quotes a bounded excerpt', () => {
  matchExpected('uid=0(root)\n', {}, 'output')
  matchExpected(
    'uid=0(root)\n',
    { expect: ['admin', 'root'], expect_regex: '^uid=0\\(root\\)$', expect_exact: ['uid=0(root)'] },
    'output',
  )
  const fail = (text: string, options: Parameters<typeof matchExpected>[1]): CheckFailure => {
    try {
      matchExpected(text, options, 'output')
    } catch (err) {
      assert.ok(err instanceof CheckFailure)
      return err
    }
    assert.fail('expected a CheckFailure')
  }
  const long = fail(`${'x'.repeat(10_000)}\u0007`, { expect: ['y'] })
  assert.equal(long.stage, 'match')
  assert.ok(long.message.length < 250, long.message)
  assert.match(long.message, /^output does not contain "y"; received "x+…"$/)
  assert.ok(long.debug!.length < 5000)
  assert.equal(fail('', { expect_regex: 'a' }).message, 'output does not match /a/; received nothing')
  assert.equal(
    fail('root\n', { expect_exact: ['toor'] }).message,
    'output is not exactly "toor"; received "root"',
  )
  assert.equal(excerpt('a\u0000b'), '"a\\u0000b"')
})
