/**
 * Exact reads from a socket, for the binary protocols spoken by hand (vnc, smb): `read(n)` waits
 * for exactly `n` bytes. What the server sends ahead is kept, but never more than a bound: past it
 * the socket is paused until the check reads, so a server that floods bytes costs no memory.
 */
import type { Socket } from 'node:net'

/** Bytes kept ahead of what the check asked for before the socket is paused. */
const HIGH_WATER = 256 * 1024

export class StreamReader {
  readonly #socket: Socket
  readonly #signal: AbortSignal
  #buffer: Buffer = Buffer.alloc(0)
  #ended = false
  #wake: (() => void) | undefined

  constructor(socket: Socket, signal: AbortSignal) {
    this.#socket = socket
    this.#signal = signal
    const wake = () => {
      const resume = this.#wake
      this.#wake = undefined
      resume?.()
    }
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
      if (this.#buffer.length >= HIGH_WATER) socket.pause()
      wake()
    })
    const end = () => {
      this.#ended = true
      wake()
    }
    socket.once('end', end)
    socket.once('close', end)
    socket.on('error', end)
    signal.addEventListener('abort', wake, { once: true })
    socket.once('close', () => signal.removeEventListener('abort', wake))
  }

  /**
   * Exactly `n` bytes. Rejects with the abort reason when the check times out, and with an error
   * saying so when the server closes the connection first (`closed` names what was awaited).
   */
  async read(n: number, closed = 'the server closed the connection'): Promise<Buffer> {
    for (;;) {
      if (this.#signal.aborted) throw this.#signal.reason as Error
      if (this.#buffer.length >= n) {
        const out = this.#buffer.subarray(0, n)
        this.#buffer = this.#buffer.subarray(n)
        if (this.#buffer.length < HIGH_WATER && !this.#ended) this.#socket.resume()
        return out
      }
      if (this.#ended) throw new Error(closed)
      this.#socket.resume()
      await new Promise<void>((resolve) => (this.#wake = resolve))
    }
  }

  /** A big-endian unsigned 32-bit number. */
  async uint32(closed?: string): Promise<number> {
    return (await this.read(4, closed)).readUInt32BE(0)
  }

  /** One byte. */
  async uint8(closed?: string): Promise<number> {
    return (await this.read(1, closed)).readUInt8(0)
  }
}
