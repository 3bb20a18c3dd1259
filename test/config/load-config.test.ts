import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { ServiceSpec } from '../../src/config/competition.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { ROUND_DEFAULTS, SERVICE_DEFAULTS } from '../../src/config/service-defaults.ts'
import { tempDir } from '../helpers/temp-dir.ts'
import { load, testRegistry } from './config-fixtures.ts'

const SPEC_EXAMPLE = `name: Fall CDC
defaults: { timeout: 10s, points: 5 }
round: { interval: 120s, jitter: 15s }
teams:
  - number: 1
    name: Team 1
    info:
      domain: team1.cdc.local
      web_admin: { username: admin, password: Changeme1 }
    pools:
      ad_users: [ "alice:Winter2026!", { username: bob, password: "p:ss" } ]
  - number: 3
    info:
      domain: team3.cdc.local
      web_admin: { username: root, password: 1234 }
      site: 3
    pools:
      ad_users: [ "carol:a:b:c" ]
services:
  - name: www
    type: http
    host: 10.0.{num}.10
    port: 80
    url: /index.html
    http_string: Welcome
  - name: ssh
    type: ssh
    host: 10.0.{num}.20
    credential_pool: ad_users
    options: { command: "id -un", expect: "{username}" }
  - name: ldap
    type: ldap
    host: 10.0.{num}.5
    team_specific_info: web_admin
    options: { domain: "{info.domain}" }
  - name: scada
    type: tcp
    host: 10.0.{num}.30
    external: false
    visibility: { public: false, blue: true, green: true, red: false }
    overrides: { 3: { port: 5020 } }
users:
  - { name: white, role: white, password_hash: "scrypt$abc" }
  - { name: team1, role: blue, team: 1, password_hash: "scrypt$def" }
sla: { threshold: 5, penalty: 50 }
`

function service(services: ServiceSpec[], team: number, name: string): ServiceSpec {
  const found = services.find((s) => s.team === team && s.name === name)
  assert.ok(found, `no service ${name} for team ${team}`)
  return found
}

test('the example of SPEC section 4 loads, every service instantiated for every team', () => {
  const c = load(SPEC_EXAMPLE)
  assert.equal(c.name, 'Fall CDC')
  assert.deepEqual(c.round, { intervalMs: 120_000, jitterMs: 15_000 })
  assert.deepEqual(c.sla, { threshold: 5, penalty: 50 })
  assert.deepEqual(
    c.services.map((s) => `${s.team}/${s.name}`),
    ['1/www', '3/www', '1/ssh', '3/ssh', '1/ldap', '3/ldap', '1/scada', '3/scada'],
  )
  assert.deepEqual(service(c.services, 3, 'www'), {
    team: 3,
    name: 'www',
    subtype: 'http',
    host: '10.0.3.10',
    port: 80,
    url: '/index.html',
    external: false,
    username: null,
    password: null,
    credentialPool: null,
    teamSpecificInfo: null,
    teamSpecific: false,
    protocol: null,
    httpString: 'Welcome',
    httpRegex: null,
    points: 5,
    timeoutMs: 10_000,
    options: { status: [200], basic_auth: false },
    publicVisibility: true,
    blueVisibility: true,
    greenVisibility: true,
    redVisibility: false,
  })
})

test('teams get their info (numbers as text) and pools split at the first colon', () => {
  const [one, three] = load(SPEC_EXAMPLE).teams
  assert.deepEqual(one, {
    number: 1,
    name: 'Team 1',
    info: { domain: 'team1.cdc.local', web_admin: { username: 'admin', password: 'Changeme1' } },
    pools: {
      ad_users: [
        { username: 'alice', password: 'Winter2026!' },
        { username: 'bob', password: 'p:ss' },
      ],
    },
  })
  assert.equal(three?.name, 'Team 3', 'a team without a name is "Team N"')
  assert.deepEqual(three?.info.web_admin, { username: 'root', password: '1234' })
  assert.equal(three?.info.site, '3')
  assert.deepEqual(three?.pools.ad_users, [{ username: 'carol', password: 'a:b:c' }])
})

test('{num} and {info.KEY} are filled for each team; {username} is left for check time', () => {
  const c = load(SPEC_EXAMPLE)
  assert.equal(service(c.services, 1, 'ldap').host, '10.0.1.5')
  assert.deepEqual(service(c.services, 3, 'ldap').options, { domain: 'team3.cdc.local' })
  assert.deepEqual(service(c.services, 1, 'ssh').options, { command: 'id -un', expect: ['{username}'] })
})

test('credentials: a pool or a team info entry is named, and teamSpecific follows team_specific_info', () => {
  const c = load(SPEC_EXAMPLE)
  const ssh = service(c.services, 1, 'ssh')
  assert.deepEqual([ssh.credentialPool, ssh.teamSpecificInfo, ssh.teamSpecific], ['ad_users', null, false])
  const ldap = service(c.services, 1, 'ldap')
  assert.deepEqual([ldap.credentialPool, ldap.teamSpecificInfo, ldap.teamSpecific], [null, 'web_admin', true])
  assert.deepEqual([ldap.username, ldap.password], [null, null], 'filled by the team worker, not the loader')
})

test('the port defaults to the type default port, and overrides change one team only', () => {
  const c = load(SPEC_EXAMPLE)
  assert.equal(service(c.services, 1, 'ssh').port, 22)
  assert.equal(service(c.services, 1, 'ldap').port, 389)
  assert.equal(service(c.services, 1, 'scada').port, 0, 'tcp has no default port in the stand-in')
  assert.equal(service(c.services, 3, 'scada').port, 5020)
  const scada = service(c.services, 3, 'scada')
  assert.deepEqual(
    [scada.publicVisibility, scada.blueVisibility, scada.greenVisibility, scada.redVisibility],
    [false, true, true, false],
  )
})

test('without defaults, round or sla: 10 s timeout, 1 point, rounds of 120 s +- 15 s, no SLA, no users', () => {
  const c = load('name: Bare\nteams: [ { number: 1 } ]\nservices:\n  - { name: web, type: http, host: h }\n')
  assert.deepEqual([SERVICE_DEFAULTS.timeoutMs, SERVICE_DEFAULTS.points], [10_000, 1])
  assert.deepEqual(c.round, { intervalMs: ROUND_DEFAULTS.intervalMs, jitterMs: ROUND_DEFAULTS.jitterMs })
  assert.deepEqual(c.round, { intervalMs: 120_000, jitterMs: 15_000 })
  assert.equal(c.sla, null)
  assert.deepEqual(c.users, [])
  const web = c.services[0]!
  assert.deepEqual([web.timeoutMs, web.points, web.url, web.port, web.external], [10_000, 1, '/', 80, false])
  assert.deepEqual(
    [web.publicVisibility, web.blueVisibility, web.greenVisibility, web.redVisibility],
    [true, true, true, false],
  )
})

test('a file without services is a competition with no services', () => {
  assert.deepEqual(load('name: Empty\nteams: [ { number: 1 } ]\n').services, [])
})

test('defaults apply to every service, and the service, then its override, win over them', () => {
  const c = load(`name: Test
defaults: { timeout: 3s, points: 2, host: "10.0.{num}.1", visibility: { public: false }, credential_pool: users }
teams:
  - { number: 1, pools: { users: ["a:b"] }, info: { admin: { username: root, password: x } } }
  - { number: 2, pools: { users: ["c:d"] }, info: { admin: { username: root, password: y } } }
services:
  - { name: web, type: http, timeout: 1m30s }
  - name: ssh
    type: ssh
    points: 7
    visibility: { red: true }
    overrides:
      2: { team_specific_info: admin, timeout: 500ms, options: { command: id } }
`)
  const web1 = service(c.services, 1, 'web')
  assert.deepEqual(
    [web1.host, web1.timeoutMs, web1.points, web1.credentialPool],
    ['10.0.1.1', 90_000, 2, 'users'],
  )
  const ssh1 = service(c.services, 1, 'ssh')
  assert.deepEqual([ssh1.points, ssh1.publicVisibility, ssh1.redVisibility], [7, false, true])
  const ssh2 = service(c.services, 2, 'ssh')
  assert.deepEqual(
    [ssh2.timeoutMs, ssh2.credentialPool, ssh2.teamSpecificInfo, ssh2.options],
    [500, null, 'admin', { command: 'id' }],
    "an override's credential key replaces the pool from defaults as a whole",
  )
})

test('options of an override are merged over the options of the service, key by key', () => {
  const c = load(`name: Test
teams: [ { number: 1 }, { number: 2 } ]
services:
  - name: dns
    type: dns
    host: h
    options: { record: "www.team{num}.cdc", expect: "10.0.{num}.10" }
    overrides: { 2: { options: { qtype: AAAA, expect: ["fd00::{num}"] } } }
`)
  assert.deepEqual(service(c.services, 1, 'dns').options, {
    record: 'www.team1.cdc',
    qtype: 'A',
    expect: ['10.0.1.10'],
  })
  assert.deepEqual(service(c.services, 2, 'dns').options, {
    record: 'www.team2.cdc',
    qtype: 'AAAA',
    expect: ['fd00::2'],
  })
})

test('{info.KEY.username} and {info.KEY.password} give the fields of a credential entry', () => {
  const c = load(`name: Test
teams: [ { number: 4, info: { db: { username: app, password: s3cret } } } ]
services:
  - { name: web, type: http, host: h, username: "{info.db.username}", password: "{info.db.password}", url: "/t{num}/" }
`)
  const web = c.services[0]!
  assert.deepEqual([web.username, web.password, web.url], ['app', 's3cret', '/t4/'])
})

test('a regex quantifier in braces is not taken for a template', () => {
  const c = load(`name: Test
teams: [ { number: 1 } ]
services:
  - { name: web, type: http, host: h, http_regex: "^\\\\d{1,3} items" }
`)
  assert.equal(c.services[0]!.httpRegex, '^\\d{1,3} items')
})

test('users become UserSpecs with the team of blue users', () => {
  assert.deepEqual(load(SPEC_EXAMPLE).users, [
    { name: 'white', role: 'white', team: null, passwordHash: 'scrypt$abc' },
    { name: 'team1', role: 'blue', team: 1, passwordHash: 'scrypt$def' },
  ])
})

test('loadConfig reads a file and records its absolute path', (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'competition.yaml')
  writeFileSync(file, SPEC_EXAMPLE)
  const c = loadConfig(file, testRegistry())
  assert.equal(c.file, file)
  assert.equal(c.services.length, 8)
})
