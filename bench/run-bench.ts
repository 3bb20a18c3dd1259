/**
 * `npm run bench`: a simulated competition on loopback against real servers in a separate process,
 * rounds through the real engine and store, and side by side in the same run a bare async loop
 * doing the same protocol work, and the same HTTP checks done one `curl` process per check.
 * Prints a table and writes bench/results.json.
 *
 * Options: --smoke (tiny sizes, no binary: a quick run that the tests use), --no-build (use the
 * dist/scanner already built), --out FILE (results.json elsewhere).
 */
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { loadConfig } from '../src/config/load-config.ts'
import { loadCheckTypes } from '../src/engine/load-types.ts'
import { BLACKHOLE_MIX, HEADLINE_MIX, competitionYaml, type ServiceMix } from './competition.ts'
import type { EngineFigures, RoundFigures } from './engine-rounds.ts'
import { NODE_FLAGS } from '../src/runtime/node-flags.ts'
import { measureStatusRead, median } from './status-read.ts'
import type { StartupSeen, TargetPorts } from './target-settings.ts'

const execFileP = promisify(execFile)
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const root = here('../')
const args = process.argv.slice(2)
const smoke = args.includes('--smoke')
const outIndex = args.indexOf('--out')
const outFile = outIndex >= 0 ? args[outIndex + 1]! : here(smoke ? 'results-smoke.json' : 'results.json')

const size = smoke
  ? { teams: 3, rounds: 1, blackholeTeams: 3, statusRounds: 5, curlChecks: 6, startupRuns: 0 }
  : { teams: 100, rounds: 6, blackholeTeams: 100, statusRounds: 200, curlChecks: 600, startupRuns: 9 }
const TIMEOUT_S = 10
/**
 * Worker threads of the engine in the bench: one, like the bare loop it is compared with (the
 * overhead ratio is the engine's, not a second thread's), and because the target servers take
 * the other core of a 2-core box. The default pool (one thread per core) is measured too.
 */
const ENGINE_WORKERS = 1
const BLACKHOLE_TIMEOUT_S = 2
const work = mkdtempSync(join(tmpdir(), 'scanner-bench-'))

function say(line: string): void {
  process.stderr.write(`bench: ${line}\n`)
}

/** Runs a TypeScript child with this Node and parses the JSON line it prints. */
async function child<T>(script: string, argv: string[], nodeFlags: readonly string[] = []): Promise<T> {
  const { stdout } = await execFileP(process.execPath, [...nodeFlags, here(script), ...argv], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  })
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T
}

async function startTargets(): Promise<{ ports: TargetPorts; process: ChildProcess }> {
  const targets = fork(here('targets.ts'), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const ports = await new Promise<TargetPorts>((resolve, reject) => {
    let text = ''
    targets.stdout!.on('data', (d: Buffer) => {
      text += d.toString()
      if (text.includes('\n')) resolve(JSON.parse(text.split('\n')[0]!) as TargetPorts)
    })
    targets.once('exit', (code) => reject(new Error(`the target servers exited (${code})`)))
  })
  return { ports, process: targets }
}

function writeCompetition(
  name: string,
  teams: number,
  mix: ServiceMix,
  ports: TargetPorts,
  timeoutS: number,
): string {
  const file = join(work, `${name}.yaml`)
  writeFileSync(file, competitionYaml(teams, mix, ports, timeoutS))
  return file
}

async function engineRounds(
  name: string,
  teams: number,
  mix: ServiceMix,
  ports: TargetPorts,
  timeoutS: number,
  rounds: number,
  workers: number = ENGINE_WORKERS,
) {
  const config = writeCompetition(name, teams, mix, ports, timeoutS)
  // With the Node options of the single binary: the figures are those of what organisers run.
  return child<EngineFigures>(
    'engine-rounds.ts',
    [config, join(work, `${name}.db`), String(rounds), String(workers)],
    NODE_FLAGS,
  )
}

/** CPU time (ms) of this process's children that have ended, from /proc (Linux). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields 16 and 17 of stat (cutime, cstime), counted from the state field (field 3).
  const ticks = Number(fields[13]) + Number(fields[14])
  return (ticks * 1000) / 100
}

/** The same HTTP checks as command-line engines do them: one curl process per check. */
async function curlChecks(
  port: number,
  count: number,
): Promise<{ s: number; cpuMsPerCheck: number; failures: number }> {
  const before = childrenCpuMs()
  const started = performance.now()
  let next = 0
  let failures = 0
  const lane = async () => {
    while (next++ < count) {
      const ok = await new Promise<boolean>((resolve) => {
        const curl = spawn('curl', ['-s', '-m', String(TIMEOUT_S), `http://127.0.0.1:${port}/`], {
          stdio: ['ignore', 'pipe', 'ignore'],
        })
        let body = ''
        curl.stdout.on('data', (d: Buffer) => (body += d.toString()))
        curl.on('close', (code) => resolve(code === 0 && body.includes('Welcome')))
        curl.on('error', () => resolve(false))
      })
      if (!ok) failures++
    }
  }
  await Promise.all(Array.from({ length: 8 }, lane))
  const s = (performance.now() - started) / 1000
  return { s, cpuMsPerCheck: (childrenCpuMs() - before) / count, failures }
}

/** Binary start to first check: the target sees the first connection of a fresh `scanner run --round`. */
async function startupMs(
  binary: string,
  targets: ChildProcess,
  ports: TargetPorts,
  runs: number,
): Promise<number[]> {
  const config = join(work, 'startup.yaml')
  writeFileSync(
    config,
    `name: Startup\nteams: [ { number: 1 } ]\nservices: [ { name: first, type: tcp, host: 127.0.0.1, port: ${ports.startup} } ]\n`,
  )
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const db = join(work, `startup-${i}.db`)
    const seen = new Promise<number>((resolve) =>
      targets.once('message', (m: StartupSeen) => resolve(m.firstConnectionAt)),
    )
    const started = Date.now()
    await execFileP(binary, ['run', '--round', '--config', config, '--db', db], { cwd: work })
    times.push((await seen) - started)
  }
  return times
}

/**
 * The rounds (or bare-loop passes) a figure is the median of: the last half, once the JIT has
 * compiled the hot paths (a competition runs hundreds of rounds; the first is reported apart).
 */
function steady<T>(runs: readonly T[]): T[] {
  return runs.slice(Math.floor(runs.length / 2))
}

/**
 * Engine measurements and their bare-loop counterparts are taken in pairs, one after the other,
 * this many times: the speed of this virtual machine drifts by tens of percent over minutes
 * (its neighbours), and a ratio must see the same drift on both sides.
 */
const PAIRS = 3

async function alternately<A, B>(a: () => Promise<A>, b: () => Promise<B>): Promise<[A[], B[]]> {
  const as: A[] = []
  const bs: B[] = []
  for (let i = 0; i < PAIRS; i++) {
    as.push(await a())
    bs.push(await b())
  }
  return [as, bs]
}

/** Engine runs taken together: the steady rounds of each (see `steady`), the first round of the first. */
interface Combined {
  first: RoundFigures
  steady: RoundFigures[]
  all: RoundFigures[]
  peakRssMb: number
  poolStartMs: number
}

function combined(runs: readonly EngineFigures[]): Combined {
  return {
    first: runs[0]!.rounds[0]!,
    steady: runs.flatMap((f) => steady(f.rounds)),
    all: runs.flatMap((f) => f.rounds),
    peakRssMb: Math.max(...runs.map((f) => f.peakRssMb)),
    poolStartMs: median(runs.map((f) => f.poolStartMs)),
  }
}

function steadyPasses<P>(runs: readonly { passes: P[] }[]): P[] {
  return runs.flatMap((r) => steady(r.passes))
}

const round2 = (n: number) => Math.round(n * 100) / 100
const round3 = (n: number) => Math.round(n * 1000) / 1000

async function main(): Promise<void> {
  const binary = join(root, 'dist', 'scanner')
  if (!smoke && !args.includes('--no-build')) {
    say('building dist/scanner')
    await execFileP(process.execPath, [join(root, 'build.mjs')], { cwd: root })
  }
  const { ports, process: targets } = await startTargets()
  try {
    const headlineChecks = size.teams * 15
    type Passes = { passes: { s: number; cpuMs: number; checks: number; failures: number }[] }
    const bare = (kind: string) => () =>
      child<Passes>('baseline.ts', [JSON.stringify(ports), String(size.teams), String(size.rounds), kind])
    say(
      `headline: ${size.teams} teams x 15 services (6 http, 5 tcp, 4 ssh), ${size.rounds} round(s), and the same checks as a bare async loop, ${PAIRS} times each, alternately`,
    )
    const [headlineRuns, baselineRuns] = await alternately(
      () => engineRounds('headline', size.teams, HEADLINE_MIX, ports, TIMEOUT_S, size.rounds),
      bare('all'),
    )
    say('headline again with the default pool (one worker thread per core)')
    const perCore = combined([
      await engineRounds(
        'per-core',
        size.teams,
        HEADLINE_MIX,
        ports,
        TIMEOUT_S,
        size.rounds,
        availableParallelism(),
      ),
    ])
    say('http only and ssh only, for CPU per check, engine and bare loop alternately')
    const [httpRuns, bareHttpRuns] = await alternately(
      () => engineRounds('http', size.teams, { http: 6 }, ports, TIMEOUT_S, size.rounds),
      bare('http'),
    )
    const [sshRuns, bareSshRuns] = await alternately(
      () => engineRounds('ssh', size.teams, { ssh: 4 }, ports, TIMEOUT_S, size.rounds),
      bare('ssh'),
    )
    const headline = combined(headlineRuns)
    const httpOnly = combined(httpRuns)
    const sshOnly = combined(sshRuns)
    const baseline = steadyPasses(baselineRuns)
    const bareHttp = steadyPasses(bareHttpRuns)
    const bareSsh = steadyPasses(bareSshRuns)
    say(`curl: ${size.curlChecks} HTTP checks, one process each`)
    const curl = await curlChecks(ports.http, size.curlChecks)
    say(
      `blackhole: ${size.blackholeTeams * 10} checks, 10% never answering, ${BLACKHOLE_TIMEOUT_S} s timeout`,
    )
    const blackhole = combined([
      await engineRounds('blackhole', size.blackholeTeams, BLACKHOLE_MIX, ports, BLACKHOLE_TIMEOUT_S, 4),
    ])
    say(`status read after ${size.statusRounds} rounds`)
    const { registry } = await loadCheckTypes([])
    const competition = loadConfig(
      writeCompetition('status', size.teams, HEADLINE_MIX, ports, TIMEOUT_S),
      registry,
    )
    const status = measureStatusRead(join(work, 'status.db'), competition, size.statusRounds)
    const startups = size.startupRuns > 0 ? await startupMs(binary, targets, ports, size.startupRuns) : []

    const roundS = median(headline.steady.map((r) => r.roundS))
    const baselineS = median(baseline.map((p) => p.s))
    const perCheck = (f: Combined) => median(f.steady.map((r) => r.cpuMs / r.checks))
    const cpuHttp = perCheck(httpOnly)
    const cpuSsh = perCheck(sshOnly)
    const barePerCheck = (p: Passes['passes']) => median(p.map((x) => x.cpuMs / x.checks))
    const results = {
      teams: size.teams,
      checks_per_round: headlineChecks,
      round_s: round3(roundS),
      first_round_s: round3(headline.first.roundS),
      round_s_default_pool: round3(median(perCore.steady.map((r) => r.roundS))),
      default_pool_workers: availableParallelism(),
      baseline_s: round3(baselineS),
      overhead_ratio: round2(roundS / baselineS),
      false_timeouts: [headline, httpOnly, sshOnly].flatMap((f) => f.all).reduce((n, r) => n + r.timeouts, 0),
      other_failures: [headline, httpOnly, sshOnly].flatMap((f) => f.all.flatMap((r) => r.otherFailures)),
      blackhole_round_s: round3(Math.max(...blackhole.steady.map((r) => r.roundS))),
      blackhole_first_round_s: round3(blackhole.first.roundS),
      blackhole_up: blackhole.first.up,
      blackhole_timeouts: blackhole.first.timeouts,
      rss_mb: Math.round(headline.peakRssMb),
      pool_start_ms: Math.round(headline.poolStartMs),
      cpu_ms_per_check_http: round3(cpuHttp),
      cpu_ms_per_check_ssh: round3(cpuSsh),
      bare_cpu_ms_per_check_http: round3(barePerCheck(bareHttp)),
      bare_cpu_ms_per_check_ssh: round3(barePerCheck(bareSsh)),
      cpu_ratio_http: round2(cpuHttp / barePerCheck(bareHttp)),
      cpu_ratio_ssh: round2(cpuSsh / barePerCheck(bareSsh)),
      cpu_ms_per_check_round: round3(perCheck(headline)),
      baseline_cpu_ms_per_check: round3(median(baseline.map((p) => p.cpuMs)) / headlineChecks),
      curl_cpu_ms_per_check: round3(curl.cpuMsPerCheck),
      curl_s: round3(curl.s),
      subprocess_cpu_ratio: round2(curl.cpuMsPerCheck / cpuHttp),
      db_write_ms_per_round: round2(median(headline.steady.map((r) => r.writeMs))),
      status_rows: status.rows,
      status_read_ms: round2(status.statusReadMs),
      startup_ms: startups.length > 0 ? Math.round(median(startups)) : null,
      measured_at: new Date().toISOString(),
      node: process.version,
    }
    writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`)
    printTable(results)
    say(`wrote ${outFile}`)
  } finally {
    targets.kill()
    rmSync(work, { recursive: true, force: true })
  }
}

const TARGETS: Record<string, string> = {
  overhead_ratio: '<= 1.25',
  false_timeouts: '= 0',
  blackhole_round_s: '<= 2.5',
  rss_mb: '<= 300',
  cpu_ms_per_check_http: '<= 0.6',
  cpu_ms_per_check_ssh: '<= 1.6',
  subprocess_cpu_ratio: '>= 10',
  db_write_ms_per_round: '<= 10',
  status_read_ms: '<= 10',
  startup_ms: '<= 300',
}

function printTable(results: Record<string, unknown>): void {
  const rows = Object.entries(results).filter(([k]) => !['measured_at', 'node', 'other_failures'].includes(k))
  const width = Math.max(...rows.map(([k]) => k.length))
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${String(v).padStart(10)}  ${TARGETS[k] ?? ''}`)
  process.stdout.write(`${'figure'.padEnd(width)}  ${'value'.padStart(10)}  target\n${lines.join('\n')}\n`)
  const failures = results.other_failures as string[]
  if (failures.length > 0) process.stdout.write(`failures other than timeouts: ${failures.join(' | ')}\n`)
}

await main()
