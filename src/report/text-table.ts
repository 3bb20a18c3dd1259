/** Formats rows as a plain text table with aligned columns. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** Cuts a cell to `max` characters on one line. */
export function cell(text: string | null | undefined, max = 60): string {
  const one = (text ?? '').replace(/\s+/g, ' ')
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`
}
