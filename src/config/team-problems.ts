/**
 * Problems of one service, collected team by team as it is instantiated for each, then reported
 * once per place and message: `{teams}` in a message becomes the teams concerned (`team 2`,
 * `teams 2 and 3`, `every team`), and a message without it names the teams when not all have it.
 */
import type { KeyPath } from './yaml-positions.ts'
import type { ProblemSink } from './zod-problems.ts'

/** Where the problems of one team go, and how many it has had so far. */
export interface TeamSink extends ProblemSink {
  readonly count: number
}

interface Group {
  path: KeyPath
  message: string
  part: 'value' | 'key'
  teams: number[]
}

export class TeamProblems {
  readonly #teamCount: number
  readonly #realTeams: boolean
  readonly #groups = new Map<string, Group>()

  /**
   * `realTeams` false: the service is checked against a stand-in team (no team is usable), whose
   * team-dependent problems (those with `{teams}`) mean nothing and are dropped.
   */
  constructor(teamCount: number, realTeams: boolean) {
    this.#teamCount = teamCount
    this.#realTeams = realTeams
  }

  forTeam(team: number): TeamSink {
    let count = 0
    const groups = this.#groups
    return {
      get count() {
        return count
      },
      add(path, message, part = 'value') {
        count++
        const key = JSON.stringify([path.map(String), message, part])
        const group = groups.get(key) ?? { path, message, part, teams: [] }
        if (!group.teams.includes(team)) group.teams.push(team)
        groups.set(key, group)
      },
    }
  }

  /** Reports every group to `sink` and starts afresh. */
  flush(sink: ProblemSink): void {
    for (const { path, message, part, teams } of this.#groups.values()) {
      if (!this.#realTeams && message.includes('{teams}')) continue
      const all = teams.length === this.#teamCount
      const phrase = teamsPhrase(teams, all)
      let text = message.replaceAll('{teams}', phrase)
      if (text === message && !all) text = `${message} (${phrase})`
      sink.add(path, text, part)
    }
    this.#groups.clear()
  }
}

/** `team 2`, `teams 2 and 3`, `teams 1, 2 and 5`, `every team`. */
export function teamsPhrase(teams: readonly number[], all: boolean): string {
  if (all && teams.length > 1) return 'every team'
  const sorted = [...teams].sort((a, b) => a - b)
  if (sorted.length === 1) return `team ${sorted[0]}`
  const shown =
    sorted.length > 8
      ? [...sorted.slice(0, 7).map(String), `... (${sorted.length} teams)`]
      : sorted.map(String)
  return `teams ${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`
}
