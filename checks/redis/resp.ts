/**
 * A small RESP2 client over a connected socket for the `redis` check: commands out, one reply at
 * a time in. Whatever the server sends, a reply line is read up to 64 KiB and a bulk string up to
 * `maxValue` bytes, whatever length it declares: the rest is never read nor allocated.
 */
import type { Socket } from 'node:net'

export const MAX_LINE_BYTES = 64 * 1024

/** One reply; a bulk string may be cut at `maxValue` bytes (`truncated`), and is null for `$-1`. */
export type Reply =
  | { kind: 'simple'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'integer'; value: number }
  | { kind: 'bulk'; value: Buffer | null; length: number; truncated: boolean }
  | { kind: 'array' }

/** A command as RESP: an array of bulk strings. */
export function encodeCommand(args: string[]): Buffer {
  const parts = [Buffer.from(`*${args.length}\r\n`)]
  for (const arg of args) {
    const bytes = Buffer.from(arg, 'utf8')
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

export class RespConnection {
  private buffer = Buffer.alloc(0)
  private ended = false
  private failure: Error | undefined
  private wake: (() => void) | undefined
  /** Set once a reply was not read to its end: what follows cannot be parsed. */
  private lost = false
  private readonly socket: Socket
  private readonly signal: AbortSignal
  private readonly maxValue: number

  constructor(socket: Socket, signal: AbortSignal, maxValue: number) {
    this.socket = socket
    this.signal = signal
    this.maxValue = maxValue
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk])
      // Never hold more than one capped reply: reading waits until the parser asks again.
      if (this.buffer.length > this.limit) socket.pause()
      this.wake?.()
    })
    const end = () => {
      this.ended = true
      this.wake?.()
    }
    socket.once('end', end)
    socket.once('close', end)
    socket.on('error', (err: Error) => {
      this.failure ??= err
      end()
    })
  }

  private get limit(): number {
    return MAX_LINE_BYTES + this.maxValue + 4
  }

  /** Sends `args` and reads the reply. */
  async command(args: string[]): Promise<Reply> {
    if (this.lost) throw new Error('the previous reply was not read to its end')
    this.socket.write(encodeCommand(args))
    return this.reply()
  }

  private async reply(): Promise<Reply> {
    for (;;) {
      if (this.signal.aborted) throw this.signal.reason as Error
      const parsed = this.parse()
      if (parsed !== undefined) return parsed
      if (this.buffer.length > this.limit) {
        throw new Error(`the server's reply does not end within ${this.limit} bytes`)
      }
      if (this.ended) {
        if (this.failure) throw this.failure
        throw new Error(
          this.buffer.length === 0
            ? 'the server closed the connection'
            : 'the server closed the connection in the middle of a reply',
        )
      }
      await this.more()
    }
  }

  /** Waits for more data, the end of the connection, or the abort. */
  private more(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => done(() => reject(this.signal.reason as Error))
      const done = (then: () => void) => {
        this.wake = undefined
        this.signal.removeEventListener('abort', onAbort)
        then()
      }
      this.wake = () => done(resolve)
      this.signal.addEventListener('abort', onAbort, { once: true })
      this.socket.resume()
    })
  }

  /** The first reply in the buffer, or undefined when more bytes are needed. */
  private parse(): Reply | undefined {
    const buffer = this.buffer
    if (buffer.length === 0) return undefined
    const type = String.fromCharCode(buffer[0] ?? 0)
    if (!'+-:$*'.includes(type)) {
      throw new Error(`the server does not speak Redis (RESP): it sent ${quoteBytes(buffer)}`)
    }
    const eol = buffer.indexOf('\r\n')
    if (eol === -1 || eol > MAX_LINE_BYTES) {
      if (eol === -1 && buffer.length <= MAX_LINE_BYTES) return undefined
      throw new Error(`the server sent a reply line longer than ${MAX_LINE_BYTES / 1024} KiB`)
    }
    const line = buffer.subarray(1, eol).toString('utf8')
    const consume = (n: number) => {
      this.buffer = buffer.subarray(n)
    }
    switch (type) {
      case '+':
        consume(eol + 2)
        return { kind: 'simple', text: line }
      case '-':
        consume(eol + 2)
        return { kind: 'error', text: line }
      case ':':
        consume(eol + 2)
        return { kind: 'integer', value: Number(line) }
      case '*':
        this.lost = true
        return { kind: 'array' }
      default:
        return this.bulk(line, eol + 2, consume)
    }
  }

  private bulk(header: string, start: number, consume: (n: number) => void): Reply | undefined {
    if (!/^(-1|\d{1,16})$/.test(header) || !Number.isSafeInteger(Number(header))) {
      throw new Error(`the server sent a bulk string of invalid length ${JSON.stringify(header)}`)
    }
    const length = Number(header)
    if (length === -1) {
      consume(start)
      return { kind: 'bulk', value: null, length: -1, truncated: false }
    }
    const truncated = length > this.maxValue
    const wanted = truncated ? this.maxValue : length + 2
    if (this.buffer.length < start + wanted) return undefined
    const value = Buffer.from(this.buffer.subarray(start, start + Math.min(length, this.maxValue)))
    if (truncated) this.lost = true
    else consume(start + wanted)
    return { kind: 'bulk', value, length, truncated }
  }
}

function quoteBytes(buffer: Buffer): string {
  return JSON.stringify(buffer.subarray(0, 40).toString('latin1'))
}
