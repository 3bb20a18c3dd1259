import type { ServiceStateRow } from '../../../db/web-queries.ts'
import type { RankedTeam } from '../ranking.ts'
import type { ScoreSeries } from '../score-history.ts'
import { html, points, type Html } from './html.ts'
import { scoreChart } from './score-chart.ts'

export interface ScoreboardData {
  ranked: RankedTeam[]
  /** The service states the viewer sees (for the "services up" column). */
  visible: ServiceStateRow[]
  series: ScoreSeries
  /** The viewer's own team (blue), drawn in the chart even when not leading. */
  ownTeam: number | null
}

export function scoreboardPage(data: ScoreboardData): Html {
  const up = new Map<number, { up: number; all: number }>()
  for (const s of data.visible) {
    const count = up.get(s.team) ?? { up: 0, all: 0 }
    count.all++
    if (s.last_scan === 1) count.up++
    up.set(s.team, count)
  }
  const chartTeams = data.ranked.map((t) => ({ number: t.team, name: t.team_name })).slice(0, 10)
  const own = data.ranked.find((t) => t.team === data.ownTeam)
  if (own && !chartTeams.some((t) => t.number === own.team))
    chartTeams.push({ number: own.team, name: own.team_name })
  return html`<h1>Scoreboard</h1>
    <table class="scoreboard">
      <thead>
        <tr>
          <th class="num">Rank</th>
          <th>Team</th>
          <th class="num">Total</th>
          <th class="num">Penalties</th>
          <th class="num">Services up</th>
        </tr>
      </thead>
      <tbody>
        ${data.ranked.map((t) => {
          const count = up.get(t.team)
          return html`<tr>
            <td class="num">${t.rank}</td>
            <td><a href="/teams/${t.team}">${t.team_name}</a></td>
            <td class="num">${points(t.total)}</td>
            <td class="num">${points(t.penalties)}</td>
            <td class="num">${count ? `${count.up}/${count.all}` : ''}</td>
          </tr> `
        })}
      </tbody>
    </table>
    <h2>Score over rounds</h2>
    ${scoreChart(data.series, chartTeams)}`
}
