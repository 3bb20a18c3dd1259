import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { Store } from '../../db/store.ts'
import { verifyPassword } from '../../src/auth/password-hash.ts'
import { runCli } from '../helpers/cli.ts'
import { credentialsCompetition } from '../helpers/credentials-competition.ts'
import { tempDir } from '../helpers/engine.ts'

function credentialsDb(t: TestContext): string {
  const dir = tempDir(t)
  const store = Store.open(join(dir, 'scanner.db'))
  try {
    store.syncCompetition(credentialsCompetition())
  } finally {
    store.close()
  }
  return dir
}

function withStore<T>(dir: string, fn: (store: Store) => T): T {
  const store = Store.open(join(dir, 'scanner.db'), { readonly: true })
  try {
    return fn(store)
  } finally {
    store.close()
  }
}

const storedChanges = (dir: string) =>
  withStore(dir, (store) =>
    store.db
      .prepare(
        'SELECT team, source, key, username, password, old_hash, actor FROM password_changes ORDER BY id',
      )
      .all(),
  ) as {
    team: number
    source: string
    key: string
    username: string
    password: string
    old_hash: string
    actor: string
  }[]

test('pcr: the new password replaces the old one for the next round, and is never printed', async (t) => {
  const dir = credentialsDb(t)
  const pool = await runCli(['pcr', '1', 'ad_users', 'alice', 'Spring2026!'], dir)
  assert.equal(pool.code, 0, pool.stderr)
  assert.equal(pool.stdout, 'password changed for team 1 pool ad_users user alice\n')
  const info = await runCli(['pcr', 'red pandas', 'info:shared', 'svc', '0123'], dir)
  assert.equal(info.stdout, 'password changed for team 2 info shared user svc\n')
  const dash = await runCli(['pcr', 'Team1', 'web_admin', 'admin', '--', '-0042'], dir)
  assert.equal(dash.code, 0, dash.stderr)

  const teams = withStore(dir, (store) => store.teams())
  assert.deepEqual(teams.get(1)?.pools.ad_users?.[0], { username: 'alice', password: 'Spring2026!' })
  assert.deepEqual(teams.get(2)?.info.shared, { username: 'svc', password: '0123' })
  assert.deepEqual(teams.get(2)?.pools.shared, [{ username: 'svc', password: 'Pool2' }])
  assert.deepEqual(teams.get(1)?.info.web_admin, { username: 'admin', password: '-0042' })

  const [alice] = storedChanges(dir)
  assert.equal(alice?.actor, 'cli')
  assert.match(alice?.old_hash ?? '', /^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/)
  assert.ok(
    await verifyPassword('Winter2026!', alice?.old_hash ?? ''),
    'old_hash is the hash of the old password',
  )
  assert.ok(!alice?.old_hash.includes('Winter2026!'))

  const list = await runCli(['pcr', '--list'], dir)
  assert.match(list.stdout, /^time +team +source +name +user +actor\n/)
  assert.match(
    list.stdout,
    /\n\S+ +1 +pool +ad_users +alice +cli\n\S+ +2 +info +shared +svc +cli\n\S+ +1 +info +web_admin +admin +cli\n$/,
  )
  const json = JSON.parse((await runCli(['pcr', '--list', '--json'], dir)).stdout) as Record<
    string,
    unknown
  >[]
  assert.deepEqual(Object.keys(json[0] ?? {}), [
    'id',
    'team',
    'team_name',
    'source',
    'key',
    'username',
    'actor',
    'created_at',
  ])
  for (const output of [pool.stdout, info.stdout, dash.stdout, list.stdout, JSON.stringify(json)])
    for (const secret of ['Spring2026!', '0123', '-0042', 'Winter2026!'])
      assert.ok(!output.includes(secret), secret)
})

test('pcr: a second change hashes the password the first one set', async (t) => {
  const dir = credentialsDb(t)
  await runCli(['pcr', '1', 'ad_users', 'bob', 'first-new'], dir)
  await runCli(['pcr', '1', 'ad_users', 'bob', 'second-new'], dir)
  const [, second] = storedChanges(dir)
  assert.ok(await verifyPassword('first-new', second?.old_hash ?? ''))
  assert.equal(
    withStore(dir, (s) => s.teams().get(1)?.pools.ad_users?.[1]?.password),
    'second-new',
  )
})

test('pcr: unknown teams, pools, info entries and users are refused with exit 2, nothing changed', async (t) => {
  const dir = credentialsDb(t)
  const refused: [string[], RegExp][] = [
    [['pcr', '9', 'ad_users', 'alice', 'x'], /no team "9" in the database; teams: 1, 2/],
    [
      ['pcr', '1', 'vpn_users', 'alice', 'x'],
      /team 1 has no pool or credential info entry "vpn_users"; pools: ad_users; info credentials: web_admin/,
    ],
    [['pcr', '1', 'domain', 'alice', 'x'], /team info domain of team 1 is text, not credentials/],
    [
      ['pcr', '1', 'ad_users', 'carol', 'x'],
      /user "carol" is not in pool ad_users of team 1 .*; its users: alice, bob/,
    ],
    [
      ['pcr', '1', 'web_admin', 'root', 'x'],
      /team info web_admin of team 1 is the account "admin", not "root"/,
    ],
    [
      ['pcr', '2', 'shared', 'svc', 'x'],
      /both a pool and a team info entry named shared: write pool:shared or info:shared/,
    ],
    [['pcr', '1', 'pool:web_admin', 'admin', 'x'], /team 1 has no pool "web_admin"/],
    [['pcr', '1', 'ad_users', 'alice', ''], /the new password for alice is empty/],
    [['pcr', '1', 'ad_users', 'alice'], /needs TEAM POOL_OR_INFO USER PASSWORD/],
    [['pcr', '--list', '1'], /--list takes no request/],
  ]
  const results = await Promise.all(refused.map(([args]) => runCli(args, dir)))
  results.forEach(({ code, stderr }, i) => {
    const [args, message] = refused[i]!
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`)
    assert.match(stderr, message, args.join(' '))
  })
  assert.deepEqual(storedChanges(dir), [])
})

test('pcr --file: a CSV with quoted fields is applied whole, in order', async (t) => {
  const dir = credentialsDb(t)
  writeFileSync(
    join(dir, 'pcr.csv'),
    'team,pool_or_info,user,password\r\n1,ad_users,bob,"B,o""b"\r\n"Red Pandas",pool:shared,svc,P00l\r\n\r\n1,ad_users,bob,again\r\n',
  )
  const { code, stdout, stderr } = await runCli(['pcr', '--file', 'pcr.csv'], dir)
  assert.equal(code, 0, stderr)
  assert.equal(
    stdout,
    [
      'password changed for team 1 pool ad_users user bob',
      'password changed for team 2 pool shared user svc',
      'password changed for team 1 pool ad_users user bob',
      '3 password change(s) from pcr.csv, used from the next round on',
      '',
    ].join('\n'),
  )
  const changes = storedChanges(dir)
  assert.deepEqual(
    changes.map((c) => c.password),
    ['B,o"b', 'P00l', 'again'],
  )
  assert.ok(
    await verifyPassword('B,o"b', changes[2]?.old_hash ?? ''),
    'the third row replaced what the first set',
  )
  assert.equal(
    withStore(dir, (s) => s.teams().get(1)?.pools.ad_users?.[1]?.password),
    'again',
  )
})

test('pcr --file: one bad line refuses the whole file, each bad line named', async (t) => {
  const dir = credentialsDb(t)
  const files: Record<string, string> = {
    'bad.csv':
      'team,pool_or_info,user,password\n1,ad_users,bob,new1\n1,ad_users,carol,x\n3,ad_users,bob,x\n1,ad_users,alice\n',
    'unclosed.csv': 'team,pool_or_info,user,password\n1,ad_users,bob,new1\n1,ad_users,bob,"unclosed\n',
    'header.csv': 'team,pool,user,password\n1,ad_users,bob,new1\n',
    'latin1.csv': 'team,pool_or_info,user,password\n1,ad_users,bob,caf\xe9\n',
  }
  for (const [name, text] of Object.entries(files))
    writeFileSync(join(dir, name), Buffer.from(text, 'latin1'))
  const bad = await runCli(['pcr', '--file', 'bad.csv'], dir)
  assert.equal(bad.code, 2)
  assert.equal(
    bad.stderr,
    [
      'scanner: bad.csv: nothing changed: 3 bad request(s)',
      '  line 3: user "carol" is not in pool ad_users of team 1 (a PCR changes an existing account); its users: alice, bob',
      '  line 4: no team "3" in the database; teams: 1, 2',
      '  line 5: 3 fields, expected 4 (team,pool_or_info,user,password)',
      '',
    ].join('\n'),
  )
  const unclosed = await runCli(['pcr', '--file', 'unclosed.csv'], dir)
  assert.equal(unclosed.code, 2)
  assert.match(unclosed.stderr, /unclosed\.csv: line 3: a quoted field is not closed; nothing changed/)
  const header = await runCli(['pcr', '--file', 'header.csv'], dir)
  assert.match(header.stderr, /the first line must be the header team,pool_or_info,user,password/)
  const latin1 = await runCli(['pcr', '--file', 'latin1.csv'], dir)
  assert.match(latin1.stderr, /latin1\.csv is not UTF-8 text/)
  const missing = await runCli(['pcr', '--file', 'nope.csv'], dir)
  assert.match(missing.stderr, /cannot read nope\.csv/)
  for (const r of [header, latin1, missing]) assert.equal(r.code, 2)
  assert.deepEqual(storedChanges(dir), [])
})
