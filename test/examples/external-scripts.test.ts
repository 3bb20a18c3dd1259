import assert from 'node:assert/strict'
import { execFile, execFileSync, spawn } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test, type TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { CLI } from '../helpers/cli.ts'
import { closedPort } from '../support/check.ts'
import { externalCompetition } from '../support/external-competition.ts'

const EXAMPLES = fileURLToPath(new URL('../../examples/external/', import.meta.url))
const run = promisify(execFile)

function installed(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const NO_SHELL_TOOLS = !installed('jq') || !installed('curl') || !installed('bash')

/** examples/external/plant-controller.ts on a free port: team 1 running, team 2 tripped, team 3 unknown. */
async function startController(t: TestContext): Promise<number> {
  const child = spawn(process.execPath, [join(EXAMPLES, 'plant-controller.ts'), '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  t.after(() => child.kill())
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the plant controller exited with ${code}`)))
    child.stdout.on('data', (d: Buffer) => {
      const port = /127\.0\.0\.1:(\d+)\/plants/.exec(d.toString())?.[1]
      if (port) resolve(Number(port))
    })
  })
}

async function competition(t: TestContext, controllerPort: number) {
  return externalCompetition(
    t,
    `name: Plants
teams: [ { number: 1 }, { number: 2 }, { number: 3 } ]
services:
  - { name: www, type: http, host: 127.0.0.1, port: 8080 }
  - { name: plant, type: http, host: 127.0.0.1, port: ${controllerPort}, url: /plants, external: true, points: 10 }
`,
  )
}

/** The environment of a script: the database, and `scanner` (the CLI from the sources) on the PATH. */
function scriptEnv(dir: string, db: string): NodeJS.ProcessEnv {
  const bin = join(dir, 'bin')
  mkdirSync(bin, { recursive: true })
  writeFileSync(join(bin, 'scanner'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`)
  chmodSync(join(bin, 'scanner'), 0o755)
  return { ...process.env, SCANNER_DB: db, PATH: `${bin}:${process.env.PATH ?? ''}` }
}

const SCRIPTS: [string, string[]][] = [
  ['score-plants.ts', [process.execPath, join(EXAMPLES, 'score-plants.ts')]],
  ['score-plants.sh', ['bash', join(EXAMPLES, 'score-plants.sh')]],
]

interface Scored {
  team: number
  score: number
  up: number
  error: string | null
  detail: string | null
}

function scored(db: string): { scores: Scored[]; spinning: number } {
  const reader = new Database(db, { readonly: true })
  try {
    const scores = reader
      .prepare(
        `SELECT s.team, sc.score, sc.up, sc.error, se.detail FROM scores sc
         JOIN services s ON s.id = sc.service_id LEFT JOIN service_errors se ON se.score_id = sc.id
         WHERE sc.round_id IS NULL ORDER BY s.team`,
      )
      .all() as Scored[]
    const { n } = reader.prepare('SELECT COUNT(*) AS n FROM service_state WHERE in_progress = 1').get() as {
      n: number
    }
    return { scores, spinning: n }
  } finally {
    reader.close()
  }
}

for (const [name, command] of SCRIPTS) {
  const skip = name.endsWith('.sh') && NO_SHELL_TOOLS ? 'skipped: needs bash, curl and jq' : false
  test(
    `examples/external/${name}: one poll of the plant controller scores every team's plant`,
    { skip, timeout: 120_000 },
    async (t) => {
      const { dir, db } = await competition(t, await startController(t))
      const { stdout } = await run(command[0]!, command.slice(1), { cwd: dir, env: scriptEnv(dir, db) })
      assert.match(stdout, /^score-plants: scored 3 teams from http:\/\/127\.0\.0\.1:\d+\/plants\n$/)
      const { scores, spinning } = scored(db)
      assert.deepEqual(scores, [
        { team: 1, score: 10, up: 1, error: null, detail: null },
        {
          team: 2,
          score: 0,
          up: 0,
          error: 'the controller reports the plant tripped',
          detail:
            'controller answer for team 2: {"state":"tripped","alarms":["PT-101 pressure high","breaker 52-1 open"]}',
        },
        {
          team: 3,
          score: 0,
          up: 0,
          error: 'the controller reports the plant offline',
          detail: 'controller answer for team 3: null',
        },
      ])
      assert.equal(spinning, 0, 'no spinner left')
    },
  )

  test(
    `examples/external/${name}: a controller that cannot be reached scores nobody and exits 1`,
    { skip, timeout: 120_000 },
    async (t) => {
      const { dir, db } = await competition(t, await closedPort())
      const failed = await run(command[0]!, command.slice(1), { cwd: dir, env: scriptEnv(dir, db) }).then(
        () => assert.fail('the script succeeded'),
        (err: { code: number; stderr: string }) => err,
      )
      assert.equal(failed.code, 1)
      assert.match(failed.stderr, /score-plants: cannot read the plant controller.*nobody scored/)
      assert.deepEqual(scored(db), { scores: [], spinning: 0 })
    },
  )
}
