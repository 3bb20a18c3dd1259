/**
 * Times the web pages on a competition-sized database: 100 teams x 15 services and 500 rounds
 * (750 000 scores) written through the Store's round path, then the median of N requests of the
 * scoreboard, the service grid and /api/status (in process with `app.request`, and over HTTP).
 *
 * node bench/web-pages.ts [--teams 100] [--services 15] [--rounds 500] [--requests 21]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Store } from '../db/store.ts'
import type { Competition, ServiceSpec } from '../src/config/competition.ts'
import { SESSION_COOKIE } from '../src/web/sessions.ts'
import { createWebApp } from '../src/web/web-app.ts'
import { openWebSite, startWebServer } from '../src/web/web-server.ts'
import { serviceSpec } from '../test/helpers/service-spec.ts'
import { median } from './status-read.ts'
import { scoreToRecord } from '../test/helpers/score-to-record.ts'

const args = process.argv.slice(2)
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const TEAMS = option('teams', 100)
const SERVICES = option('services', 15)
const ROUNDS = option('rounds', 500)
const REQUESTS = option('requests', 21)

function competition(): Competition {
  const services: ServiceSpec[] = []
  for (let team = 1; team <= TEAMS; team++) {
    for (let s = 0; s < SERVICES; s++) {
      services.push(
        serviceSpec(team, `svc${s}`, {
          host: `10.0.${team}.${s + 1}`,
          port: 80,
          timeoutMs: 10_000,
          publicVisibility: s % 5 !== 4,
          sla: { threshold: 5, penalty: 10 },
        }),
      )
    }
  }
  return {
    file: 'competition.yaml',
    name: 'Web bench',
    round: { intervalMs: 120_000, jitterMs: 15_000 },
    teams: Array.from({ length: TEAMS }, (_, i) => ({
      number: i + 1,
      name: `Team ${i + 1}`,
      info: {},
      pools: {},
    })),
    services,
    users: [],
    sla: null,
  }
}

function fill(file: string): number {
  const store = Store.open(file)
  try {
    store.syncCompetition(competition())
    const services = store.activeServices()
    const started = performance.now()
    for (let r = 0; r < ROUNDS; r++) {
      const roundId = store.beginRound()
      const now = Date.now()
      store.writeRound(
        roundId,
        services.map((s, i) => {
          const up = (i * 7 + r) % 11 !== 0 && !(s.team % 13 === 0 && r % 40 < 8)
          return scoreToRecord(s.id, up ? s.points : 0, {
            detail: up ? null : 'ECONNREFUSED 10.0.0.1:80',
            startedAt: now,
            durationMs: 3 + (i % 50),
          })
        }),
      )
    }
    return (performance.now() - started) / 1000
  } finally {
    store.close()
  }
}

async function timeOf(
  request: () => Promise<Response>,
): Promise<{ first: number; median: number; bytes: number }> {
  const times: number[] = []
  let bytes = 0
  for (let i = 0; i < REQUESTS + 1; i++) {
    const started = performance.now()
    const res = await request()
    const body = await res.arrayBuffer()
    times.push(performance.now() - started)
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
    bytes = body.byteLength
  }
  return { first: times[0]!, median: median(times.slice(1)), bytes }
}

const work = mkdtempSync(join(tmpdir(), 'scanner-web-bench-'))
try {
  const file = join(work, 'scanner.db')
  process.stderr.write(`web bench: writing ${TEAMS} teams x ${SERVICES} services x ${ROUNDS} rounds...\n`)
  const fillS = fill(file)
  const site = openWebSite(file, [], {
    competitionName: 'Web bench',
    metricsToken: null,
    secureCookies: false,
  })
  const app = createWebApp(site.deps)
  const white = site.deps.sessions.create({ name: 'white', role: 'white', team: null })
  const cookie = `${SESSION_COOKIE}=${white.id}`
  const pages: [string, string, boolean][] = [
    ['scoreboard (public)', '/', false],
    ['service grid (public)', '/grid', false],
    ['service grid (white)', '/grid', true],
    ['/api/status (public)', '/api/status', false],
    ['/api/status (white)', '/api/status', true],
    ['/api/scores (public)', '/api/scores', false],
    ['team page (white)', `/teams/${Math.ceil(TEAMS / 2)}`, true],
    ['round page (white)', `/rounds/${ROUNDS}`, true],
    ['admin (white, all teams)', '/admin', true],
    ['/metrics (white)', '/metrics', true],
  ]
  const rows: string[] = []
  for (const [name, path, asWhite] of pages) {
    const headers = asWhite ? { cookie } : undefined
    const t = await timeOf(() => Promise.resolve(app.request(path, { headers })))
    rows.push(
      `${name.padEnd(26)} ${t.first.toFixed(1).padStart(8)} ${t.median.toFixed(1).padStart(8)} ${(t.bytes / 1024).toFixed(0).padStart(7)}`,
    )
  }
  const server = await startWebServer(site, '127.0.0.1', 0)
  for (const [name, path] of [
    ['scoreboard over HTTP', '/'],
    ['service grid over HTTP', '/grid'],
    ['/api/status over HTTP', '/api/status'],
  ] as const) {
    const t = await timeOf(() => fetch(`${server.url}${path}`))
    rows.push(
      `${name.padEnd(26)} ${t.first.toFixed(1).padStart(8)} ${t.median.toFixed(1).padStart(8)} ${(t.bytes / 1024).toFixed(0).padStart(7)}`,
    )
  }
  await server.close()
  site.close()
  console.log(
    `${TEAMS} teams x ${SERVICES} services, ${ROUNDS} rounds (${TEAMS * SERVICES * ROUNDS} scores) written in ${fillS.toFixed(1)} s\n` +
      `median of ${REQUESTS} requests after a first one; milliseconds\n\n` +
      `${'page'.padEnd(26)} ${'first'.padStart(8)} ${'median'.padStart(8)} ${'KiB'.padStart(7)}\n${rows.join('\n')}`,
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}
