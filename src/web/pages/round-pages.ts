import type { RoundRow, ScoreRow } from '../../../db/web-queries.ts'
import { html, dateTime, type Html } from './html.ts'

function duration(r: RoundRow): string {
  if (r.finished_at === null) return ''
  return `${((Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000).toFixed(1)} s`
}

export function roundListPage(rounds: readonly RoundRow[]): Html {
  return html`<h1>Rounds</h1>
    ${
      rounds.length === 0
        ? html`<p class="muted">No round recorded yet.</p>`
        : html`<table>
            <thead>
              <tr>
                <th class="num">Round</th>
                <th>Started (UTC)</th>
                <th class="num">Duration</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              ${rounds.map(
                (r) =>
                  html`<tr>
                    <td class="num"><a href="/rounds/${r.id}">${r.id}</a></td>
                    <td>${dateTime(r.started_at)}</td>
                    <td class="num">${duration(r)}</td>
                    <td>${r.status}</td>
                  </tr> `,
              )}
            </tbody>
          </table>`
    }`
}

/** One score as the viewer may see it (error and stage already blanked where hidden). */
export interface VisibleScore extends ScoreRow {
  team_name: string
}

export function roundPage(round: RoundRow, scores: readonly VisibleScore[]): Html {
  const up = scores.filter((s) => s.up === 1).length
  return html`<h1>Round ${round.id}</h1>
    <p>
      ${round.status}, started ${dateTime(round.started_at)}
      UTC${round.finished_at ? html`, ${duration(round)}` : ''}; ${up}/${scores.length} services up.
    </p>
    <table>
      <thead>
        <tr>
          <th>Team</th>
          <th>Service</th>
          <th>State</th>
          <th class="num">Score</th>
          <th class="num">Raw</th>
          <th>Stage</th>
          <th>Error</th>
          <th class="num">Time</th>
        </tr>
      </thead>
      <tbody>
        ${scores.map(
          (s) =>
            html`<tr>
              <td><a href="/teams/${s.team}">${s.team_name}</a></td>
              <td>${s.service}</td>
              <td class="${s.up === 1 ? 'up-text' : 'down-text'}">${s.up === 1 ? 'up' : 'down'}</td>
              <td class="num">${s.score}</td>
              <td class="num">${s.raw_score}</td>
              <td>${s.stage ?? ''}</td>
              <td><span class="error-text">${s.error ?? ''}</span></td>
              <td class="num">${s.duration_ms === null ? '' : `${s.duration_ms} ms`}</td>
            </tr> `,
        )}
      </tbody>
    </table>`
}
