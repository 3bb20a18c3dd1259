/**
 * Password change requests checked against the credentials of the database: the team (number or
 * name), the pool or info entry (`NAME`, or `pool:NAME` / `info:NAME` when a team has both), and
 * the user, which must already be there: a PCR changes the password of an existing account.
 */
import type { CredentialSource, PasswordChange } from '../../db/password-changes.ts'
import { UsageError } from '../errors.ts'
import { hashPasswordSync } from '../auth/password-hash.ts'
import type { TeamData } from '../service.ts'
import { findTeam } from './target.ts'

/** A request as typed, or read from a line of a CSV file. */
export interface PcrRequest {
  /** Line of the CSV file, for messages. */
  line?: number
  team: string
  name: string
  user: string
  password: string
  /** Why the line cannot be a request at all (a CSV line with missing fields). */
  problem?: string
}

/** A request resolved to one account, with the words to tell the white team what changed. */
export interface ResolvedPcr {
  change: PasswordChange
  /** `team 1 pool ad_users user alice`: no password. */
  label: string
}

/**
 * Resolves every request, all or nothing: a UsageError lists each bad request (by line for a
 * file). The hash of the replaced password is of the password in use at that point, requests
 * earlier in the list included.
 */
export function resolvePcrs(requests: readonly PcrRequest[], teams: Map<number, TeamData>): ResolvedPcr[] {
  const problems: string[] = []
  const resolved: {
    request: PcrRequest
    team: TeamData
    source: CredentialSource
    key: string
    username: string
  }[] = []
  for (const request of requests) {
    try {
      if (request.problem !== undefined) throw new UsageError(request.problem)
      resolved.push({ request, ...resolveOne(request, teams) })
    } catch (err) {
      if (!(err instanceof UsageError)) throw err
      problems.push(request.line === undefined ? err.message : `line ${request.line}: ${err.message}`)
    }
  }
  if (problems.length === 1 && requests.length === 1 && requests[0]?.line === undefined)
    throw new UsageError(problems[0] ?? '')
  if (problems.length > 0)
    throw new UsageError(`nothing changed: ${problems.length} bad request(s)\n  ${problems.join('\n  ')}`)
  // The passwords in use, as the requests change them one after the other.
  const current = new Map<string, string>()
  return resolved.map(({ request, team, source, key, username }) => {
    const id = JSON.stringify([team.number, source, key, username])
    const old = current.get(id) ?? passwordOf(team, source, key, username)
    current.set(id, request.password)
    return {
      change: {
        team: team.number,
        source,
        key,
        username,
        password: request.password,
        oldHash: old === undefined ? null : hashPasswordSync(old),
      },
      label: `team ${team.number} ${source} ${key} user ${username}`,
    }
  })
}

function resolveOne(
  request: PcrRequest,
  teams: Map<number, TeamData>,
): { team: TeamData; source: CredentialSource; key: string; username: string } {
  const team = findTeam([...teams.values()], request.team, 'the database')
  const username = request.user.trim()
  if (username === '') throw new UsageError('the user is empty')
  if (request.password === '') throw new UsageError(`the new password for ${username} is empty`)
  const { source, key } = sourceOf(team, request.name.trim())
  if (source === 'pool') {
    const users = (team.pools[key] ?? []).map((c) => c.username)
    if (!users.includes(username)) {
      const some = users.slice(0, 20).join(', ') + (users.length > 20 ? ', ...' : '')
      throw new UsageError(
        `user "${username}" is not in pool ${key} of team ${team.number} (a PCR changes an existing account); its users: ${some || '(none)'}`,
      )
    }
  } else {
    const entry = team.info[key]
    if (typeof entry === 'object' && entry.username !== username)
      throw new UsageError(
        `team info ${key} of team ${team.number} is the account "${entry.username}", not "${username}"`,
      )
  }
  return { team, source, key, username }
}

/** The pool or info entry `name` designates, refused when the team has neither (or both). */
function sourceOf(team: TeamData, name: string): { source: CredentialSource; key: string } {
  const prefix = /^(pool|info):(.*)$/.exec(name)
  const wanted = prefix?.[1]
  const key = prefix ? (prefix[2] ?? '') : name
  const isPool = Object.hasOwn(team.pools, key)
  const info = Object.hasOwn(team.info, key) ? team.info[key] : undefined
  const isInfo = typeof info === 'object'
  const text = () =>
    new UsageError(`team info ${key} of team ${team.number} is text, not credentials {username, password}`)
  const missing = () => {
    const what =
      wanted === 'pool'
        ? 'pool'
        : wanted === 'info'
          ? 'credential info entry'
          : 'pool or credential info entry'
    const pools = Object.keys(team.pools)
    const infos = Object.keys(team.info).filter((k) => typeof team.info[k] === 'object')
    return new UsageError(
      `team ${team.number} has no ${what} "${key}"; pools: ${pools.join(', ') || '(none)'}; info credentials: ${infos.join(', ') || '(none)'}`,
    )
  }
  if (wanted === 'pool') {
    if (isPool) return { source: 'pool', key }
    throw missing()
  }
  if (wanted === 'info') {
    if (isInfo) return { source: 'info', key }
    throw info === undefined ? missing() : text()
  }
  if (isPool && isInfo)
    throw new UsageError(
      `team ${team.number} has both a pool and a team info entry named ${key}: write pool:${key} or info:${key}`,
    )
  if (isPool) return { source: 'pool', key }
  if (isInfo) return { source: 'info', key }
  throw info === undefined ? missing() : text()
}

function passwordOf(
  team: TeamData,
  source: CredentialSource,
  key: string,
  username: string,
): string | undefined {
  if (source === 'pool') return team.pools[key]?.find((c) => c.username === username)?.password
  const entry = team.info[key]
  return typeof entry === 'object' ? entry.password : undefined
}
