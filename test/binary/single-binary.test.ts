import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { NODE_FLAGS } from '../../src/runtime/node-flags.ts'
import { tempDir } from '../helpers/temp-dir.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))
const services = fileURLToPath(new URL('../fixtures/services/good/', import.meta.url))

const competition = `
name: Binary test
defaults: { timeout: 2s, points: 4 }
teams: [ { number: 1 }, { number: 2 } ]
services:
  - { name: plant, type: plant, host: 127.0.0.1, port: 502, overrides: { 2: { port: 503 } } }
`

async function scanner(
  binary: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(binary, args, {
      cwd,
      env: { PATH: '/usr/bin:/bin', HOME: cwd, ...env },
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/** Runs build.mjs; returns the SHA-256 of the binary it made. */
async function build(): Promise<{ digest: string }> {
  await run(process.execPath, [join(root, 'build.mjs')], { cwd: root })
  return {
    digest: createHash('sha256')
      .update(readFileSync(join(root, 'dist', 'scanner')))
      .digest('hex'),
  }
}

test(
  'single binary: built (twice, the same bytes), copied alone into an empty folder, it runs types, validate, a round with a services.ts, and the demo',
  { timeout: 180_000 },
  async (t) => {
    const built = await build()
    const dir = tempDir(t)
    const binary = join(dir, 'scanner')
    copyFileSync(join(root, 'dist', 'scanner'), binary)
    cpSync(services, join(dir, 'checks'), { recursive: true })
    writeFileSync(join(dir, 'competition.yaml'), competition)

    const rebuilt = await build()
    assert.equal(rebuilt.digest, built.digest, 'a second build gives the same bytes')

    const version = await scanner(binary, ['--version'], dir)
    assert.match(version.stdout, /^scanner \d+\.\d+\.\d+ \(Node v24\.\d+\.\d+, SQLite 3\.\d+\.\d+\)/)
    // The binary starts with the Node options of src/runtime/node-flags.ts.
    const probe = join(dir, 'print-exec-argv.cjs')
    writeFileSync(probe, 'process.stderr.write(JSON.stringify(process.execArgv))\n')
    const flags = await scanner(binary, ['--version'], dir, { NODE_OPTIONS: `--require ${probe}` })
    assert.deepEqual(JSON.parse(flags.stderr), NODE_FLAGS)

    const types = await scanner(binary, ['types', '--services', 'checks/services.ts'], dir)
    assert.equal(types.code, 0, types.stderr)
    assert.match(types.stdout, /^plant\s+standard\s+502/m)
    assert.match(types.stdout, /^ssh\s/m)

    const validate = await scanner(binary, ['validate', '--services', 'checks'], dir)
    assert.equal(validate.code, 0, validate.stderr)

    const round = await scanner(binary, ['run', '--round', '--services', 'checks/services.ts'], dir)
    assert.equal(round.code, 0, round.stderr)
    const db = new Database(join(dir, 'scanner.db'), { readonly: true })
    t.after(() => db.close())
    const scores = db
      .prepare(
        'SELECT s.team, sc.score, sc.up, sc.error FROM scores sc JOIN services s ON s.id = sc.service_id ORDER BY s.team',
      )
      .all()
    assert.deepEqual(scores, [
      { team: 1, score: 4, up: 1, error: null },
      { team: 2, score: 0, up: 0, error: 'plant tripped at level 2' },
    ])

    const noCache = await scanner(binary, ['status'], dir, {
      SCANNER_CACHE_DIR: join(dir, 'scanner.db', 'cache'),
    })
    assert.equal(noCache.code, 1)
    assert.match(
      noCache.stderr,
      /^scanner: cannot unpack the program into .*; set SCANNER_CACHE_DIR to a writable folder/,
    )
    assert.doesNotMatch(noCache.stderr, /\n\s+at /, 'no stack trace')

    const demo = await scanner(binary, ['demo'], dir)
    assert.equal(demo.code, 0, demo.stderr)
    assert.match(demo.stdout, /^Blue One\s+web\s+http\s+127\.0\.0\.1:\d+\s+up\s+5\s*$/m)
    assert.match(
      demo.stdout,
      /^Blue Two\s+ssh\s+ssh\s+127\.0\.0\.1:\d+\s+DOWN\s+0\s+auth\s+login refused for user "alice"/m,
    )
    assert.match(demo.stdout, /^7\/12 services up$/m)
  },
)
