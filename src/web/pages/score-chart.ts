/**
 * The score-over-rounds chart: an inline SVG drawn on the server (no script, no library). It
 * shows the leading teams (and the viewer's own), each line thinned to at most MAX_POINTS points.
 */
import type { ScoreSeries } from '../score-history.ts'
import { html, points, type Html } from './html.ts'

const WIDTH = 800
const HEIGHT = 280
const PAD = { left: 56, right: 12, top: 12, bottom: 28 }
const MAX_POINTS = 200
const MAX_LINES = 10
export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
  '#000000',
]

export interface ChartTeam {
  number: number
  name: string
}

/** `teams` in the order they are drawn (leaders first); `series` from ScoreHistory. */
export function scoreChart(series: ScoreSeries, teams: readonly ChartTeam[]): Html {
  const n = series.rounds.length
  if (n === 0) return html`<p class="muted">No round recorded yet.</p>`
  const lines = teams.slice(0, MAX_LINES + 1).filter((t) => series.cumulative.has(t.number))
  const indexes = sampleIndexes(n)
  let max = 0
  for (const t of lines)
    for (const i of indexes) max = Math.max(max, series.cumulative.get(t.number)![i] ?? 0)
  max = max <= 0 ? 1 : max
  const x = (i: number) => PAD.left + (n === 1 ? 0 : (i / (n - 1)) * (WIDTH - PAD.left - PAD.right))
  const y = (v: number) => HEIGHT - PAD.bottom - (Math.max(0, v) / max) * (HEIGHT - PAD.top - PAD.bottom)
  const polyline = (t: ChartTeam, colour: string) => {
    const values = series.cumulative.get(t.number)!
    const pts = indexes.map((i) => `${x(i).toFixed(1)},${y(values[i] ?? 0).toFixed(1)}`).join(' ')
    return html`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts}"
      ><title>${t.name}</title></polyline
    >`
  }
  const first = series.rounds[0]!
  const last = series.rounds[n - 1]!
  return html`<svg
      class="chart"
      viewBox="0 0 ${WIDTH} ${HEIGHT}"
      width="${WIDTH}"
      height="${HEIGHT}"
      role="img"
      aria-label="Score over rounds"
    >
      <line
        x1="${PAD.left}"
        y1="${HEIGHT - PAD.bottom}"
        x2="${WIDTH - PAD.right}"
        y2="${HEIGHT - PAD.bottom}"
        stroke="#999"
      />
      <line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${HEIGHT - PAD.bottom}" stroke="#999" />
      <text x="${PAD.left - 4}" y="${PAD.top + 8}" text-anchor="end">${points(max)}</text>
      <text x="${PAD.left - 4}" y="${HEIGHT - PAD.bottom}" text-anchor="end">0</text>
      <text x="${PAD.left}" y="${HEIGHT - 8}">round ${first}</text>
      <text x="${WIDTH - PAD.right}" y="${HEIGHT - 8}" text-anchor="end">round ${last}</text>
      ${lines.map((t, i) => polyline(t, PALETTE[i % PALETTE.length]!))}
    </svg>
    <ul class="legend">
      ${lines.map(
        (t, i) =>
          html`<li>
            <svg class="swatch" viewBox="0 0 10 10" width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" fill="${PALETTE[i % PALETTE.length]!}" /></svg
            >${t.name}
          </li>`,
      )}
    </ul>`
}

/** At most MAX_POINTS indexes spread over 0..n-1, the last one always in. */
function sampleIndexes(n: number): number[] {
  if (n <= MAX_POINTS) return Array.from({ length: n }, (_, i) => i)
  const step = (n - 1) / (MAX_POINTS - 1)
  return Array.from({ length: MAX_POINTS }, (_, i) => Math.round(i * step))
}
