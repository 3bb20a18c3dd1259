/**
 * `postgres`: logs in to a PostgreSQL server with the service's credentials (cleartext, MD5 or
 * SCRAM-SHA-256 password, whichever the server asks for), runs `query` and matches the first
 * value of the first row.
 *
 * Options:
 * - `database`: the database to log in to (by default the user's name, as `psql` does).
 * - `query`: the SQL to run (`SELECT 1`), as a simple query; only its first row is read.
 * - `expect` / `expect_regex` / `expect_exact`: matched against the first value of the first row
 *   in PostgreSQL's text form (what `psql` prints; NULL is the text `NULL`). Without them, a
 *   query that runs is enough.
 * - `tls`: `none` (default), `starttls` (the protocol's SSLRequest, any server version) or
 *   `implicit` (direct TLS, PostgreSQL 17 and later). `tls_verify`, `tls_fingerprint` as
 *   everywhere; the pinned certificate is checked before the server can ask for the password.
 *
 * Stages: `connect` (refused, or no answer to the startup), `tls`, `auth` (login refused, with
 * the server's reason unless it is a wrong password), `action` (an unknown database, see
 * `unknownDatabase`; the query failed, with the server's message), `match`. At most 1 MiB is read
 * from the server.
 *
 * @example
 * # competition.yaml
 * - name: wiki-db
 *   type: postgres
 *   credential_pool: db-users
 *   options: { database: wiki, query: "SELECT title FROM pages WHERE id = 1", expect: "Main Page" }
 */
import { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { Client, Connection, DatabaseError } from 'pg'
import { loadPg } from './client-libraries.ts'
import { checkPinned, tlsClientOptions, tlsFailure } from './socket.ts'
import {
  brokenConnection,
  loginRefused,
  matchFirstRow,
  queryFailed,
  sqlOptionsShape,
  SqlSession,
  unknownDatabase,
  valueText,
  type FirstRow,
} from './sql-query.ts'
import { excerpt, lazily } from '../src/check-options.ts'
import { CheckFailure, ServiceType, z, type CheckContext, type Service } from '../src/sdk.ts'
import type { Credentials } from '../src/service.ts'

export const postgresOptionsShape = lazily(() => sqlOptionsShape(['none', 'starttls', 'implicit']))

export const postgresOptions = lazily(() => z.object(postgresOptionsShape()).strict())

export type PostgresOptions = z.output<ReturnType<typeof postgresOptions>>

/** SQLSTATEs of a refused login (class 28), and of a database that does not exist. */
const INVALID_PASSWORD = '28P01'
const INVALID_AUTHORIZATION = '28000'
const UNKNOWN_DATABASE = '3D000'
const MAX_FIRST_MESSAGE_BYTES = 16 * 1024

export class PostgresCheck extends ServiceType<PostgresOptions> {
  static override shortName = 'postgres'
  static override displayName = 'PostgreSQL'
  static override description = 'PostgreSQL login, run a query, match the first value'
  static override defaultPort = 5432
  static override options = postgresOptions

  override async doCheck(service: Service<PostgresOptions>, ctx: CheckContext): Promise<void> {
    const session = new SqlSession(ctx)
    let username = service.username ?? ''
    try {
      session.mark('connect')
      const credentials = this.getCredentials(service)
      username = credentials.username
      const first = await query(service, credentials, session)
      session.mark('match')
      matchFirstRow(first, service.options, ctx)
    } catch (err) {
      this.log(service, 'query', false)
      throw session.failureOf(err, (e) => postgresFailure(e, service, username, session))
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'query', true)
  }
}

/** Logs in, runs the query and reads its first row; the connection is dropped afterwards. */
async function query(
  service: Service<PostgresOptions>,
  { username, password }: Credentials,
  session: SqlSession,
): Promise<FirstRow> {
  const { options } = service
  const { signal } = session.ctx
  const pg = await loadPg()
  // pg connects the socket it is given: one that the check's timeout destroys, and whose bytes count.
  const socket = new Socket()
  socket.setNoDelay(true)
  socket.on('error', () => undefined)
  const onAbort = () => socket.destroy()
  signal.addEventListener('abort', onAbort, { once: true })
  const tls = options.tls !== 'none'
  const client = new pg.Client({
    host: service.host,
    port: service.port,
    user: username,
    password,
    database: options.database ?? username,
    stream: () => socket,
    ssl: tls ? tlsClientOptions({ name: service.host, verify: options.tls_verify }) : false,
    sslnegotiation: options.tls === 'implicit' ? 'direct' : 'postgres',
    application_name: 'scanner',
    connectionTimeoutMillis: 0,
    keepAlive: false,
  })
  client.on('error', () => undefined)
  socket.once('connect', () => {
    if (tls) session.mark('tls')
  })
  client.connection.once('sslconnect', () => {
    const secure = client.connection.stream as TLSSocket
    session.guard(secure, socket)
    session.watch(secure, socket)
    secure.once('secureConnect', () => {
      try {
        checkPinned(secure, options.tls_fingerprint)
        session.mark('auth')
      } catch (failure) {
        session.fail(failure as CheckFailure, socket)
      }
    })
  })
  // pg puts its parser on the socket as connect() starts (with TLS, on the TLS socket, guarded
  // above): guard it first, then count and watch what comes.
  const connected = client.connect()
  if (!tls) session.guard(socket, socket)
  session.watch(socket, socket)
  if (!tls) watchFirstAnswer(socket, session)
  try {
    const work = (async () => {
      await connected
      session.mark('action')
      return firstRow(client, options.query)
    })()
    return await session.run(work, () => socket.destroy())
  } finally {
    signal.removeEventListener('abort', onAbort)
    client.end().catch(() => undefined)
    socket.destroy()
  }
}

/**
 * Without TLS the server's first answer to the startup message starts the login: it must be an
 * authentication request, an error, a notice or a protocol version negotiation, and short.
 * Anything else fails at once at stage `connect`, rather than when the cap is reached.
 */
function watchFirstAnswer(socket: Socket, session: SqlSession): void {
  let head = Buffer.alloc(0)
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk.subarray(0, 5 - head.length)])
    if (head.length < 5) return
    socket.off('data', onData)
    const type = String.fromCharCode(head[0]!)
    if ('REvN'.includes(type) && head.readInt32BE(1) <= MAX_FIRST_MESSAGE_BYTES) return session.mark('auth')
    const said = excerpt(chunk.subarray(0, 40).toString('latin1'), 40)
    session.fail(new CheckFailure('connect', `the server did not answer as PostgreSQL: ${said}`), socket)
  }
  // Ahead of the library's parser, which may choke on what this rejects.
  socket.prependListener('data', onData)
}

/**
 * Runs `sql` as a simple query and resolves with the first value of the first row as soon as it
 * comes (pg's own `query` would collect every row first).
 */
function firstRow(client: Client, sql: string): Promise<FirstRow> {
  return new Promise((resolve, reject) => {
    let done = false
    const settle = (result: FirstRow | Error) => {
      if (done) return
      done = true
      if (result instanceof Error) reject(result)
      else resolve(result)
    }
    const submittable = {
      submit: (connection: Connection) => connection.query(sql),
      handleRowDescription: () => undefined,
      handleDataRow: (msg: { fields: unknown[] }) => {
        settle({ row: true, value: valueText(msg.fields[0]) })
      },
      handleCommandComplete: () => undefined,
      handleEmptyQuery: () => undefined,
      handlePortalSuspended: () => undefined,
      // COPY FROM STDIN: refuse to send anything (pg's typings lack the method).
      handleCopyInResponse: (connection: Connection) =>
        (connection as unknown as { sendCopyFail(reason: string): void }).sendCopyFail(
          'not supported by the check',
        ),
      handleCopyData: () => undefined,
      handleError: (err: Error) => settle(err),
      handleReadyForQuery: () => settle({ row: false }),
    }
    void client.query(submittable)
  })
}

/** pg's errors in the stage and words of the check. */
function postgresFailure(
  err: unknown,
  service: Service<PostgresOptions>,
  username: string,
  session: SqlSession,
): CheckFailure | undefined {
  if (!(err instanceof Error)) return undefined
  const { code } = err as DatabaseError
  if (code === INVALID_PASSWORD) return loginRefused(username)
  if (code === INVALID_AUTHORIZATION || code?.startsWith('28')) return loginRefused(username, err.message)
  if (code === UNKNOWN_DATABASE) return unknownDatabase(service.options.database ?? username, err.message)
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    // An ErrorResponse: before the login finished the server refused the connection.
    if (session.stage === 'action') return queryFailed(service.options.query, err.message)
    return new CheckFailure(session.stage, `the server refused the connection: ${err.message}`, {
      debug: err.stack,
    })
  }
  if (/does not support SSL/.test(err.message)) {
    return new CheckFailure(
      'tls',
      'the server does not offer TLS (set tls: none, or enable ssl on the server)',
    )
  }
  if (/error establishing an SSL connection/.test(err.message)) {
    return new CheckFailure('tls', 'the server did not answer the TLS request as PostgreSQL does')
  }
  if (session.stage === 'tls') {
    const failure = tlsFailure(err)
    if (service.options.tls !== 'implicit' || /certificate|self-signed/i.test(failure.message)) return failure
    return new CheckFailure(
      'tls',
      `${failure.message} (direct TLS needs PostgreSQL 17 or later; tls: starttls works with every version)`,
      { cause: err, debug: failure.debug },
    )
  }
  if (/Connection terminated|SASL|SCRAM|invalid response|received invalid/i.test(err.message)) {
    return brokenConnection(session.stage, err)
  }
  return undefined
}
