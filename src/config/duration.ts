/**
 * Durations as competition.yaml writes them: `10s`, `2m`, `500ms`, `1h`, combinations in
 * decreasing order (`1m30s`, `1h5m`), decimals (`1.5s`), or a bare number of seconds (`10`,
 * `"10"`, `2.5`).
 */

const NUMBER = String.raw`(\d+(?:\.\d+)?)`
const WITH_UNITS = new RegExp(`^(?:${NUMBER}h)?(?:${NUMBER}m(?!s))?(?:${NUMBER}s)?(?:${NUMBER}ms)?$`)
const BARE_SECONDS = new RegExp(`^${NUMBER}$`)
const UNIT_MS = [3_600_000, 60_000, 1000, 1] as const

/** How to write a duration, for error messages. */
export const DURATION_HINT = 'use e.g. 10s, 2m, 500ms, 1m30s, or a number of seconds'

/**
 * The duration in whole milliseconds, or null when `value` is not a duration (negative numbers,
 * unknown units, units out of order, empty text).
 *
 * @example
 * parseDuration('1m30s') // 90000
 * parseDuration(10) // 10000
 * parseDuration('10 parsecs') // null
 */
export function parseDuration(value: string | number): number | null {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : null
  }
  const text = value.trim()
  const bare = BARE_SECONDS.exec(text)
  if (bare) return Math.round(Number(bare[1]) * 1000)
  const parts = WITH_UNITS.exec(text)
  if (!parts || text === '') return null
  let ms = 0
  UNIT_MS.forEach((unit, i) => {
    const amount = parts[i + 1]
    if (amount !== undefined) ms += Number(amount) * unit
  })
  return Math.round(ms)
}

/**
 * A duration for people: `90000` -> `1m30s`, `500` -> `500ms`.
 *
 * @example
 * formatDuration(120_000) // '2m'
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s'
  const out: string[] = []
  let rest = Math.round(ms)
  for (const [unit, name] of [
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
    [1, 'ms'],
  ] as const) {
    const amount = Math.floor(rest / unit)
    if (amount > 0) out.push(`${amount}${name}`)
    rest -= amount * unit
  }
  return out.join('')
}
