import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Store } from '../../db/store.ts'
import { CLI } from '../helpers/cli.ts'
import { tempDir } from '../helpers/engine.ts'
import { CLIENT_LIBRARIES, packagesLoadedBy } from '../helpers/loaded-packages.ts'

const CONFIG_PARSER = ['yaml', 'zod']

test('cli: --version loads neither the config parser nor a protocol client library', async () => {
  const { code, stdout, packages } = await packagesLoadedBy([CLI, '--version'])
  assert.equal(code, 0)
  assert.match(stdout, /^scanner \d+\.\d+\.\d+ \(Node v24\./)
  for (const name of [...CONFIG_PARSER, ...CLIENT_LIBRARIES]) assert.ok(!packages.includes(name), name)
})

test('cli: --help and a usage error load no package at all', async () => {
  for (const args of [['--help'], ['run', '--help'], ['status', '--frob']]) {
    const { code, packages } = await packagesLoadedBy([CLI, ...args])
    assert.equal(code, args.includes('--help') ? 0 : 2, args.join(' '))
    assert.deepEqual(packages, [], args.join(' '))
  }
})

test('cli: status, services and scores load neither the config parser nor the check types', async (t) => {
  const dir = tempDir(t)
  Store.open(join(dir, 'scanner.db')).close()
  for (const command of ['status', 'services', 'scores']) {
    const { code, stderr, packages } = await packagesLoadedBy([CLI, command], dir)
    assert.equal(code, 0, stderr)
    assert.ok(packages.includes('better-sqlite3'), `${command} reads the database`)
    for (const name of [...CONFIG_PARSER, ...CLIENT_LIBRARIES]) assert.ok(!packages.includes(name), name)
  }
})

test('cli: types lists every check type without loading a protocol client library', async () => {
  const { code, stdout, stderr, packages } = await packagesLoadedBy([CLI, 'types'])
  assert.equal(code, 0, stderr)
  assert.match(stdout, /\nssh +standard +22 /)
  for (const name of CLIENT_LIBRARIES) assert.ok(!packages.includes(name), name)
})

test('cli: run --round loads neither the web pages (hono) nor the client libraries its checks do not use', async (t) => {
  const dir = tempDir(t)
  writeFileSync(
    join(dir, 'competition.yaml'),
    'name: Start\nteams: [ { number: 1 } ]\nservices: [ { name: first, type: tcp, host: 127.0.0.1, port: 9 } ]\n',
  )
  const { code, stderr, packages } = await packagesLoadedBy([CLI, 'run', '--round'], dir)
  assert.equal(code, 0, stderr)
  for (const name of ['hono', '@hono/node-server', ...CLIENT_LIBRARIES])
    assert.ok(!packages.includes(name), name)
})
