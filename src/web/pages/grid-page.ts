import type { ServiceStateRow } from '../../../db/web-queries.ts'
import { cellFor } from '../visible-state.ts'
import type { Viewer } from '../viewer.ts'
import { html, type Html } from './html.ts'
import { serviceCell } from './service-cell.ts'

/**
 * The service grid: a row per team, a column per service name, each cell kept current by the
 * live script. `visible` holds only the services the viewer may see.
 */
export function gridPage(viewer: Viewer, visible: readonly ServiceStateRow[]): Html {
  const names: string[] = []
  const teams = new Map<number, { name: string; cells: Map<string, ServiceStateRow> }>()
  for (const s of visible) {
    if (!names.includes(s.name)) names.push(s.name)
    let team = teams.get(s.team)
    if (!team) teams.set(s.team, (team = { name: s.team_name, cells: new Map() }))
    team.cells.set(s.name, s)
  }
  return html`<h1>Services</h1>
    <p class="live">Times in UTC. <span id="live-status"></span></p>
    ${
      teams.size === 0
        ? html`<p class="muted">No service to show.</p>`
        : html`<table class="grid">
            <thead>
              <tr>
                <th>Team</th>
                ${names.map((n) => html`<th>${n}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${[...teams].map(
                ([number, team]) =>
                  html`<tr>
                    <th><a href="/teams/${number}">${team.name}</a></th>
                    ${names.map((n) => {
                      const s = team.cells.get(n)
                      return s ? serviceCell(cellFor(viewer, s)) : html`<td class="muted">-</td>`
                    })}
                  </tr> `,
              )}
            </tbody>
          </table>`
    }`
}
