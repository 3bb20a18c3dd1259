/**
 * How the command line names a team (`3`, `Team3`, `Team 3`, `Blue Herons`) and a service of a
 * team (`TEAM/SERVICE`, as in `scanner check 3/www`): one parser for every command that takes them.
 */
import { UsageError } from '../errors.ts'

/** A team as the commands look it up. */
export interface NamedTeam {
  number: number
  name: string
}

/** A service as the commands look it up: its team (number and name) and its name. */
export interface NamedService {
  team: number
  teamName: string
  name: string
}

const squash = (s: string): string => s.toLowerCase().replace(/\s+/g, '')

/**
 * The team named by `text`: its number, its name or `TeamN` (case and spaces ignored). `where`
 * says where the teams come from in the message (`the config`, `the database`).
 */
export function findTeam<T extends NamedTeam>(teams: readonly T[], text: string, where: string): T {
  const wanted = text.trim()
  const team = teams.find(
    (t) =>
      String(t.number) === wanted ||
      squash(t.name) === squash(wanted) ||
      squash(`team${t.number}`) === squash(wanted),
  )
  if (team === undefined)
    throw new UsageError(
      `no team "${wanted}" in ${where}; teams: ${teams
        .slice(0, 20)
        .map((t) => t.number)
        .join(', ')}`,
    )
  return team
}

/** Finds TEAM/SERVICE among `services`: the team by number or name, the service by name. */
export function findTarget<S extends NamedService>(services: readonly S[], target: string, where: string): S {
  const slash = target.indexOf('/')
  if (slash <= 0 || slash === target.length - 1)
    throw new UsageError(`name the service as TEAM/SERVICE (for example 3/www), got "${target}"`)
  const name = target.slice(slash + 1).trim()
  const teams = new Map<number, NamedTeam>()
  for (const s of services) if (!teams.has(s.team)) teams.set(s.team, { number: s.team, name: s.teamName })
  const team = findTeam([...teams.values()], target.slice(0, slash), where)
  const service = services.find((s) => s.team === team.number && s.name === name)
  if (!service) {
    const names = services.filter((s) => s.team === team.number).map((s) => s.name)
    throw new UsageError(`team ${team.number} has no service "${name}"; its services: ${names.join(', ')}`)
  }
  return service
}
