import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Store } from '../../db/store.ts'
import { credentialsCompetition as competition } from '../helpers/credentials-competition.ts'

const change = (team: number, source: 'pool' | 'info', key: string, username: string, password: string) => ({
  team,
  source,
  key,
  username,
  password,
  oldHash: null,
})

test('password changes: the latest change of a user replaces its password in the pool or the info entry, for that team only', (t) => {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  store.syncCompetition(competition())
  store.recordPasswordChanges([change(1, 'pool', 'ad_users', 'alice', 'first-change')])
  store.recordPasswordChanges([
    change(1, 'pool', 'ad_users', 'alice', 'Spring2026!'),
    change(1, 'info', 'web_admin', 'admin', 'N3wAdm1n'),
  ])
  const teams = store.teams()
  assert.deepEqual(teams.get(1)?.pools.ad_users, [
    { username: 'alice', password: 'Spring2026!' },
    { username: 'bob', password: 'p:ss' },
  ])
  assert.deepEqual(teams.get(1)?.info, {
    domain: 'team1.local',
    web_admin: { username: 'admin', password: 'N3wAdm1n' },
  })
  assert.deepEqual(teams.get(2)?.pools.ad_users, [{ username: 'alice', password: 'Team2Alice' }])
  assert.deepEqual(teams.get(2)?.info.web_admin, { username: 'admin', password: 'Changeme2' })
})

test('password changes: a config sync rewrites the pools and info, and the changes still apply over them', (t) => {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  store.syncCompetition(competition())
  store.recordPasswordChanges([
    change(1, 'pool', 'ad_users', 'bob', 'B0b-new'),
    change(1, 'info', 'web_admin', 'admin', 'N3wAdm1n'),
  ])
  store.syncCompetition(competition())
  const rows = store.db
    .prepare("SELECT password FROM pool_credentials WHERE team = 1 AND username = 'bob'")
    .all()
  assert.deepEqual(rows, [{ password: 'p:ss' }], 'the sync wrote the password of the config again')
  const team = store.teams().get(1)!
  assert.deepEqual(team.pools.ad_users?.[1], { username: 'bob', password: 'B0b-new' })
  assert.deepEqual(team.info.web_admin, { username: 'admin', password: 'N3wAdm1n' })
})

test('password changes: a change no longer applies once the config names another account there', (t) => {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  store.syncCompetition(competition())
  store.recordPasswordChanges([change(1, 'info', 'web_admin', 'admin', 'N3wAdm1n')])
  const renamed = competition()
  renamed.teams[0]!.info.web_admin = { username: 'root', password: 'R00t' }
  store.syncCompetition(renamed)
  assert.deepEqual(store.teams().get(1)?.info.web_admin, { username: 'root', password: 'R00t' })
})

test('password changes: the history says who and when, never the passwords', (t) => {
  const store = Store.open(':memory:')
  t.after(() => store.close())
  store.syncCompetition(competition())
  store.recordPasswordChanges(
    [{ ...change(2, 'pool', 'ad_users', 'alice', 'S3cret!'), oldHash: 'scrypt$x' }],
    'white',
  )
  const [entry, ...rest] = store.passwordChanges()
  assert.equal(rest.length, 0)
  assert.deepEqual(
    { ...entry, created_at: typeof entry?.created_at },
    {
      id: 1,
      team: 2,
      team_name: 'Red Pandas',
      source: 'pool',
      key: 'ad_users',
      username: 'alice',
      actor: 'white',
      created_at: 'string',
    },
  )
  assert.ok(!JSON.stringify(entry).includes('S3cret!'))
})
