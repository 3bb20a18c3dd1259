import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { ConfigError } from '../../src/config/config-error.ts'
import { loadConfig, MAX_CONFIG_BYTES, parseConfig } from '../../src/config/load-config.ts'
import { tempDir } from '../helpers/temp-dir.ts'
import { onlyProblem, testRegistry } from './config-fixtures.ts'

const GOOD = 'name: Test\nteams: [ { number: 1 } ]\nservices:\n  - { name: web, type: http, host: h }\n'

/** The ConfigError thrown by `run`, asserted to come within `withinMs`. */
function refusedQuickly(run: () => unknown, withinMs = 5000): ConfigError {
  const started = performance.now()
  try {
    run()
  } catch (err) {
    assert.ok(performance.now() - started < withinMs, `took ${Math.round(performance.now() - started)} ms`)
    assert.equal((err as ConfigError).code, 'ERR_CONFIG', String(err))
    return err as ConfigError
  }
  assert.fail('the config was accepted')
}

test('a billion-laughs document is refused quickly instead of expanding its aliases', () => {
  const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i)
    const name = String.fromCharCode(97 + i)
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`)
  }
  const err = refusedQuickly(() => parseConfig(`${lines.join('\n')}\n`, 'competition.yaml', testRegistry()))
  assert.equal(err.problems.length, 1)
  assert.match(err.problems[0]!.message, /aliases expand to too many values/)
  assert.equal(err.problems[0]!.line, 2)
})

test('a few aliases, as organisers use them to share options, are fine', () => {
  const competition = parseConfig(
    `name: Test
teams: [ { number: 1 }, { number: 2 } ]
services:
  - { name: a, type: ssh, host: h, options: &login { command: id, expect: root } }
  - { name: b, type: ssh, host: h, port: 2222, options: *login }
`,
    'competition.yaml',
    testRegistry(),
  )
  assert.deepEqual(competition.services.at(-1)?.options, { command: 'id', expect: ['root'] })
})

test('a 10000-deep nesting of flow lists is refused quickly without crashing', () => {
  const yaml = `name: Test\nteams: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`
  const err = refusedQuickly(() => parseConfig(yaml, 'competition.yaml', testRegistry()))
  assert.equal(err.problems.length, 1)
  assert.match(err.problems[0]!.message, /nesting is too deep/)
})

test('a 10000-deep nesting of block lists is refused quickly without crashing', () => {
  const yaml = `name: Test\nteams:\n  ${'- '.repeat(10_000)}x\n`
  const err = refusedQuickly(() => parseConfig(yaml, 'competition.yaml', testRegistry()))
  assert.match(err.problems[0]!.message, /nesting is too deep/)
})

test('nesting a little deeper than any real config is refused with its position', () => {
  const yaml = `name: Test\nteams: [ { number: 1 } ]\nx: ${'['.repeat(70)}${']'.repeat(70)}\n`
  const problem = onlyProblem(yaml)
  assert.match(problem.message, /more than 64 levels/)
  assert.equal(problem.line, 3)
})

test('a file over 10 MiB is refused before it is read or parsed', (t) => {
  const file = join(tempDir(t), 'competition.yaml')
  writeFileSync(file, `${GOOD}# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`)
  const err = refusedQuickly(() => loadConfig(file, testRegistry()), 2000)
  assert.equal(err.problems.length, 1)
  assert.match(err.problems[0]!.message, /too large \(10\.0 MiB\).*over 10\.0 MiB are refused/)
  assert.equal(err.problems[0]!.file, file)
})

test('a text over 10 MiB given to parseConfig is refused too', () => {
  const err = refusedQuickly(() =>
    parseConfig(`${GOOD}#${'x'.repeat(MAX_CONFIG_BYTES)}`, 'c.yaml', testRegistry()),
  )
  assert.match(err.message, /^c\.yaml:1:1: the file is too large/)
})

test('a file that is not UTF-8 is refused at the line and column of the first bad byte', (t) => {
  const file = join(tempDir(t), 'competition.yaml')
  const latin1 = Buffer.concat([
    Buffer.from('name: Test\nteams:\n  - { number: 1, name: "Equipe '),
    Buffer.of(0xe9),
    Buffer.from('" }\n'),
  ])
  writeFileSync(file, latin1)
  const err = refusedQuickly(() => loadConfig(file, testRegistry()))
  assert.equal(err.problems.length, 1)
  assert.deepEqual({ line: err.problems[0]!.line, col: err.problems[0]!.col }, { line: 3, col: 32 })
  assert.match(err.problems[0]!.message, /^not UTF-8: byte 0xe9 at offset 49/)
})

test('a UTF-16 file is refused, saying it is UTF-16', (t) => {
  const file = join(tempDir(t), 'competition.yaml')
  writeFileSync(file, Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(GOOD, 'utf16le')]))
  assert.match(
    refusedQuickly(() => loadConfig(file, testRegistry())).message,
    /not UTF-8: the file is UTF-16/,
  )
})

test('a UTF-8 file with a byte order mark is read', (t) => {
  const file = join(tempDir(t), 'competition.yaml')
  writeFileSync(file, Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from(GOOD)]))
  assert.equal(loadConfig(file, testRegistry()).name, 'Test')
})

test('a directory given as the config is refused as a config error', (t) => {
  const dir = tempDir(t)
  assert.match(
    refusedQuickly(() => loadConfig(dir, testRegistry())).message,
    /not a regular file|cannot read/,
  )
})

test('a large but reasonable file (a thousand teams) is parsed within seconds', () => {
  const teams = Array.from(
    { length: 1000 },
    (_, i) => `  - { number: ${i + 1}, pools: { users: ["u:p${i}"] } }`,
  )
  const services = Array.from(
    { length: 10 },
    (_, i) => `  - { name: s${i}, type: ssh, host: "10.{num}.0.${i}", credential_pool: users }`,
  )
  const yaml = `name: Big\nteams:\n${teams.join('\n')}\nservices:\n${services.join('\n')}\n`
  const started = performance.now()
  const competition = parseConfig(yaml, 'competition.yaml', testRegistry())
  assert.equal(competition.services.length, 10_000)
  assert.ok(performance.now() - started < 5000)
})
