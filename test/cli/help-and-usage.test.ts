import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/temp-dir.ts'

/** Every command, with the start of its description. */
const COMMANDS: Record<string, string> = {
  run: 'run rounds every round.interval',
  demo: 'start demo targets on loopback',
  'check [target]': 'run the check of one service now',
  pause: 'hold rounds',
  resume: 'let a paused scanner run start rounds again',
  status: 'latest state of every team x service',
  services: 'every service with its id',
  scores: 'totals per team and per service',
  'service <command>': 'white-team controls of a service',
  'pcr [team] [name] [user] [password]': 'password change request',
  types: 'registered check types',
  validate: 'check the config and the services files',
  serve: 'the web status pages',
  passwd: 'read a password on stdin',
  export: "every round's scores",
  'external <command>': 'the external-check functions',
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

test('cli: scanner --help lists every command with its description and the global options, exit 0', async (t) => {
  const { code, stdout, stderr } = await runCli(['--help'], tempDir(t))
  assert.deepEqual([code, stderr], [0, ''])
  assert.match(stdout, /^Usage: scanner <command> \[options\]\n/)
  // A usage too long for the left column puts its description on the next line.
  for (const [usage, describe] of Object.entries(COMMANDS))
    assert.match(stdout, new RegExp(`\\n  ${escape(usage)}\\s+${escape(describe)}`), usage)
  for (const option of ['--config <value>', '--db <value>', '--services <value>', '--json', '--version'])
    assert.ok(stdout.includes(`\n  ${option} `), option)
  assert.match(stdout, /default: \.\/competition\.yaml/)
  assert.match(stdout, /default: \.\/scanner\.db/)
})

test("cli: a command's --help shows its usage, positionals and options with their defaults, exit 0", async (t) => {
  const dir = tempDir(t)
  const [run, service, down, external, exported] = await Promise.all([
    runCli(['run', '--help'], dir),
    runCli(['service', '--help'], dir),
    runCli(['service', 'down', '--help'], dir),
    runCli(['external', '--help'], dir),
    runCli(['export', '--help'], dir),
  ])
  for (const r of [run, service, down, external, exported]) assert.deepEqual([r.code, r.stderr], [0, ''])
  assert.match(run.stdout, /^Usage: scanner run \[options\]\n/)
  assert.match(run.stdout, /\n {2}--round +run one round and exit\n/)
  assert.match(run.stdout, /\n {2}--workers <n> +worker threads/)
  assert.match(run.stdout, /\n {2}--listen <value> +HOST:PORT .*\(default: 127\.0\.0\.1:8080\)/)
  assert.match(run.stdout, /\nGlobal options:\n {2}--config <value> +competition config file/)
  assert.match(service.stdout, /^Usage: scanner service <command> \[options\]\n/)
  for (const control of ['down <target>', 'up <target>', 'cap <target> [n]', 'log [target]'])
    assert.ok(service.stdout.includes(`\n  ${control} `), control)
  assert.match(down.stdout, /^Usage: scanner service down <target> \[options\]\n/)
  assert.match(down.stdout, /\n {2}<target> +TEAM\/SERVICE\n/)
  assert.match(down.stdout, /\n {2}--reason <value> +why \(the team sees it\)\n/)
  for (const action of ['start <id>', 'score <id> <result>', 'done <id>', 'error <score_id> [message]'])
    assert.ok(external.stdout.includes(`\n  ${action} `), action)
  assert.match(exported.stdout, /--format <json\|csv> +output format \(default: json\)/)
})

test('cli: a command line that does not parse is a usage error on stderr with a pointer to --help, exit 2', async (t) => {
  const dir = tempDir(t)
  const cases: [string[], string][] = [
    [[], 'name a command: scanner --help lists them'],
    [['service'], 'name a control: down, up, cap or log'],
    [['external'], 'name an action: start, score, done or error'],
    [['frob'], 'unknown command "frob"'],
    [['status', '--frob'], 'unknown option --frob'],
    [['run', '--workers', 'abc'], '--workers must be a number, got "abc"'],
    [['status', '--db'], '--db needs a value (--db=VALUE for one that starts with --)'],
    [['service', 'down'], 'scanner service down needs <target> (TEAM/SERVICE)'],
    [['status', 'extra'], 'unexpected argument "extra": scanner status takes no arguments'],
  ]
  const results = await Promise.all(cases.map(([args]) => runCli(args, dir)))
  results.forEach((r, i) => {
    const [args, message] = cases[i]!
    assert.equal(r.code, 2, args.join(' '))
    assert.equal(r.stderr, `scanner: ${message}\n(scanner --help lists the commands and options)\n`)
    assert.equal(r.stdout, '')
  })
})
