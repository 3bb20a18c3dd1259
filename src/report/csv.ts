/**
 * CSV (RFC 4180) both ways: records written with the fields that need it quoted, and a reader
 * for the small files organisers write by hand (a header line, quoted fields, CRLF or LF).
 */

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

/** One CSV line. */
export function csvRecord(fields: readonly (string | number | null)[]): string {
  return fields.map(csvField).join(',')
}

/** A record read from a file, with the line it starts on (1-based) for messages. */
export interface CsvRow {
  line: number
  fields: string[]
}

/** A problem that makes a file unreadable as CSV, at `line`. */
export class CsvSyntaxError extends Error {
  readonly line: number
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`)
    this.line = line
  }
}

/**
 * The records of `text`; blank lines are skipped and a leading byte order mark is ignored.
 *
 * @throws CsvSyntaxError on a quote left open or text after a closing quote.
 */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = []
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text
  let line = 1
  let i = 0
  while (i < input.length) {
    const start = line
    const fields: string[] = []
    let field = ''
    let quotedField = false
    for (;;) {
      const ch = input[i]
      if (ch === '"' && field === '' && !quotedField) {
        quotedField = true
        i++
        for (;;) {
          if (i >= input.length) throw new CsvSyntaxError(start, 'a quoted field is not closed')
          const c = input[i]!
          if (c === '"') {
            if (input[i + 1] === '"') {
              field += '"'
              i += 2
              continue
            }
            i++
            break
          }
          if (c === '\n') line++
          field += c
          i++
        }
        const next = input[i]
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r')
          throw new CsvSyntaxError(line, 'text after a closing quote (a quote inside a field is written "")')
        continue
      }
      if (ch === undefined || ch === '\n' || ch === '\r') {
        fields.push(field)
        if (ch === '\r' && input[i + 1] === '\n') i += 2
        else if (ch !== undefined) i++
        line++
        break
      }
      if (ch === ',') {
        fields.push(field)
        field = ''
        quotedField = false
        i++
        continue
      }
      field += ch
      i++
    }
    if (!(fields.length === 1 && fields[0] === '' && !quotedField)) rows.push({ line: start, fields })
  }
  return rows
}

/** A CSV line of fields. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.join(',')}\n`
}
