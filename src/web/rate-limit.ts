/**
 * Counts failed logins per key (a client address, a user name) in a sliding window and says how
 * long a key must wait once it reached the limit.
 */
const MAX_KEYS = 10_000

export class FailureLimiter {
  readonly #failures = new Map<string, number[]>()
  readonly #max: number
  readonly #windowMs: number
  readonly #now: () => number

  constructor(max: number, windowMs: number, now: () => number = Date.now) {
    this.#max = max
    this.#windowMs = windowMs
    this.#now = now
  }

  /** Seconds to wait before the next attempt; 0 when the key may try now. */
  retryAfter(key: string): number {
    const recent = this.#recent(key)
    if (recent.length < this.#max) return 0
    const oldest = recent[recent.length - this.#max] ?? this.#now()
    return Math.max(1, Math.ceil((oldest + this.#windowMs - this.#now()) / 1000))
  }

  fail(key: string): void {
    const recent = this.#recent(key)
    recent.push(this.#now())
    this.#failures.delete(key)
    this.#failures.set(key, recent.slice(-this.#max))
    if (this.#failures.size > MAX_KEYS) {
      const oldest = this.#failures.keys().next().value
      if (oldest !== undefined) this.#failures.delete(oldest)
    }
  }

  reset(key: string): void {
    this.#failures.delete(key)
  }

  #recent(key: string): number[] {
    const since = this.#now() - this.#windowMs
    return (this.#failures.get(key) ?? []).filter((t) => t > since)
  }
}
