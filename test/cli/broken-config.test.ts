import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { LIFECYCLE_CHECKS, tempDir } from '../helpers/engine.ts'
import { runCli } from '../helpers/cli.ts'

const good = `name: Good
teams: [ { number: 1 } ]
services:
  - { name: web, type: probe, host: 127.0.0.1, port: 1 }
`

const broken: [string, string, RegExp][] = [
  ['a YAML syntax error', `name: Bad\nteams: [ { number: 1 }\nservices: []\n`, /competition\.yaml:\d+:\d+: /],
  [
    'an unknown check type',
    `name: Bad\nteams: [ { number: 1 } ]\nservices:\n  - { name: web, type: gopher, host: 127.0.0.1 }\n`,
    /competition\.yaml:4:\d+: services\[0\]\.type: .*gopher/,
  ],
  [
    'a service without a host',
    `name: Bad\nteams: [ { number: 1 } ]\nservices:\n  - name: web\n    type: probe\n`,
    /competition\.yaml:4:\d+: services\[0\](\.host)?: .*host/,
  ],
]

for (const [what, yaml, expected] of broken) {
  test(`run --round with ${what} in competition.yaml: exit 2, file:line:col and key path, database unchanged`, async (t) => {
    const dir = tempDir(t)
    const args = ['run', '--round', '--services', LIFECYCLE_CHECKS, '--workers', '1']
    writeFileSync(join(dir, 'competition.yaml'), good)
    const ok = await runCli(args, dir)
    assert.equal(ok.code, 0, ok.stderr)
    const before = readFileSync(join(dir, 'scanner.db'))

    writeFileSync(join(dir, 'competition.yaml'), yaml)
    const bad = await runCli(args, dir)
    assert.equal(bad.code, 2, bad.stderr)
    assert.match(bad.stderr, expected)
    assert.deepEqual(readFileSync(join(dir, 'scanner.db')), before, 'the database must not change')

    const validate = await runCli(['validate', '--services', LIFECYCLE_CHECKS], dir)
    assert.equal(validate.code, 2)
    assert.match(validate.stderr, expected)
  })
}
