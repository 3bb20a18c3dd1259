/**
 * Stand-in check types for the config tests (the loader only reads their short name, default port
 * and options schema), and helpers to load a YAML text and look at the problems it has.
 */
import assert from 'node:assert/strict'
import { z } from 'zod'
import { flag, integer, listOf, regexString, stringList } from '../../src/check-options.ts'
import type { Competition } from '../../src/config/competition.ts'
import type { ConfigError, ConfigProblem } from '../../src/config/config-error.ts'
import { parseConfig } from '../../src/config/load-config.ts'
import { ServiceRegistry } from '../../src/registry.ts'
import { ServiceType } from '../../src/service-type.ts'

class HttpType extends ServiceType {
  static override shortName = 'http'
  static override defaultPort = 80
  static override options = z.strictObject({
    status: listOf(integer(100, 599)).default([200]),
    vhost: z.string().optional(),
    basic_auth: flag().default(false),
  })
}

class HttpsType extends HttpType {
  static override shortName = 'https'
  static override defaultPort = 443
}

class SshType extends ServiceType {
  static override shortName = 'ssh'
  static override defaultPort = 22
  static override options = z.strictObject({
    command: z.string().min(1).optional(),
    expect: stringList().optional(),
    expect_regex: regexString().optional(),
    expect_exact: stringList().optional(),
  })
}

class DnsType extends ServiceType {
  static override shortName = 'dns'
  static override defaultPort = 53
  static override options = z.strictObject({
    record: z.string().min(1),
    qtype: z.enum(['A', 'AAAA', 'MX', 'TXT']).default('A'),
    expect: stringList().optional(),
  })
}

/** Its `expect_regex` is a plain string: the loader itself must refuse one that does not compile. */
class TcpType extends ServiceType {
  static override shortName = 'tcp'
  static override options = z.strictObject({ expect_regex: z.string().optional() })
}

class RemoteAdminType extends ServiceType {
  static override shortName = 'remote-admin'
  static override defaultPort = 22
  static override options = z.strictObject({ command: z.string().optional(), nla: flag().default(false) })
}

class LdapType extends ServiceType {
  static override shortName = 'ldap'
  static override defaultPort = 389
  static override options = z.strictObject({ domain: z.string().min(1) })
}

/** A registry of stand-ins for http, https, ssh, dns, tcp, remote-admin and ldap. */
export function testRegistry(): ServiceRegistry {
  const registry = new ServiceRegistry()
  for (const cls of [HttpType, HttpsType, SshType, DnsType, TcpType, RemoteAdminType, LdapType]) {
    registry.register(cls)
  }
  return registry
}

/** Loads `yaml` as competition.yaml with the stand-in types. */
export function load(yaml: string): Competition {
  return parseConfig(yaml, 'competition.yaml', testRegistry())
}

/** The problems of a config that must be refused (asserting the error's code). */
export function problemsOf(yaml: string): ConfigProblem[] {
  try {
    load(yaml)
  } catch (err) {
    assert.equal((err as ConfigError).code, 'ERR_CONFIG', String(err))
    return (err as ConfigError).problems
  }
  assert.fail('the config was accepted')
}

/** The one problem of a config refused for exactly one reason. */
export function onlyProblem(yaml: string): ConfigProblem {
  const problems = problemsOf(yaml)
  assert.equal(
    problems.length,
    1,
    problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`).join('\n'),
  )
  return problems[0]!
}

/** Line and column (1-based) where `needle` first appears in `text` (after `after`, when given). */
export function positionOf(text: string, needle: string, after = ''): { line: number; col: number } {
  const offset = text.indexOf(needle, after ? text.indexOf(after) : 0)
  assert.ok(offset >= 0, `${JSON.stringify(needle)} is not in the text`)
  const before = text.slice(0, offset)
  return { line: before.split('\n').length, col: offset - before.lastIndexOf('\n') }
}

/** Asserts a problem is at `path`, where `needle` is written, with a message matching `message`. */
export function assertProblem(
  problem: ConfigProblem | undefined,
  yaml: string,
  expected: { path: string; at: string; after?: string; message: RegExp },
): void {
  assert.ok(problem, `no problem at ${expected.path}`)
  assert.equal(problem.path, expected.path)
  assert.match(problem.message, expected.message)
  assert.deepEqual({ line: problem.line, col: problem.col }, positionOf(yaml, expected.at, expected.after))
  assert.equal(problem.file, 'competition.yaml')
}

/** Two teams, to which a test appends `services:` and more. */
export const TWO_TEAMS = `name: Test CDC
teams:
  - number: 1
    info: { domain: team1.cdc, admin: { username: root, password: toor } }
    pools: { users: ["alice:pw1"] }
  - number: 2
    info: { domain: team2.cdc }
`
