/**
 * The pages are written with Hono's `html` tagged template: every value put in the template is
 * escaped (`& < > " '`), so text from the database (error messages written by hostile servers)
 * is always shown as text. Templates nest; nothing here ever marks data as raw HTML.
 *
 * (Hono's JSX would escape the same way, but Node runs the sources with type stripping, which
 * does not read .tsx files: `node src/cli.ts serve` would not start.)
 */
import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'

export { html }

/** A piece of a page. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>

/** `HH:MM:SS` (UTC) of an ISO time, as the live script writes it too. */
export function clock(iso: string | null): string {
  return iso === null ? '' : iso.slice(11, 19)
}

/** `YYYY-MM-DD HH:MM:SS` (UTC) of an ISO time. */
export function dateTime(iso: string | null): string {
  return iso === null ? '' : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
}

/** Points shown without binary noise (totals are sums of REAL penalties). */
export function points(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1)
}

export function percent(part: number, whole: number): string {
  return whole === 0 ? '' : `${((100 * part) / whole).toFixed(1)}%`
}
