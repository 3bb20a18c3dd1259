import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TeamData } from '../../src/service.ts'
import { expandTemplate, expandTemplates, type TemplateProblem } from '../../src/config/templates.ts'

const team: TeamData = {
  number: 7,
  name: 'Team 7',
  info: { domain: 'team7.cdc', admin: { username: 'root', password: 'toor' } },
  pools: {},
}

test('{num}, {info.KEY} and the fields of a credential entry are filled', () => {
  const problems: TemplateProblem[] = []
  assert.equal(expandTemplate('10.0.{num}.5', team, problems), '10.0.7.5')
  assert.equal(expandTemplate('ldap.{info.domain}', team, problems), 'ldap.team7.cdc')
  assert.equal(expandTemplate('{info.admin.username}:{info.admin.password}', team, problems), 'root:toor')
  assert.deepEqual(problems, [])
})

test('{username}, other braces and regex quantifiers are left as they are', () => {
  const problems: TemplateProblem[] = []
  for (const text of ['{username}', '^\\d{1,3}$', '{"json": true}', '{ num }', '{password}']) {
    assert.equal(expandTemplate(text, team, problems), text)
  }
  assert.deepEqual(problems, [])
})

test('an info key the team lacks, or of the wrong kind, is reported and left in place', () => {
  const problems: TemplateProblem[] = []
  assert.equal(expandTemplate('x.{info.site}', team, problems, ['host']), 'x.{info.site}')
  expandTemplate('{info.admin}', team, problems)
  expandTemplate('{info.domain.username}', team, problems)
  expandTemplate('{info.admin.email}', team, problems)
  assert.deepEqual(
    problems.map((p) => p.message),
    [
      '{info.site}: team info "site" is missing in {teams}',
      '{info.admin}: team info "admin" holds credentials in {teams}; write {info.admin.username} or {info.admin.password}',
      '{info.domain.username}: team info "domain" is text, not {username, password}, in {teams}',
      '{info.admin.email} is not a template: write {info.KEY}, {info.KEY.username} or {info.KEY.password}',
    ],
  )
  assert.deepEqual(problems[0]!.path, ['host'])
})

test('every string inside options is filled, with the path of a problem inside them', () => {
  const problems: TemplateProblem[] = []
  const options = { expect: ['10.0.{num}.1', 42], nested: { name: '{info.nope}' }, flag: true }
  assert.deepEqual(expandTemplates(options, team, problems), {
    expect: ['10.0.7.1', 42],
    nested: { name: '{info.nope}' },
    flag: true,
  })
  assert.deepEqual(problems[0]!.path, ['nested', 'name'])
})
