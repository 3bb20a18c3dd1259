/** The simulated competitions of the bench, as competition.yaml text. */
import { BENCH_HOST, BENCH_PASSWORD, BENCH_USER, type TargetPorts } from './target-settings.ts'

/** How many services of each kind every team has. */
export interface ServiceMix {
  http?: number
  tcp?: number
  ssh?: number
  dns?: number
  /** HTTP services pointed at the blackhole: accepted, never answered. */
  blackhole?: number
}

/** The headline competition: 6 HTTP, 5 TCP and 4 SSH services per team, all healthy. */
export const HEADLINE_MIX: ServiceMix = { http: 6, tcp: 5, ssh: 4 }
/** 10 services per team, one of which never answers. */
export const BLACKHOLE_MIX: ServiceMix = { http: 4, tcp: 3, dns: 2, blackhole: 1 }

export function competitionYaml(
  teams: number,
  mix: ServiceMix,
  ports: TargetPorts,
  timeoutS: number,
): string {
  const services: string[] = []
  const add = (kind: keyof ServiceMix, line: (i: number) => string) => {
    for (let i = 1; i <= (mix[kind] ?? 0); i++) services.push(`  - ${line(i)}`)
  }
  add(
    'http',
    (i) => `{ name: web${i}, type: http, host: ${BENCH_HOST}, port: ${ports.http}, http_string: Welcome }`,
  )
  add('tcp', (i) => `{ name: tcp${i}, type: tcp, host: ${BENCH_HOST}, port: ${ports.tcp} }`)
  add(
    'ssh',
    (i) =>
      `{ name: ssh${i}, type: ssh, host: ${BENCH_HOST}, port: ${ports.ssh}, credential_pool: users, options: { command: "id -un", expect_exact: "{username}" } }`,
  )
  add(
    'dns',
    (i) =>
      `{ name: dns${i}, type: dns, host: ${BENCH_HOST}, port: ${ports.dns}, options: { record: www.demo.scanner, qtype: A, expect: 127.0.0.1 } }`,
  )
  add('blackhole', (i) => `{ name: silent${i}, type: http, host: ${BENCH_HOST}, port: ${ports.blackhole} }`)
  const teamLines = Array.from(
    { length: teams },
    (_, i) => `  - { number: ${i + 1}, pools: { users: [ "${BENCH_USER}:${BENCH_PASSWORD}" ] } }`,
  )
  return [
    `name: Bench ${teams} teams`,
    `defaults: { timeout: ${timeoutS}s, points: 5 }`,
    'teams:',
    ...teamLines,
    'services:',
    ...services,
    '',
  ].join('\n')
}
