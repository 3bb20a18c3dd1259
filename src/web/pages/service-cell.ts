import type { CellState } from '../visible-state.ts'
import { clock, html, type Html } from './html.ts'

/** The class and label of a cell's state (the live script computes the same). */
export function stateOf(c: CellState): [string, string] {
  if (c.administratively_down) return ['admin-down', 'admin down']
  if (c.up === null) return ['unknown', 'not scanned']
  return c.up ? ['up', 'up'] : ['down', 'down']
}

/** What the cell says under its state: the failing stage and message, or the down reason. */
export function errorText(c: CellState): string {
  if (c.error === null) return c.down_reason ?? ''
  return c.stage ? `${c.stage}: ${c.error}` : c.error
}

/**
 * One service's live cell: state, in-progress spinner, last scan time and (when the viewer may
 * read it) the error. `data-service-id` is how the live script finds it.
 */
export function serviceCell(c: CellState, label: Html | string = ''): Html {
  const [cls, text] = stateOf(c)
  return html`<td
    class="cell ${cls}"
    data-service-id="${c.id}"
    data-in-progress="${c.in_progress ? '1' : '0'}"
  >
    ${label}<span class="state">${text}</span
    ><span class="spinner" title="check in progress" ${c.in_progress ? '' : html` hidden`}></span
    ><time class="last-scan" datetime="${c.last_scan_time ?? ''}">${clock(c.last_scan_time)}</time
    ><span class="error">${errorText(c)}</span>
  </td>`
}
