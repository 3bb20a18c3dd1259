/**
 * Each team's cumulative score after every round, for the scoreboard's chart. Summing every score
 * on each page view would read the whole `scores` table; instead the sums of the rounds settled
 * since the last view are added to what is kept (a round's scores are written in one transaction
 * when it ends, so a settled round never changes).
 */
import type { WebQueries } from '../../db/web-queries.ts'

export interface ScoreSeries {
  /** Round ids, in order. */
  rounds: number[]
  /** Per team: the cumulative score (round points minus SLA penalties) after each round of `rounds`. */
  cumulative: Map<number, number[]>
}

export class ScoreHistory {
  readonly #queries: WebQueries
  #upTo = 0
  readonly #rounds: number[] = []
  readonly #cumulative = new Map<number, number[]>()

  constructor(queries: WebQueries) {
    this.#queries = queries
  }

  series(): ScoreSeries {
    this.#refresh()
    return { rounds: this.#rounds, cumulative: this.#cumulative }
  }

  #refresh(): void {
    const settled = this.#queries.lastSettledRound()
    if (settled <= this.#upTo) return
    const sums = new Map<number, Map<number, number>>()
    const add = (round: number, team: number, points: number) => {
      let teams = sums.get(round)
      if (!teams) sums.set(round, (teams = new Map<number, number>()))
      teams.set(team, (teams.get(team) ?? 0) + points)
    }
    for (const r of this.#queries.roundPoints(this.#upTo, settled)) add(r.round_id, r.team, r.points)
    for (const r of this.#queries.roundPenalties(this.#upTo, settled)) add(r.round_id, r.team, -r.points)
    for (const round of [...sums.keys()].sort((a, b) => a - b)) {
      const index = this.#rounds.length
      this.#rounds.push(round)
      const teams = sums.get(round)!
      for (const team of teams.keys()) {
        if (!this.#cumulative.has(team)) this.#cumulative.set(team, new Array<number>(index).fill(0))
      }
      for (const [team, line] of this.#cumulative) line.push((line[index - 1] ?? 0) + (teams.get(team) ?? 0))
    }
    this.#upTo = settled
  }
}
