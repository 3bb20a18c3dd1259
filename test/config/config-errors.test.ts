import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, formatProblem } from '../../src/config/config-error.ts'
import { ScannerError } from '../../src/errors.ts'
import { assertProblem, load, onlyProblem, problemsOf, TWO_TEAMS } from './config-fixtures.ts'

test('a ConfigError has code ERR_CONFIG and one "file:line:col: path: message" line per problem', () => {
  const yaml = `name: Test\nteams: [ { number: 1 } ]\nservices:\n  - { name: web, type: http, host: h, port: 70000 }\n  - { name: ssh, type: ssh, host: h, timeout: soon }\n`
  let error: unknown
  try {
    load(yaml)
  } catch (err) {
    error = err
  }
  assert.ok(error instanceof ConfigError)
  assert.ok(error instanceof ScannerError)
  assert.equal(error.code, 'ERR_CONFIG')
  assert.equal(
    error.message,
    [
      'competition.yaml:4:45: services[0].port: port must be 1-65535, got 70000',
      'competition.yaml:5:47: services[1].timeout: "soon" is not a duration (use e.g. 10s, 2m, 500ms, 1m30s, or a number of seconds)',
    ].join('\n'),
  )
  assert.deepEqual(error.message.split('\n'), error.problems.map(formatProblem))
})

test('a YAML syntax error is refused with its line and column', () => {
  const yaml = 'name: Test\nteams: [ { number: 1 }\nservices: []\n'
  const problem = onlyProblem(yaml)
  assert.match(problem.message, /^YAML syntax error: /)
  assert.equal(problem.path, '')
  assert.equal(problem.line, 3)
})

test('a duplicate key is refused at the second occurrence, naming the key', () => {
  const yaml =
    'name: Test\nteams: [ { number: 1 } ]\nservices:\n  - name: web\n    type: http\n    host: a\n    host: b\n'
  const problem = onlyProblem(yaml)
  assert.match(problem.message, /duplicate key "host"/)
  assert.deepEqual([problem.line, problem.col], [7, 5])
})

test('a file holding two YAML documents is refused', () => {
  assert.match(
    onlyProblem('name: a\nteams: [ { number: 1 } ]\n---\nname: b\n').message,
    /more than one YAML document/,
  )
})

test('an empty file, or one with only comments, is refused as empty', () => {
  for (const yaml of ['', '\n  \n', '# nothing yet\n']) {
    const problem = onlyProblem(yaml)
    assert.match(problem.message, /empty/)
    assert.deepEqual([problem.line, problem.col], [1, 1])
  }
})

test('a top level that is not a mapping is refused, saying what it is', () => {
  assert.match(onlyProblem('- name: web\n').message, /top level must be a mapping.*got a list/)
  assert.match(
    onlyProblem('just some text\n').message,
    /top level must be a mapping.*got text "just some text"/,
  )
})

test('a misspelt top-level key is named with the nearest known key', () => {
  const yaml = `${TWO_TEAMS}servces: []\n`
  assertProblem(onlyProblem(yaml), yaml, {
    path: 'servces',
    at: 'servces',
    message: /^unknown key "servces" \(did you mean "services"\?\)$/,
  })
})

test('an unknown key far from every known key lists the known keys', () => {
  const yaml = `${TWO_TEAMS}colour: blue\n`
  assert.match(onlyProblem(yaml).message, /unknown key "colour" \(known keys: name, defaults, round, teams/)
})

test('a misspelt team key and a misspelt service key are named at the key', () => {
  const yaml = `name: Test
teams:
  - number: 1
    nmae: Blue
services:
  - name: web
    type: http
    hots: 10.0.0.1
`
  const problems = problemsOf(yaml)
  assertProblem(problems[0], yaml, { path: 'teams[0].nmae', at: 'nmae', message: /did you mean "name"/ })
  assertProblem(problems[1], yaml, { path: 'services[0].hots', at: 'hots', message: /did you mean "host"/ })
})

test('an unknown check type is refused with the known types listed', () => {
  const yaml = `${TWO_TEAMS}services:\n  - { name: web, type: htp, host: h }\n`
  assertProblem(onlyProblem(yaml), yaml, {
    path: 'services[0].type',
    at: 'htp',
    message:
      /^unknown check type "htp" \(did you mean "http"\?\); known types: dns, http, https, ldap, remote-admin, ssh, tcp$/,
  })
})

test("an unknown option is refused with the nearest of the type's options", () => {
  const yaml = `${TWO_TEAMS}services:\n  - { name: ssh, type: ssh, host: h, options: { comand: id } }\n`
  assertProblem(onlyProblem(yaml), yaml, {
    path: 'services[0].options.comand',
    at: 'comand',
    message: /^unknown option "comand" for check type "ssh" \(did you mean "command"\?\)$/,
  })
})

test("an option value the type's schema refuses is reported at the option", () => {
  const yaml = `${TWO_TEAMS}services:\n  - name: web\n    type: http\n    host: h\n    options:\n      status: lots\n`
  assertProblem(onlyProblem(yaml), yaml, {
    path: 'services[0].options.status[0]',
    at: 'lots',
    message: /must be a number/,
  })
})

test('a required option that is missing is reported at the options of the service', () => {
  const yaml = `${TWO_TEAMS}services:\n  - name: dir\n    type: ldap\n    host: h\n    options: { base: x }\n`
  const problems = problemsOf(yaml)
  assert.ok(
    problems.some(
      (p) => p.path === 'services[0].options.domain' && /missing required key "domain"/.test(p.message),
    ),
  )
})

test('a service without host or type, a team without number and a file without name are refused', () => {
  const yaml = `teams:
  - name: Blue
services:
  - name: web
    type: http
  - name: ssh
    host: h
`
  const problems = problemsOf(yaml)
  assert.deepEqual(
    problems.map((p) => [p.path, p.message, p.line, p.col]),
    [
      ['name', 'missing required key "name"', 1, 1],
      ['teams[0].number', 'missing required key "number"', 2, 5],
      ['services[0].host', 'missing required key "host"', 4, 5],
      ['services[1].type', 'missing required key "type"', 6, 5],
    ],
  )
})

test('a port out of range is refused with the port found', () => {
  for (const port of ['70000', '0', '-1']) {
    const yaml = `${TWO_TEAMS}services:\n  - { name: web, type: http, host: h, port: ${port} }\n`
    assertProblem(onlyProblem(yaml), yaml, {
      path: 'services[0].port',
      at: port,
      after: 'port:',
      message: new RegExp(`^port must be 1-65535, got ${port}$`),
    })
  }
})

test('a port written as a template is checked once filled for each team', () => {
  const good = load(`${TWO_TEAMS}services:\n  - { name: web, type: http, host: h, port: "80{num}" }\n`)
  assert.deepEqual(
    good.services.map((s) => s.port),
    [801, 802],
  )
  const yaml = `${TWO_TEAMS}services:\n  - { name: web, type: http, host: h, port: "8{num}0000" }\n`
  const problems = problemsOf(yaml)
  assert.deepEqual(
    problems.map((p) => p.message),
    ['port must be 1-65535, got "810000" (team 1)', 'port must be 1-65535, got "820000" (team 2)'],
  )
  assertProblem(problems[0], yaml, { path: 'services[0].port', at: '"8{num}', message: /810000/ })
})

test('a duration that does not parse is refused, with how to write one', () => {
  const yaml = `${TWO_TEAMS}defaults: { timeout: 10x }\nround: { interval: 2 minutes }\n`
  const problems = problemsOf(yaml)
  assertProblem(problems[0], yaml, {
    path: 'defaults.timeout',
    at: '10x',
    message: /"10x" is not a duration \(use e\.g\. 10s/,
  })
  assertProblem(problems[1], yaml, {
    path: 'round.interval',
    at: '2 minutes',
    message: /"2 minutes" is not a duration/,
  })
})

test('a timeout of zero and a jitter not shorter than the interval are refused', () => {
  const yaml = `${TWO_TEAMS}defaults: { timeout: 0s }\nround: { interval: 1m, jitter: 90s }\n`
  const problems = problemsOf(yaml)
  assertProblem(problems[0], yaml, { path: 'defaults.timeout', at: '0s', message: /must be longer than 0/ })
  assertProblem(problems[1], yaml, {
    path: 'round.jitter',
    at: '90s',
    message: /^jitter \(1m30s\) must be shorter than interval \(1m\)$/,
  })
})

test('negative points are refused in a service and in defaults', () => {
  const yaml = `${TWO_TEAMS}defaults: { points: -1 }\nservices:\n  - { name: web, type: http, host: h, points: -5 }\n`
  const problems = problemsOf(yaml)
  assertProblem(problems[0], yaml, {
    path: 'defaults.points',
    at: '-1',
    message: /^points must not be negative, got -1$/,
  })
  assertProblem(problems[1], yaml, {
    path: 'services[0].points',
    at: '-5',
    message: /^points must not be negative, got -5$/,
  })
})

test('a duplicate team number is refused at the second team, naming the first', () => {
  const yaml = `name: Test\nteams:\n  - number: 1\n  - number: 2\n  - number: 1\n`
  assertProblem(onlyProblem(yaml), yaml, {
    path: 'teams[2].number',
    at: '1',
    after: '  - number: 2\n  - number: ',
    message: /^team number 1 is already used by teams\[0\]$/,
  })
})

test('a duplicate service name is refused at the second service, naming the first', () => {
  const yaml = `${TWO_TEAMS}services:\n  - { name: web, type: http, host: h }\n  - { name: web, type: https, host: h }\n`
  assertProblem(onlyProblem(yaml), yaml, {
    path: 'services[1].name',
    at: 'web',
    after: 'type: http, host: h }',
    message: /^service name "web" is already used by services\[0\]$/,
  })
})

test('a credential_pool that a team lacks is refused, naming the team', () => {
  const yaml = `${TWO_TEAMS}services:\n  - { name: ssh, type: ssh, host: h, credential_pool: users }\n`
  assertProblem(onlyProblem(yaml), yaml, {
    path: 'services[0].credential_pool',
    at: 'users',
    after: 'credential_pool',
    message: /^credential pool "users" is missing in team 2$/,
  })
})

test('a credential_pool that no team has says so once', () => {
  const yaml = `${TWO_TEAMS}services:\n  - { name: ssh, type: ssh, host: h, credential_pool: admins }\n`
  assert.equal(onlyProblem(yaml).message, 'credential pool "admins" is missing in every team')
})

test('a team_specific_info that a team lacks, or that is not credentials, is refused, naming the team', () => {
  const missing = `${TWO_TEAMS}services:\n  - { name: ssh, type: ssh, host: h, team_specific_info: admin }\n`
  assertProblem(onlyProblem(missing), missing, {
    path: 'services[0].team_specific_info',
    at: 'admin }',
    message: /^team info "admin" is missing in team 2$/,
  })
  const text = `${TWO_TEAMS}services:\n  - { name: ssh, type: ssh, host: h, team_specific_info: domain }\n`
  assert.match(
    onlyProblem(text).message,
    /^team info "domain" is text in every team; team_specific_info needs \{username, password\}$/,
  )
})

test('an {info.KEY} template that a team lacks is refused where it is written, naming the team', () => {
  const yaml = `${TWO_TEAMS}services:
  - name: dir
    type: ldap
    host: ldap.{info.site}.cdc
    options: { domain: "{info.domain}" }
  - name: web
    type: http
    host: h
    options: { vhost: "{info.admin.username}.{info.domain}" }
`
  const problems = problemsOf(yaml)
  assertProblem(problems[0], yaml, {
    path: 'services[0].host',
    at: 'ldap.{info.site}',
    message: /^\{info\.site\}: team info "site" is missing in every team$/,
  })
  assertProblem(problems[1], yaml, {
    path: 'services[1].options.vhost',
    at: '"{info.admin.username}',
    message: /^\{info\.admin\.username\}: team info "admin" is missing in team 2$/,
  })
  assert.equal(problems.length, 2)
})

test('an expect_regex or http_regex that does not compile is refused', () => {
  const yaml = `${TWO_TEAMS}services:
  - { name: banner, type: tcp, host: h, port: 22, options: { expect_regex: "^SSH-(" } }
  - { name: login, type: ssh, host: h, options: { command: id, expect_regex: "[a-" } }
  - { name: web, type: http, host: h, http_regex: "Welcome (to" }
`
  const problems = problemsOf(yaml)
  assertProblem(problems[0], yaml, {
    path: 'services[0].options.expect_regex',
    at: '"^SSH-("',
    message: /^expect_regex does not compile: .*Unterminated group/,
  })
  assertProblem(problems[1], yaml, {
    path: 'services[1].options.expect_regex',
    at: '"[a-"',
    message: /does not compile/,
  })
  assertProblem(problems[2], yaml, {
    path: 'services[2].http_regex',
    at: '"Welcome (to"',
    message: /^http_regex does not compile: /,
  })
})

test('an override for a team that does not exist is refused at its key', () => {
  const yaml = `${TWO_TEAMS}services:\n  - name: web\n    type: http\n    host: h\n    overrides:\n      7: { port: 8080 }\n`
  assertProblem(onlyProblem(yaml), yaml, {
    path: 'services[0].overrides[7]',
    at: '7:',
    message: /^overrides for team 7, but there is no team 7$/,
  })
})

test('a problem only some teams have after an override names those teams', () => {
  const yaml = `${TWO_TEAMS}services:\n  - name: web\n    type: http\n    host: h\n    overrides: { 2: { port: 99999 } }\n`
  assert.equal(onlyProblem(yaml).message, 'port must be 1-65535, got 99999')
  const templated = `${TWO_TEAMS}services:\n  - { name: web, type: http, host: h, overrides: { 2: { port: "9{num}999" } } }\n`
  const problem = onlyProblem(templated)
  assert.equal(problem.message, 'port must be 1-65535, got "92999" (team 2)')
  assert.equal(problem.path, 'services[0].overrides[2].port')
})

test('credentials from both a pool and team info, or a pool and a password, are refused', () => {
  const both = `${TWO_TEAMS}services:\n  - { name: ssh, type: ssh, host: h, credential_pool: users, team_specific_info: admin }\n`
  assert.ok(problemsOf(both).some((p) => /both set/.test(p.message)))
  const explicit = `${TWO_TEAMS}services:\n  - { name: ssh, type: ssh, host: h, credential_pool: users, username: root, password: x }\n`
  assert.ok(
    problemsOf(explicit).some((p) => p.path === 'services[0].username' && /replaced by/.test(p.message)),
  )
})

test('a plain password for a viewer is refused with a pointer to scanner passwd', () => {
  const yaml = `${TWO_TEAMS}users:\n  - { name: white, role: white, password: hunter2 }\n`
  const problems = problemsOf(yaml)
  const plain = problems.find((p) => p.path === 'users[0].password')
  assertProblem(plain, yaml, { path: 'users[0].password', at: 'hunter2', message: /run `scanner passwd`/ })
  assert.ok(
    problems.some((p) => p.path === 'users[0].password_hash' && /missing required key/.test(p.message)),
  )
})

test('a viewer with a password_hash that is not an scrypt hash, a blue viewer without a team, and a bad role are refused', () => {
  const yaml = `${TWO_TEAMS}users:
  - { name: white, role: white, password_hash: "5f4dcc3b5aa765d61d8327deb882cf99" }
  - { name: team1, role: blue, password_hash: "scrypt$abc" }
  - { name: team9, role: blue, team: 9, password_hash: "scrypt$abc" }
  - { name: boss, role: admin, password_hash: "scrypt$abc" }
  - { name: team1, role: green, password_hash: "scrypt$abc" }
`
  const problems = problemsOf(yaml)
  assert.deepEqual(
    problems.map((p) => p.path),
    ['users[0].password_hash', 'users[1].team', 'users[2].team', 'users[3].role', 'users[4].name'],
  )
  assert.match(problems[0]!.message, /scrypt\$/)
  assert.match(problems[1]!.message, /blue user needs team/)
  assert.equal(problems[2]!.message, 'there is no team 9')
  assert.match(problems[3]!.message, /must be one of "white", "green", "red", "blue", got text "admin"/)
  assert.match(problems[4]!.message, /already used by users\[1\]/)
})

test('a team value of the wrong kind says what was meant and what was found', () => {
  const yaml = `name: Test
teams:
  - number: 1
    info: { admin: { username: root } }
    pools: { users: [ "alice", { user: bob, password: x } ] }
`
  const problems = problemsOf(yaml)
  assert.deepEqual(
    problems.map((p) => [p.path, p.message]),
    [
      ['teams[0].info.admin.password', 'missing required key "password"'],
      ['teams[0].pools.users[0]', 'a pool entry is "user:password" or {username, password}'],
      ['teams[0].pools.users[1].username', 'missing required key "username"'],
      ['teams[0].pools.users[1].user', 'unknown key "user" (did you mean "username"?)'],
    ],
  )
})

test('every problem of a file is reported at once, in the order of the file', () => {
  const yaml = `name: Test
teams:
  - { number: 1, pools: { users: [] } }
services:
  - { name: a, type: http, host: h, port: 0 }
  - { name: b, type: nope, host: h }
  - { name: c, type: ssh, host: h, timeout: never, credential_pool: users }
sla: { threshold: 0, penalty: 5 }
`
  assert.deepEqual(
    problemsOf(yaml).map((p) => p.path),
    ['services[0].port', 'services[1].type', 'services[2].timeout', 'sla.threshold'],
  )
})

test('an empty credential pool is not a config error', () => {
  const competition = load(`name: Test
teams: [ { number: 1, pools: { users: [] } } ]
services:
  - { name: ssh, type: ssh, host: h, credential_pool: users }
`)
  assert.deepEqual(competition.teams[0]!.pools, { users: [] })
  assert.equal(competition.services[0]!.credentialPool, 'users')
})

test('teams that are empty or not there at all are refused: a competition needs a team', () => {
  assert.equal(onlyProblem('name: Test\nteams: []\n').message, 'at least one team is needed')
  assert.equal(onlyProblem('name: Test\nteams:\n').message, 'at least one team is needed')
})

test('a section of the wrong kind, and a service that is not a mapping, say what they are', () => {
  const yaml = `name: Test\nteams: [ { number: 1.5 } ]\nservices:\n  - web\nusers: { white: x }\n`
  assert.deepEqual(
    problemsOf(yaml).map((p) => [p.path, p.message]),
    [
      ['teams[0].number', 'a team number must be a whole number, got the number 1.5'],
      ['services[0]', 'must be a mapping, got text "web"'],
      ['users', 'must be a list, got a mapping'],
    ],
  )
})

test('an override keyed by something other than a team number is refused at the key', () => {
  const yaml = `${TWO_TEAMS}services:\n  - { name: web, type: http, host: h, overrides: { team2: { port: 81 } } }\n`
  assertProblem(onlyProblem(yaml), yaml, {
    path: 'services[0].overrides.team2',
    at: 'team2',
    after: 'overrides',
    message: /overrides are keyed by team number/,
  })
})

test('an unknown check type given by an override is refused, naming the team', () => {
  const yaml = `${TWO_TEAMS}services:\n  - { name: admin, type: ssh, host: h, overrides: { 2: { type: rpd } } }\n`
  assertProblem(onlyProblem(yaml), yaml, {
    path: 'services[0].overrides[2].type',
    at: 'rpd',
    message: /^unknown check type "rpd"; known types: .* \(team 2\)$/,
  })
})
