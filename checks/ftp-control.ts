/**
 * The control connection of the `ftp` and `ftps` checks: handing basic-ftp a socket made by the
 * check, watching what the server sends on it, tying everything to the check's signal, and
 * basic-ftp's errors in words a blue team understands.
 */
import { Socket } from 'node:net'
import { TLSSocket } from 'node:tls'
import type { FTPContext, FTPResponse } from 'basic-ftp'
import { excerpt, failureOf } from '../src/check-options.ts'
import { CheckFailure, type Stage } from '../src/sdk.ts'
import { tlsClientOptions, type TlsSettings } from './socket.ts'

/** Control-connection bytes a whole session may receive: a real one gets a few KiB. */
export const MAX_CONTROL_BYTES = 256 * 1024

/**
 * Watches the control connection: the server must talk FTP from its first bytes, and a whole
 * session may not receive more than `MAX_CONTROL_BYTES` (basic-ftp drops lines that are not
 * replies, so a flood without line breaks would otherwise last until the timeout).
 */
export class ControlWatch {
  /** The failure it ended the session with, when it knows the stage. */
  failure: CheckFailure | undefined
  #stopped = false
  /** Whether the first bytes have been seen (they must start an FTP reply). */
  #greeted = false
  #received = 0
  #head = ''
  readonly #ftp: FTPContext

  constructor(ftp: FTPContext) {
    this.#ftp = ftp
  }

  attach(socket: Socket): void {
    socket.on('data', (chunk: string | Buffer) => {
      if (this.#stopped) return
      this.#received += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length
      if (!this.#greeted) {
        this.#head = `${this.#head}${chunk.toString().slice(0, 120)}`.trimStart()
        if (this.#head.length >= 4) {
          this.#greeted = true
          if (!/^\d{3}[ -]/.test(this.#head)) {
            this.failure = new CheckFailure(
              'connect',
              `not an FTP server: it sent ${excerpt(this.#head, 60)}`,
            )
            return this.stop(this.failure)
          }
        }
      }
      if (this.#received > MAX_CONTROL_BYTES) {
        this.stop(
          new Error(`the server sent more than ${MAX_CONTROL_BYTES / 1024} KiB on the control connection`),
        )
      }
    })
  }

  private stop(error: Error): void {
    this.#stopped = true
    this.#ftp.closeWithError(error)
  }
}

/** Makes `socket` the control connection, with the TLS settings data connections reuse. */
export function useControlSocket(ftp: FTPContext, socket: Socket, tls: TlsSettings): void {
  const previous = ftp.socket
  ftp.socket = socket
  // basic-ftp drops every listener of a socket it upgrades, ours included: errors stay handled.
  if (previous !== socket) previous.on('error', () => undefined)
  if (socket instanceof TLSSocket) ftp.tlsOptions = { ...tlsClientOptions(tls), host: tls.name }
}

/** The server's greeting: a 2xx reply; another fails stage `connect`. */
export function greeting(ftp: FTPContext): Promise<FTPResponse> {
  return ftp.handle(undefined, (res, task) => {
    if (res instanceof Error) task.reject(res)
    else if (res.code >= 200 && res.code < 300) task.resolve(res)
    else {
      const said = excerpt(res.message.trim())
      task.reject(new CheckFailure('connect', `the server refused the connection: ${said}`))
    }
  }) as Promise<FTPResponse>
}

/**
 * Whether `err` is basic-ftp's FTPError, an error reply of the server: the only error basic-ftp
 * makes with a numeric `code` (the reply code; socket errors have names such as `ECONNRESET`).
 * Told by its code rather than its class, so that basic-ftp is loaded only when a check runs.
 */
export function isFtpReply(err: unknown): err is Error & { code: number } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number'
}

/** Awaits `work`; an FTP error reply becomes a failure at `stage` worded by `describe`. */
export async function replyOf<T>(
  work: Promise<T>,
  stage: Stage,
  describe: (said: string, code: number) => string,
): Promise<T> {
  try {
    return await work
  } catch (err) {
    if (isFtpReply(err)) {
      throw new CheckFailure(stage, describe(excerpt(err.message.trim()), err.code), { cause: err })
    }
    throw err
  }
}

/** A new TCP socket destroyed when `signal` aborts. */
export function socketBoundTo(signal: AbortSignal): Socket {
  const socket = new Socket()
  const destroy = () => socket.destroy()
  signal.addEventListener('abort', destroy, { once: true })
  socket.once('close', () => signal.removeEventListener('abort', destroy))
  return socket
}

/** `work`, or the abort reason as soon as `signal` aborts. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** basic-ftp's errors in words a blue team understands. */
export function ftpFailure(err: unknown, stage: Stage): CheckFailure {
  if (err instanceof CheckFailure) return err
  if (isFtpReply(err)) {
    return new CheckFailure(stage, `the server answered ${excerpt(err.message.trim())}`, { cause: err })
  }
  if (!(err instanceof Error)) return failureOf(err, stage)
  const text = (/^Client is closed because (.*)$/s.exec(err.message)?.[1] ?? err.message).replace(
    / \((control|data) socket\)/g,
    '',
  )
  const passive = /None of the available transfer strategies work\. Last error response was '(.*)'\.?$/s.exec(
    text,
  )
  let message: string | undefined
  if (passive) {
    const why = (passive[1] ?? '')
      .replace(/^\w*Error: /, '')
      .replace(/^Can't open data connection in passive mode: /, '')
    message = `could not open a passive data connection: ${why}`
  } else if (
    /Server sent FIN packet|Server closed connection unexpectedly|closed due to transmission error/.test(text)
  ) {
    message = 'the server closed the connection'
  } else if (/^Timeout/.test(text)) {
    message = 'the server stopped answering'
  } else if (/control response exceeded maximum allowed size/.test(text)) {
    message = 'the server sent a reply longer than 64 KiB'
  }
  const plain = failureOf(err, stage)
  if (message === undefined && plain.message !== err.message) return plain
  return new CheckFailure(plain.stage, message ?? text, { cause: err, debug: err.stack })
}
