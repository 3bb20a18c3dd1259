/** "Did you mean" for misspelt keys, check types and names. */

/** Edit distance between two strings (insertions, deletions, substitutions, swaps of neighbours). */
export function editDistance(a: string, b: string): number {
  const width = b.length + 1
  const d = new Uint32Array((a.length + 1) * width)
  const at = (i: number, j: number): number => d[i * width + j] ?? 0
  for (let i = 0; i <= a.length; i++) d[i * width] = i
  for (let j = 0; j <= b.length; j++) d[j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1)
      }
      d[i * width + j] = best
    }
  }
  return at(a.length, b.length)
}

/**
 * The candidate closest to `word`, when it is close enough to be a typo: at most one edit for
 * short words, about a third of the letters for longer ones, or a shortening of it (`user` for
 * `username`); case and `-`/`_` do not count.
 *
 * @example
 * nearest('hots', ['host', 'port']) // 'host'
 * nearest('colour', ['host', 'port']) // undefined
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const norm = (s: string) => s.toLowerCase().replaceAll('-', '_')
  const w = norm(word)
  const limit = Math.max(1, Math.floor(w.length / 3))
  let best: { candidate: string; distance: number } | undefined
  for (const candidate of candidates) {
    const c = norm(candidate)
    const shortened = w.length >= 3 && c.startsWith(w) ? 1 : Number.POSITIVE_INFINITY
    const distance = Math.min(editDistance(w, c), shortened)
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance }
  }
  return best?.candidate
}

/** ` (did you mean "host"?)`, or nothing when no candidate is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const best = nearest(word, candidates)
  return best === undefined ? '' : ` (did you mean "${best}"?)`
}
