import { closeSync, openSync, writeSync } from 'node:fs'

/**
 * The scan log: standard `log()` lines to stderr and appended to `scan.log` beside the database.
 * Lines are gathered and written once per turn of the event loop, not one system call each.
 */
export class ScanLog {
  readonly #fd: number | null
  readonly #toStderr: boolean
  #pending: string[] = []

  constructor(file: string | null, options: { stderr?: boolean } = {}) {
    this.#fd = file === null ? null : openSync(file, 'a', 0o600)
    this.#toStderr = options.stderr ?? true
  }

  readonly write = (line: string): void => {
    if (this.#pending.length === 0) setImmediate(() => this.flush())
    this.#pending.push(`${new Date().toISOString()} ${line}\n`)
  }

  flush(): void {
    if (this.#pending.length === 0) return
    const text = this.#pending.join('')
    this.#pending = []
    if (this.#fd !== null) writeSync(this.#fd, text)
    if (this.#toStderr) process.stderr.write(text)
  }

  close(): void {
    this.flush()
    if (this.#fd !== null) closeSync(this.#fd)
  }
}
