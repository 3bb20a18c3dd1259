/**
 * What the SQL check types (`mysql`, `postgres`, `mssql` and the multi-protocol `database`) share:
 * their options, the cap on what a server may send, the stage bookkeeping of one check, and the
 * match of the first value of the first row.
 *
 * A server is hostile input: every byte it sends is counted on the way into the client library,
 * and past `MAX_REPLY_BYTES` the connection is dropped, so a query returning a million rows or a
 * value of a gigabyte is never buffered. The checks read the rows one at a time and stop at the
 * first one.
 */
import type { Readable } from 'node:stream'
import {
  excerpt,
  expectOptions,
  failureOf,
  hasExpectations,
  matchExpected,
  tlsCertificateOptions,
  tlsMode,
  type ExpectOptions,
  type TlsMode,
} from '../src/check-options.ts'
import { CheckFailure, z, type CheckContext, type Stage } from '../src/sdk.ts'

/** Bytes a server may send in one check, greeting, login and query reply together. */
export const MAX_REPLY_BYTES = 1024 * 1024
/** Characters of the first value that are matched. */
export const MAX_VALUE_CHARS = 64 * 1024
export const DEFAULT_QUERY = 'SELECT 1'

/** The option keys of a SQL type; `tls` takes the modes its protocol has. */
export function sqlOptionsShape(tls: readonly TlsMode[]) {
  return {
    database: z.string().min(1).optional(),
    query: z.string().trim().min(1, 'must not be empty').default(DEFAULT_QUERY),
    ...expectOptions(),
    tls: tlsMode('none', tls),
    ...tlsCertificateOptions(),
  }
}

export interface SqlOptions extends ExpectOptions {
  database?: string | undefined
  query: string
  tls: TlsMode
  tls_verify: boolean
  tls_fingerprint?: string | undefined
}

/** What the query gave: the first value of the first row (null for SQL NULL), or no row at all. */
export type FirstRow = { row: false } | { row: true; value: string | null }

/**
 * One check's progress: the stage it is in, and the failure that one of the library's callbacks
 * found (a certificate that is not the pinned one, a reply past the cap). That failure wins over
 * the error the library reports once its connection is dropped.
 */
export class SqlSession {
  stage: Stage = 'connect'
  failure: CheckFailure | undefined
  private received = 0
  readonly ctx: CheckContext

  constructor(ctx: CheckContext) {
    this.ctx = ctx
  }

  mark(stage: Stage): void {
    this.stage = stage
    this.ctx.stage(stage)
  }

  /**
   * Records `failure` (the first one only), drops the connection by destroying `socket` and ends
   * `run` with it, whether or not the library notices.
   */
  fail(failure: CheckFailure, socket: { destroy(err?: Error): void }): void {
    this.failure ??= failure
    socket.destroy(failure)
    this.onFailure?.(this.failure)
  }

  private onFailure: ((failure: CheckFailure) => void) | undefined

  /**
   * Settles with `work`, or rejects as soon as the check times out or a callback records a
   * failure; `cleanup` (drop the connection) runs then.
   */
  run<T>(work: Promise<T>, cleanup: () => void): Promise<T> {
    const { signal } = this.ctx
    return new Promise<T>((resolve, reject) => {
      const stop = (reason: Error) => {
        signal.removeEventListener('abort', onAbort)
        this.onFailure = undefined
        cleanup()
        reject(reason)
      }
      const onAbort = () => stop(signal.reason as Error)
      if (signal.aborted) return onAbort()
      if (this.failure) return stop(this.failure)
      signal.addEventListener('abort', onAbort, { once: true })
      this.onFailure = stop
      work.then(
        (value) => {
          signal.removeEventListener('abort', onAbort)
          this.onFailure = undefined
          resolve(value)
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort)
          this.onFailure = undefined
          reject(err instanceof Error ? err : new Error(String(err)))
        },
      )
    })
  }

  /**
   * Counts what `stream` delivers to the library against `MAX_REPLY_BYTES` (the count is shared
   * by every stream watched, so a TLS stream over a raw one adds to the same budget), and drops
   * `socket` past it. It listens ahead of the library, so a chunk past the cap is refused first.
   */
  watch(stream: Readable, socket: { destroy(err?: Error): void }): void {
    stream.prependListener('data', (chunk: Buffer) => {
      this.received += chunk.length
      if (this.received > MAX_REPLY_BYTES) this.fail(this.overflow(), socket)
    })
  }

  /**
   * Re-registers the `data` listeners a client library put on `stream` so that one throwing (the
   * library choking on a malformed message: pg's parser does) fails the check and drops `socket`
   * instead of escaping as an uncaught exception that would take the worker down.
   */
  guard(stream: Readable, socket: { destroy(err?: Error): void }): void {
    for (const listener of stream.listeners('data') as ((chunk: Buffer) => void)[]) {
      stream.off('data', listener)
      stream.on('data', (chunk: Buffer) => {
        try {
          listener.call(stream, chunk)
        } catch (err) {
          this.fail(malformedReply(this.stage, err), socket)
        }
      })
    }
  }

  private overflow(): CheckFailure {
    const mib = MAX_REPLY_BYTES / (1024 * 1024)
    if (this.stage === 'action' || this.stage === 'match') {
      return new CheckFailure(
        'action',
        `the reply to the query is larger than ${mib} MiB: not read further (query a smaller value)`,
      )
    }
    return new CheckFailure(
      this.stage,
      `the server sent more than ${mib} MiB before the login finished: not a database server?`,
    )
  }

  /**
   * The failure to report for `err`: the timeout when the check timed out, else the failure a
   * callback recorded, else `translate(err)` or, when it gives none, `err` in the current stage.
   */
  failureOf(err: unknown, translate: (err: unknown) => CheckFailure | undefined): CheckFailure {
    if (this.ctx.signal.aborted) return failureOf(this.ctx.signal.reason, this.stage)
    if (this.failure) return this.failure
    return translate(err) ?? failureOf(err, this.stage)
  }
}

/** A login the server refused. */
export function loginRefused(username: string, reason?: string): CheckFailure {
  const why = reason === undefined ? '' : `: ${excerpt(reason)}`
  return new CheckFailure('auth', `login refused for user "${username}"${why}`, { debug: reason })
}

/**
 * A database that does not exist (or that the user may not open). Stage `action`: the server took
 * the credentials (MySQL, PostgreSQL and SQL Server check the password before the database), and
 * what is missing is the service's data, as a missing file is for a file server.
 */
export function unknownDatabase(database: string, reason: string): CheckFailure {
  return new CheckFailure('action', `database "${database}" does not exist or cannot be opened`, {
    debug: reason,
  })
}

/** A query the server refused, with the server's message. */
export function queryFailed(query: string, reason: string): CheckFailure {
  return new CheckFailure('action', `query ${excerpt(query, 60)} failed: ${excerpt(reason, 200)}`, {
    debug: reason,
  })
}

/** The library could not read what the server sent. */
export function malformedReply(stage: Stage, err: unknown): CheckFailure {
  const text = err instanceof Error ? err.message : String(err)
  return new CheckFailure(stage, `the server sent a malformed reply: ${excerpt(text)}`, {
    cause: err,
    debug: err instanceof Error ? err.stack : undefined,
  })
}

/** The server closed the connection, or broke the protocol. */
export function brokenConnection(stage: Stage, err: unknown): CheckFailure {
  if (err instanceof RangeError) return malformedReply(stage, err)
  const text = err instanceof Error ? err.message : String(err)
  return new CheckFailure(stage, `the server broke off the ${stageWords(stage)}: ${excerpt(text)}`, {
    cause: err,
    debug: err instanceof Error ? err.stack : undefined,
  })
}

function stageWords(stage: Stage): string {
  switch (stage) {
    case 'connect':
      return 'connection before greeting'
    case 'tls':
      return 'TLS negotiation'
    case 'auth':
      return 'login'
    default:
      return 'query'
  }
}

/** A value a client library gave, as text: Buffers as UTF-8, dates in ISO form, NULL as null. */
export function valueText(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (Buffer.isBuffer(value)) return value.subarray(0, MAX_VALUE_CHARS * 4).toString('utf8')
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/**
 * Matches the first value against the match options; without them, a query that ran is enough.
 * SQL NULL is matched as the text `NULL`.
 */
export function matchFirstRow(result: FirstRow, options: SqlOptions, ctx: CheckContext): void {
  if (!hasExpectations(options)) return
  const what = `first value of ${excerpt(options.query, 60)}`
  if (!result.row) throw new CheckFailure('match', `${what}: the query returned no rows`)
  const text = result.value ?? 'NULL'
  const cut = text.length > MAX_VALUE_CHARS
  ctx.debug(`first value (${text.length} characters): ${text.slice(0, 2000)}`)
  matchExpected(
    cut ? text.slice(0, MAX_VALUE_CHARS) : text,
    options,
    cut ? `${what} (first ${MAX_VALUE_CHARS} characters)` : what,
  )
}
