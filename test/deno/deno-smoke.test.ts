import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { EXAMPLE_EXPECTED, startExampleTargets } from '../support/example-targets.ts'
import { tempDir } from '../helpers/temp-dir.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))
const deno = join(root, 'node_modules', '.bin', 'deno')

/** The same sources run under Deno: `deno run -A src/cli.ts run --round` with a services.ts. */
test(
  'deno: `deno run -A src/cli.ts run --round` with examples/services.ts records the same scores',
  { timeout: 120_000 },
  async (t) => {
    const targets = await startExampleTargets()
    t.after(() => targets.close())
    const dir = tempDir(t)
    const config = join(dir, 'competition.yaml')
    writeFileSync(config, targets.yaml)
    const db = join(dir, 'scanner.db')
    const cli = join(root, 'src', 'cli.ts')
    const version = await run(deno, ['run', '-A', cli, '--version'], { cwd: root })
    assert.match(version.stdout, /^scanner \d+\.\d+\.\d+ \(Deno \d+\.\d+\.\d+, SQLite 3\.\d+\.\d+\)/)

    const args = [
      'run',
      '-A',
      cli,
      'run',
      '--round',
      '--config',
      config,
      '--db',
      db,
      '--services',
      'examples/services.ts',
    ]
    const round = await run(deno, args, { cwd: root, env: { ...process.env, NO_COLOR: '1' } })
    assert.match(round.stdout, /\b4\/9 services up\b/)

    const database = new Database(db, { readonly: true })
    t.after(() => database.close())
    const rows = database
      .prepare(
        'SELECT s.team, s.name, sc.up, sc.stage, sc.error FROM scores sc JOIN services s ON s.id = sc.service_id',
      )
      .all() as { team: number; name: string; up: number; stage: string | null; error: string | null }[]
    assert.equal(rows.length, Object.keys(EXAMPLE_EXPECTED).length)
    for (const row of rows) {
      const [up, stage, error] = EXAMPLE_EXPECTED[`${row.team}/${row.name}`]!
      assert.equal(row.up === 1, up, `${row.team}/${row.name}: ${row.error}`)
      assert.equal(row.stage, stage, `${row.team}/${row.name}`)
      if (error) assert.match(row.error ?? '', error, `${row.team}/${row.name}`)
    }
  },
)
