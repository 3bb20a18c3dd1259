/**
 * A socket to hand a client library that parses a hostile server's replies in long synchronous
 * runs (imapflow parses a whole 64 KiB read, thousands of lines, in one go of promise callbacks).
 * It passes the data on in slices of at most 4 KiB, one per turn of the event loop, so that the
 * check's timeout and the other checks of the worker get their turn while a server floods, and it
 * ends the session with an error once the server has sent more than `maxBytes` in all.
 */
import type { Socket } from 'node:net'
import { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'

const SLICE_BYTES = 4096

export interface PacedSocketOptions {
  /** The most the server may send over this socket. */
  maxBytes: number
  /** The error the session ends with when the server sends more. */
  tooMuch: () => Error
  /** Called once, when the first line end has been handed on (the server's greeting). */
  onFirstLine?: () => void
}

export class PacedSocket extends Duplex {
  readonly #raw: Socket
  readonly #options: PacedSocketOptions
  readonly #pending: Buffer[] = []
  #received = 0
  #scheduled = false
  #rawEnded = false
  #released = false
  #firstLineSeen = false

  readonly #onData = (chunk: Buffer) => {
    this.#received += chunk.length
    if (this.#received > this.#options.maxBytes) {
      this.destroy(this.#options.tooMuch())
      return
    }
    this.#pending.push(chunk)
    this.#raw.pause()
    this.#schedule()
  }
  readonly #onEnd = () => {
    this.#rawEnded = true
    this.#schedule()
  }
  readonly #onClose = () => {
    if (!this.#rawEnded) this.destroy()
  }
  readonly #onError = (err: Error) => this.destroy(err)
  readonly #onTimeout = () => this.emit('timeout')

  constructor(raw: Socket, options: PacedSocketOptions) {
    super({ allowHalfOpen: false })
    this.#raw = raw
    this.#options = options
    raw.on('data', this.#onData)
    raw.on('end', this.#onEnd)
    raw.on('close', this.#onClose)
    raw.on('error', this.#onError)
    raw.on('timeout', this.#onTimeout)
  }

  /** Stops reading and hands back the socket underneath (for a TLS handshake); unread data is dropped. */
  release(): Socket {
    this.#released = true
    this.#raw.off('data', this.#onData)
    this.#raw.off('end', this.#onEnd)
    this.#raw.off('close', this.#onClose)
    this.#raw.off('error', this.#onError)
    this.#raw.off('timeout', this.#onTimeout)
    this.#raw.pause()
    this.#pending.length = 0
    return this.#raw
  }

  override _read(): void {
    this.#schedule()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.#released) return callback(new Error('the socket was handed over'))
    this.#raw.write(chunk, (err) => callback(err ?? null))
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (!this.#released) this.#raw.end()
    callback()
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.#released) this.#raw.destroy()
    callback(err)
  }

  setTimeout(ms: number): this {
    this.#raw.setTimeout(ms)
    return this
  }

  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.#raw.setKeepAlive(enable, initialDelay)
    return this
  }

  get remoteAddress(): string | undefined {
    return this.#raw.remoteAddress
  }
  get remotePort(): number | undefined {
    return this.#raw.remotePort
  }
  get localAddress(): string | undefined {
    return this.#raw.localAddress
  }
  get localPort(): number | undefined {
    return this.#raw.localPort
  }
  get authorized(): boolean | undefined {
    return (this.#raw as Partial<TLSSocket>).authorized
  }

  getCipher(): ReturnType<TLSSocket['getCipher']> | null {
    const raw = this.#raw as Partial<TLSSocket>
    return typeof raw.getCipher === 'function' ? raw.getCipher.call(this.#raw) : null
  }

  #schedule(): void {
    if (this.#scheduled || this.destroyed || this.#released) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#pump()
    })
  }

  /** Hands on one slice; schedules the next while the reader wants more. */
  #pump(): void {
    if (this.destroyed || this.#released) return
    const chunk = this.#pending.shift()
    if (chunk === undefined) {
      if (this.#rawEnded) this.push(null)
      else this.#raw.resume()
      return
    }
    const slice = chunk.subarray(0, SLICE_BYTES)
    if (chunk.length > SLICE_BYTES) this.#pending.unshift(chunk.subarray(SLICE_BYTES))
    if (!this.#firstLineSeen && slice.includes(0x0a)) {
      this.#firstLineSeen = true
      this.#options.onFirstLine?.()
    }
    if (this.push(slice)) this.#schedule()
  }
}
