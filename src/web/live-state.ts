/**
 * The latest state of every service, shared by the pages and the live updates. It re-reads the
 * state only when another connection committed (SQLite's data_version), and only polls while
 * some page listens: with no browser open, `scanner serve` reads nothing.
 */
import type { ServiceStateRow, WebQueries } from '../../db/web-queries.ts'

export type ChangeListener = (changed: readonly ServiceStateRow[]) => void

export interface Snapshot {
  /** Increases each time some service's state changes; a page carries it to its live script. */
  generation: number
  rows: readonly ServiceStateRow[]
}

export class LiveState {
  readonly #queries: WebQueries
  readonly #intervalMs: number
  readonly #listeners = new Set<ChangeListener>()
  #timer: NodeJS.Timeout | null = null
  #version: number | null = null
  #generation = 0
  #rows: readonly ServiceStateRow[] = []
  #signatures = new Map<number, string>()

  constructor(queries: WebQueries, intervalMs = 500) {
    this.#queries = queries
    this.#intervalMs = intervalMs
  }

  snapshot(): Snapshot {
    this.#refresh()
    return { generation: this.#generation, rows: this.#rows }
  }

  /** Calls `listener` with the services whose state changed, until the returned function is called. */
  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener)
    if (this.#timer === null) {
      this.#timer = setInterval(() => this.#refresh(), this.#intervalMs)
      this.#timer.unref()
    }
    return () => {
      this.#listeners.delete(listener)
      if (this.#listeners.size === 0 && this.#timer !== null) {
        clearInterval(this.#timer)
        this.#timer = null
      }
    }
  }

  get listeners(): number {
    return this.#listeners.size
  }

  close(): void {
    this.#listeners.clear()
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }

  #refresh(): void {
    const version = this.#queries.dataVersion()
    if (version === this.#version) return
    this.#version = version
    const rows = this.#queries.serviceStates()
    const signatures = new Map<number, string>()
    const changed: ServiceStateRow[] = []
    for (const row of rows) {
      const signature = signatureOf(row)
      signatures.set(row.id, signature)
      if (this.#signatures.get(row.id) !== signature) changed.push(row)
    }
    this.#rows = rows
    this.#signatures = signatures
    if (changed.length === 0) return
    this.#generation++
    for (const listener of this.#listeners) listener(changed)
  }
}

function signatureOf(r: ServiceStateRow): string {
  return JSON.stringify([
    r.last_scan,
    r.last_scan_time,
    r.last_scan_error,
    r.in_progress,
    r.administratively_down,
    r.down_reason,
    r.score,
    r.stage,
    r.public_visibility,
    r.blue_visibility,
    r.green_visibility,
    r.red_visibility,
  ])
}
