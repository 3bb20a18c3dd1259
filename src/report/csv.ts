/** CSV fields (RFC 4180) for exports that end up in spreadsheets. */

/**
 * One field: quoted when it holds a comma, a quote or a line break, quotes doubled; null is an
 * empty field.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return ''
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/**
 * A field of text that came from a team's (or the red team's) server: a spreadsheet would run a
 * cell starting with `=`, `+`, `-` or `@` as a formula, so such text gets a leading `'`, the
 * usual guard (it shows as text, and the message is still readable).
 */
export function csvHostileText(text: string | null): string {
  if (text === null) return ''
  return csvField(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text)
}

/** A CSV line of fields. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.join(',')}\n`
}
