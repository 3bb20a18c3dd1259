/**
 * `new Date(ms).toISOString()`, for the round write: 1500 calls cost 1.2-1.5 ms here, ~15% of
 * writing a round, while the checks of a round end within a few seconds of each other. The text
 * up to the seconds is kept for the last second seen; the milliseconds are appended.
 */
let cachedSecond = Number.NaN
let cachedPrefix = ''

export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000)
  if (second !== cachedSecond) {
    const text = new Date(second * 1000).toISOString()
    // Years 0 to 9999 print as YYYY-MM-DDTHH:MM:SS.000Z; others (+/-YYYYYY) are left to Date.
    if (text.length !== 24) return new Date(ms).toISOString()
    cachedSecond = second
    cachedPrefix = text.slice(0, 20)
  }
  const milli = ms - second * 1000
  return `${cachedPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`
}
