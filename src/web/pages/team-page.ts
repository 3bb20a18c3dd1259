import type { ScoreRow, ServiceStateRow } from '../../../db/web-queries.ts'
import { cellFor } from '../visible-state.ts'
import { canSeeErrors, type Viewer } from '../viewer.ts'
import { html, percent, points, type Html } from './html.ts'
import { serviceCell } from './service-cell.ts'

export interface TeamData {
  team: { number: number; name: string }
  /** The team's services the viewer sees. */
  services: ServiceStateRow[]
  /** The team's scores in the last rounds, newest round first. */
  history: ScoreRow[]
}

/** A team: each service's live state, uptime, points, and its results in the last rounds. */
export function teamPage(viewer: Viewer, data: TeamData): Html {
  const rounds = [...new Set(data.history.map((s) => s.round_id!))]
  const results = new Map<string, ScoreRow>()
  for (const s of data.history) results.set(`${s.service_id}/${s.round_id}`, s)
  return html`<h1>${data.team.name}</h1>
    <p class="live">Times in UTC. <span id="live-status"></span></p>
    ${
      data.services.length === 0
        ? html`<p class="muted">No service to show.</p>`
        : html`<table class="team">
              <thead>
                <tr>
                  <th>Service</th>
                  <th>Now</th>
                  <th class="num">Uptime</th>
                  <th class="num">Points</th>
                  <th class="num">Penalties</th>
                </tr>
              </thead>
              <tbody>
                ${data.services.map(
                  (s) =>
                    html`<tr>
                      <th>${s.name} <span class="muted">${s.subtype}</span></th>
                      ${serviceCell(cellFor(viewer, s))}
                      <td class="num">${percent(s.up_checks, s.checks)}</td>
                      <td class="num">${points(s.points)}</td>
                      <td class="num">${points(s.penalties)}</td>
                    </tr> `,
                )}
              </tbody>
            </table>
            <h2>Last rounds</h2>
            ${
              rounds.length === 0
                ? html`<p class="muted">No round recorded yet.</p>`
                : html`<table class="history">
                    <thead>
                      <tr>
                        <th>Service</th>
                        ${rounds.map((r) => html`<th class="num"><a href="/rounds/${r}">${r}</a></th>`)}
                      </tr>
                    </thead>
                    <tbody>
                      ${data.services.map((s) => {
                        const errors = canSeeErrors(viewer, s)
                        return html`<tr>
                          <th>${s.name}</th>
                          ${rounds.map((r) => {
                            const score = results.get(`${s.id}/${r}`)
                            if (!score) return html`<td></td>`
                            const tip =
                              errors && score.error !== null ? `${score.stage ?? ''}: ${score.error}` : ''
                            return score.up === 1
                              ? html`<td class="num up-text" title="${score.score} points">
                                  ${score.score}
                                </td>`
                              : html`<td class="num down-text" title="${tip}">0</td>`
                          })}
                        </tr> `
                      })}
                    </tbody>
                  </table>`
            }`
    }`
}
