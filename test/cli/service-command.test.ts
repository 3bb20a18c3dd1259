import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { Store } from '../../db/store.ts'
import { runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/engine.ts'
import { scenarioCompetition } from '../helpers/score-scenario.ts'

/** Teams 1 (Blue Herons) and 2 with www, dns and mail; team 2's ftp was removed from the config. */
function controlsDb(t: TestContext): string {
  const dir = tempDir(t)
  const store = Store.open(join(dir, 'scanner.db'))
  try {
    const competition = scenarioCompetition()
    competition.services.push({ ...competition.services[0]!, team: 2, name: 'ftp' })
    store.syncCompetition(competition)
    competition.services.pop()
    store.syncCompetition(competition)
  } finally {
    store.close()
  }
  return dir
}

/** The controls of every service and the control log, to compare before and after. */
function snapshot(dir: string): unknown {
  const store = Store.open(join(dir, 'scanner.db'), { readonly: true })
  try {
    return {
      services: store.db
        .prepare('SELECT id, administratively_down, down_reason, score_cap FROM services')
        .all(),
      log: store.controlLog(),
    }
  } finally {
    store.close()
  }
}

test('service down, up and cap change the service and log each change; services shows the flags', async (t) => {
  const dir = controlsDb(t)
  const down = await runCli(['service', 'down', 'Blue Herons/www', '--reason', 'red team penalty'], dir)
  assert.equal(down.code, 0, down.stderr)
  assert.equal(
    down.stdout,
    'Team 1 / www: administratively down (red team penalty); from the next round it is not checked and scores 0\n',
  )
  const cap = await runCli(['service', 'cap', '2/dns', '0'], dir)
  assert.equal(cap.code, 0, cap.stderr)
  assert.equal(cap.stdout, 'Team 2 / dns: score cap 0 from the next round\n')
  const high = await runCli(['service', 'cap', 'team2/mail', '7'], dir)
  assert.match(
    high.stdout,
    /score cap 7 from the next round \(it scores 3 when up: the cap changes nothing\)/,
  )

  const services = await runCli(['services'], dir)
  assert.match(services.stdout, /\n\d+ +1 +www +tcp +127\.0\.1\.1:22 +down \(red team penalty\)\n/)
  assert.match(services.stdout, /\n\d+ +2 +dns +tcp +127\.0\.1\.2:22 +cap 0\n/)
  const json = JSON.parse((await runCli(['services', '--json'], dir)).stdout) as Record<string, unknown>[]
  const www = json.find((s) => s.team === 1 && s.service === 'www')
  assert.deepEqual(
    [www?.administratively_down, www?.down_reason, www?.score_cap, www?.external],
    [true, 'red team penalty', null, false],
  )

  assert.equal((await runCli(['service', 'up', '1/www'], dir)).code, 0)
  assert.equal((await runCli(['service', 'cap', '2/dns', '--clear'], dir)).code, 0)
  const log = await runCli(['service', 'log', '--json'], dir)
  const entries = JSON.parse(log.stdout) as Record<string, unknown>[]
  assert.deepEqual(
    entries.map((e) => [e.team, e.service, e.action, e.value, e.reason, e.actor]),
    [
      [1, 'www', 'down', null, 'red team penalty', 'cli'],
      [2, 'dns', 'cap', 0, null, 'cli'],
      [2, 'mail', 'cap', 7, null, 'cli'],
      [1, 'www', 'up', null, null, 'cli'],
      [2, 'dns', 'uncap', null, null, 'cli'],
    ],
  )
  const one = await runCli(['service', 'log', '2/dns'], dir)
  assert.match(one.stdout, /^time +team +service +action +detail +actor\n/)
  assert.match(one.stdout, /\n\S+ +2 +dns +cap +cap 0 +cli\n\S+ +2 +dns +uncap +cli\n$/)
})

test('service: a control that changes nothing says so and logs nothing', async (t) => {
  const dir = controlsDb(t)
  const up = await runCli(['service', 'up', '1/www'], dir)
  assert.equal(up.code, 0)
  assert.equal(up.stdout, 'Team 1 / www is not administratively down: nothing changed\n')
  const clear = await runCli(['service', 'cap', '1/www', '--clear'], dir)
  assert.equal(clear.stdout, 'Team 1 / www: the score cap is already clear: nothing changed\n')
  assert.deepEqual(JSON.parse((await runCli(['service', 'log', '--json'], dir)).stdout), [])
})

test('service: bad requests are refused with exit 2 and change nothing', async (t) => {
  const dir = controlsDb(t)
  await runCli(['service', 'cap', '1/mail', '2'], dir)
  const before = snapshot(dir)
  const refused: [string[], RegExp][] = [
    [['service', 'down', '1/www'], /say why with --reason TEXT/],
    [['service', 'down', '1/www', '--reason', '  '], /say why with --reason TEXT/],
    [['service', 'down', '1/www', '--reason', 'two\nlines'], /one line of at most 200 characters/],
    [['service', 'cap', '1/www', '5x'], /whole number of points, 0 or more, got "5x"/],
    [['service', 'cap', '1/www', '-1'], /got "-1"/],
    [['service', 'cap', '1/www', '1.5'], /got "1\.5"/],
    [['service', 'cap', '1/www'], /give the cap/],
    [['service', 'cap', '1/mail', '3', '--clear'], /either a cap N or --clear, not both/],
    [['service', 'down', '9/www', '--reason', 'x'], /no team "9" in the database; teams: 1, 2/],
    [['service', 'up', '1/ftp'], /team 1 has no service "ftp"; its services: www, dns, mail/],
    [['service', 'cap', '2/ftp', '1'], /team 2 service "ftp" was removed from the config \(retired\)/],
    [['service', 'up', 'www'], /name the service as TEAM\/SERVICE/],
  ]
  const results = await Promise.all(refused.map(([args]) => runCli(args, dir)))
  results.forEach(({ code, stderr }, i) => {
    const [args, message] = refused[i]!
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`)
    assert.match(stderr, message, args.join(' '))
  })
  assert.deepEqual(snapshot(dir), before)
})
