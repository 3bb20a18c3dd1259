import type {
  ControlLogRow,
  PasswordChangeRow,
  ServiceErrorRow,
  ServiceStateRow,
} from '../../../db/web-queries.ts'
import { cellFor } from '../visible-state.ts'
import type { Viewer } from '../viewer.ts'
import { dateTime, html, type Html } from './html.ts'
import { serviceCell } from './service-cell.ts'

export interface AdminData {
  csrf: string
  services: ServiceStateRow[]
  teams: { number: number; name: string }[]
  team: number | null
  paused: boolean
  controls: ControlLogRow[]
  passwordChanges: PasswordChangeRow[]
}

const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}" />`

/** The white team's controls: pause, services down/up/cap, password changes, external scores. */
export function adminPage(viewer: Viewer, data: AdminData): Html {
  const { csrf } = data
  const external = data.services.filter((s) => s.external === 1)
  return html`<h1>Admin</h1>
    <h2>Rounds</h2>
    <p>Rounds are <strong>${data.paused ? 'paused' : 'running'}</strong>.</p>
    <form class="inline" method="post" action="${data.paused ? '/admin/resume' : '/admin/pause'}">
      ${csrfField(csrf)}<button type="submit">${data.paused ? 'Resume rounds' : 'Pause rounds'}</button>
    </form>

    <h2>Services</h2>
    <form class="inline" method="get" action="/admin">
      <label
        >Team
        <select name="team">
          <option value="">all</option>
          ${data.teams.map(
            (t) =>
              html`<option value="${t.number}" ${t.number === data.team ? html` selected` : ''}>
                ${t.name}
              </option>`,
          )}
        </select></label
      >
      <button type="submit">Show</button>
    </form>
    <table class="admin-services">
      <thead>
        <tr>
          <th>Team</th>
          <th>Service</th>
          <th>State</th>
          <th>Cap</th>
          <th>Controls</th>
        </tr>
      </thead>
      <tbody>
        ${data.services.map(
          (s) =>
            html`<tr data-team="${s.team}" data-service="${s.name}">
              <td>${s.team_name}</td>
              <td>${s.name} <span class="muted">#${s.id}</span></td>
              ${serviceCell(cellFor(viewer, s))}
              <td>${s.score_cap ?? ''}</td>
              <td>
                ${
                  s.administratively_down === 1
                    ? html`<form class="inline" method="post" action="/admin/services/${s.id}/up">
                        ${csrfField(csrf)}<button type="submit">Back up</button>
                      </form>`
                    : html`<form class="inline" method="post" action="/admin/services/${s.id}/down">
                        ${csrfField(csrf)}<input
                          name="reason"
                          placeholder="reason"
                          aria-label="reason"
                          required
                        /><button type="submit">Take down</button>
                      </form>`
                }
                <form class="inline" method="post" action="/admin/services/${s.id}/cap">
                  ${csrfField(csrf)}<input
                    name="cap"
                    type="number"
                    min="0"
                    step="1"
                    aria-label="score cap"
                    required
                  /><button type="submit">Cap</button>
                </form>
                ${s.score_cap !== null ? html`<form class="inline" method="post" action="/admin/services/${s.id}/uncap">${csrfField(csrf)}<button type="submit">Clear cap</button></form>` : ''}
              </td>
            </tr> `,
        )}
      </tbody>
    </table>

    <h2>Password change request</h2>
    <form class="stack" method="post" action="/admin/pcr">
      ${csrfField(csrf)}
      <label
        >Team
        <select name="team" required>
          ${data.teams.map((t) => html`<option value="${t.number}">${t.name}</option>`)}
        </select></label
      >
      <label
        >Where
        <select name="source">
          <option value="pool">credential pool</option>
          <option value="info">team info entry</option>
        </select></label
      >
      <label>Pool or info key <input name="key" required /></label>
      <label>User <input name="username" required autocomplete="off" /></label>
      <label
        >New password <input name="password" type="password" required autocomplete="new-password"
      /></label>
      <button type="submit">Record the change</button>
    </form>

    <h2>External score</h2>
    ${
      external.length === 0
        ? html`<p class="muted">No external service (external: true) in this competition.</p>`
        : html`<form class="stack" method="post" action="/admin/external">
            ${csrfField(csrf)}
            <label
              >Service
              <select name="service">
                ${external.map((s) => html`<option value="${s.id}">${s.team_name} / ${s.name}</option>`)}
              </select></label
            >
            <label>Score <input name="score" type="number" min="0" step="1" required /></label>
            <label><input name="up" type="checkbox" value="1" checked /> up</label>
            <label>Error (shown to the team) <input name="error" /></label>
            <button type="submit">Record the score</button>
          </form>`
    }

    <h2>Control log</h2>
    ${
      data.controls.length === 0
        ? html`<p class="muted">No control yet.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>When (UTC)</th>
                <th>Team</th>
                <th>Service</th>
                <th>Action</th>
                <th>Value</th>
                <th>Reason</th>
                <th>By</th>
              </tr>
            </thead>
            <tbody>
              ${data.controls.map(
                (l) =>
                  html`<tr>
                    <td>${dateTime(l.created_at)}</td>
                    <td>${l.team}</td>
                    <td>${l.service}</td>
                    <td>${l.action}</td>
                    <td>${l.value ?? ''}</td>
                    <td>${l.reason ?? ''}</td>
                    <td>${l.actor}</td>
                  </tr> `,
              )}
            </tbody>
          </table>`
    }

    <h2>Password changes</h2>
    ${
      data.passwordChanges.length === 0
        ? html`<p class="muted">No password change yet.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>When (UTC)</th>
                <th>Team</th>
                <th>Where</th>
                <th>Key</th>
                <th>User</th>
                <th>By</th>
              </tr>
            </thead>
            <tbody>
              ${data.passwordChanges.map(
                (p) =>
                  html`<tr>
                    <td>${dateTime(p.created_at)}</td>
                    <td>${p.team}</td>
                    <td>${p.source}</td>
                    <td>${p.key}</td>
                    <td>${p.username}</td>
                    <td>${p.actor}</td>
                  </tr> `,
              )}
            </tbody>
          </table>`
    }`
}

/** The admin details (ServiceErrors) of the latest failed checks. */
export function serviceErrorsPage(errors: readonly ServiceErrorRow[], team: number | null): Html {
  return html`<h1>Service errors${team !== null ? html` of team ${team}` : ''}</h1>
    ${
      errors.length === 0
        ? html`<p class="muted">No service error recorded.</p>`
        : html`<table class="service-errors">
            <thead>
              <tr>
                <th>When (UTC)</th>
                <th>Round</th>
                <th>Team</th>
                <th>Service</th>
                <th>Message</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              ${errors.map(
                (e) =>
                  html`<tr>
                    <td>${dateTime(e.created_at)}</td>
                    <td>
                      ${e.round_id === null ? 'external' : html`<a href="/rounds/${e.round_id}">${e.round_id}</a>`}
                    </td>
                    <td><a href="/admin/errors?team=${e.team}">${e.team}</a></td>
                    <td>${e.service}</td>
                    <td><span class="error-text">${e.stage ? `${e.stage}: ` : ''}${e.error ?? ''}</span></td>
                    <td><pre class="detail">${e.detail}</pre></td>
                  </tr> `,
              )}
            </tbody>
          </table>`
    }`
}
