/** A strict RFC 4180 reader for the tests of CSV output: throws on a malformed field. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let i = 0
  while (i < text.length) {
    let field = ''
    if (text[i] === '"') {
      i++
      for (;;) {
        const quote = text.indexOf('"', i)
        if (quote < 0) throw new Error(`unterminated quoted field at ${i}`)
        field += text.slice(i, quote)
        i = quote + 1
        if (text[i] === '"') {
          field += '"'
          i++
        } else break
      }
    } else {
      const end = text.slice(i).search(/[,\n]/)
      field = end < 0 ? text.slice(i) : text.slice(i, i + end)
      if (field.includes('"')) throw new Error(`a quote inside an unquoted field: ${field}`)
      i = end < 0 ? text.length : i + end
    }
    row.push(field)
    if (text[i] === ',') i++
    else if (text[i] === '\n' || i >= text.length) {
      rows.push(row)
      row = []
      i++
    } else throw new Error(`unexpected ${JSON.stringify(text[i])} after a field at ${i}`)
  }
  return rows
}
