/**
 * Lines from a socket, for the checks that speak a line-based protocol by hand (smtp, pop3). A
 * line longer than the cap fails at once, and the reader never holds more than a bounded amount of
 * unread data: it stops reading from the socket until the check has taken its lines.
 */
import type { Socket } from 'node:net'
import { failureOf } from '../src/check-options.ts'
import { CheckFailure, type Stage } from '../src/sdk.ts'

/** How much unread data the reader holds at most before it stops reading from the socket. */
const MAX_BUFFERED_BYTES = 64 * 1024

/** Why the server's side failed to give a line; `stage` is left to the caller. */
export class LineError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LineError'
  }
}

export class LineReader {
  readonly #socket: Socket
  readonly #maxLine: number
  #buffer: Buffer = Buffer.alloc(0)
  #ended = false
  #failure: Error | undefined
  #wake: (() => void) | undefined

  readonly #onData = (chunk: Buffer) => {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    if (this.#buffer.length >= MAX_BUFFERED_BYTES) this.#socket.pause()
    this.#notify()
  }
  readonly #onEnd = () => {
    this.#ended = true
    this.#notify()
  }
  readonly #onError = (err: Error) => {
    this.#failure ??= err
    this.#ended = true
    this.#notify()
  }

  /** Reads lines of at most `maxLine` bytes (the line break not counted) from `socket`. */
  constructor(socket: Socket, maxLine: number) {
    this.#socket = socket
    this.#maxLine = maxLine
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('close', this.#onEnd)
    socket.on('error', this.#onError)
    if (socket.destroyed || socket.readableEnded) this.#ended = true
    socket.resume()
  }

  /**
   * The next line, without its line break (`\r\n` or `\n`). Rejects with a `LineError` when the
   * server closes the connection first or sends a longer line, with the abort reason on a timeout.
   */
  async readLine(signal: AbortSignal): Promise<string> {
    for (;;) {
      if (signal.aborted) throw signal.reason as Error
      const end = this.#buffer.indexOf(0x0a)
      if (end > this.#maxLine + 1 || (end < 0 && this.#buffer.length > this.#maxLine + 1)) {
        throw new LineError(`the server sent a line longer than ${this.#maxLine} bytes`)
      }
      if (end >= 0) {
        const line = this.#buffer.subarray(0, end > 0 && this.#buffer[end - 1] === 0x0d ? end - 1 : end)
        this.#buffer = this.#buffer.subarray(end + 1)
        if (this.#buffer.length < MAX_BUFFERED_BYTES && !this.#ended) this.#socket.resume()
        return line.toString('utf8')
      }
      if (this.#ended) {
        const reason = this.#failure ? `: ${this.#failure.message}` : ''
        throw Object.assign(new LineError(`the server closed the connection${reason}`), {
          code: (this.#failure as { code?: unknown } | undefined)?.code,
        })
      }
      await this.#next(signal)
    }
  }

  /** Whether the server sent data that has not been read yet. */
  get pending(): boolean {
    return this.#buffer.length > 0
  }

  /** Stops reading (before a TLS handshake takes the socket over); unread data is dropped. */
  detach(): void {
    this.#socket.off('data', this.#onData)
    this.#socket.off('end', this.#onEnd)
    this.#socket.off('close', this.#onEnd)
    this.#socket.off('error', this.#onError)
    this.#socket.pause()
    this.#buffer = Buffer.alloc(0)
    this.#notify()
  }

  #notify(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  #next(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const onAbort = () => done()
      const done = () => {
        signal.removeEventListener('abort', onAbort)
        this.#wake = undefined
        resolve()
      }
      this.#wake = done
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}

/**
 * A failure of a hand-written dialog in the stage it hit: a reader's own error (closed, oversized
 * or garbled reply) as it says, a network error in plain words.
 */
export function dialogFailure(err: unknown, stage: Stage): CheckFailure {
  if (err instanceof LineError && typeof (err as { code?: unknown }).code !== 'string') {
    return new CheckFailure(stage, err.message, { cause: err })
  }
  return failureOf(err, stage)
}
