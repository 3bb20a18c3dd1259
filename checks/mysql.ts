/**
 * `mysql`: logs in to a MySQL or MariaDB server with the service's credentials, as an application
 * does, runs `query` and matches the first value of the first row.
 *
 * Options:
 * - `database`: the database to log in to (none by default).
 * - `query`: the SQL to run (`SELECT 1`); only its first row is read.
 * - `expect` / `expect_regex` / `expect_exact`: matched against the first value of the first row,
 *   as the server sent it in text (`mysql -e` prints the same; NULL is the text `NULL`). Without
 *   them, a query that runs is enough.
 * - `tls`: `none` (default) or `starttls` (the protocol's SSL request after the greeting; MySQL
 *   has no TLS-first port). `tls_verify`, `tls_fingerprint` as everywhere; the pinned certificate
 *   is checked before the credentials are sent.
 *
 * Stages: `connect` (refused, or no greeting), `tls`, `auth` (login refused, or a host the server
 * does not let in), `action` (an unknown database, see `unknownDatabase`; the query failed, with
 * the server's message), `match`. At most 1 MiB is read from the server.
 *
 * @example
 * # competition.yaml
 * - name: shop-db
 *   type: mysql
 *   credential_pool: db-users
 *   options: { database: shop, query: "SELECT COUNT(*) FROM products", expect_regex: "^[1-9]" }
 */
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { Connection, QueryError, SslOptions } from 'mysql2'
import { loadMysql2 } from './client-libraries.ts'
import { checkPinned, connectTcp, tlsClientOptions, tlsFailure } from './socket.ts'
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
import { CheckFailure, ServiceType, z, type CheckContext, type Service, type Stage } from '../src/sdk.ts'
import type { Credentials } from '../src/service.ts'

export const mysqlOptionsShape = lazily(() => sqlOptionsShape(['none', 'starttls']))

export const mysqlOptions = lazily(() => z.object(mysqlOptionsShape()).strict())

export type MysqlOptions = z.output<ReturnType<typeof mysqlOptions>>

/** The parts of mysql2's connection that the typings leave out. */
interface BaseConnection {
  stream: Socket
  startTLS(onSecure: (err?: Error) => void): void
}

const PROTOCOL_10 = 10
const ERROR_PACKET = 0xff
const MAX_GREETING_BYTES = 16 * 1024

const AUTH_CODES = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
  'ER_HOST_NOT_PRIVILEGED',
  'ER_HOST_IS_BLOCKED',
  'ER_NOT_SUPPORTED_AUTH_MODE',
  'ER_PASSWORD_NO_MATCH',
  'ER_ACCOUNT_HAS_BEEN_LOCKED',
  'ER_MUST_CHANGE_PASSWORD_LOGIN',
])

export class MysqlCheck extends ServiceType<MysqlOptions> {
  static override shortName = 'mysql'
  static override displayName = 'MySQL'
  static override description = 'MySQL/MariaDB login, run a query, match the first value'
  static override defaultPort = 3306
  static override options = mysqlOptions

  override async doCheck(service: Service<MysqlOptions>, ctx: CheckContext): Promise<void> {
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
      throw session.failureOf(err, (e) => mysqlFailure(e, service, username, session))
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'query', true)
  }
}

/** mysql2's TLS settings: the shared ones (old versions accepted when not verifying). */
function sslOptions(host: string, verify: boolean): SslOptions {
  const { minVersion, ciphers } = tlsClientOptions({ name: host, verify })
  return { rejectUnauthorized: verify, verifyIdentity: verify, minVersion, ciphers }
}

/** Logs in, runs the query and reads its first row; the connection is dropped afterwards. */
async function query(
  service: Service<MysqlOptions>,
  { username, password }: Credentials,
  session: SqlSession,
): Promise<FirstRow> {
  const { options } = service
  const { signal } = session.ctx
  const mysql2 = await loadMysql2()
  const socket = await connectTcp(service.host, service.port, signal)
  let connection: Connection | undefined
  try {
    connection = mysql2.createConnection({
      host: service.host,
      port: service.port,
      user: username,
      password,
      database: options.database,
      stream: socket,
      // The check's timeout applies (the socket is destroyed with it); mysql2's would only cut it short.
      connectTimeout: 0,
      ssl: options.tls === 'starttls' ? sslOptions(service.host, options.tls_verify) : undefined,
      multipleStatements: false,
    })
    // mysql2's parser is on the socket now: guard it first, then count and watch what comes.
    session.guard(socket, socket)
    session.watch(socket, socket)
    watchGreeting(socket, session, options.tls === 'starttls' ? 'tls' : 'auth')
    if (options.tls === 'starttls') pinBeforeLogin(connection, options.tls_fingerprint, socket, session)
    return await session.run(firstRow(connection, options.query, session), () => socket.destroy())
  } finally {
    connection?.destroy()
    socket.destroy()
  }
}

/**
 * Ends stage `connect` once the server's greeting (its first packet: a 3-byte length, a sequence
 * number, protocol version 10) has fully come, and fails at once when the first bytes cannot be
 * one. An error packet instead (too many connections) leaves the stage at `connect`.
 */
function watchGreeting(socket: Socket, session: SqlSession, next: Stage): void {
  let head = Buffer.alloc(0)
  let received = 0
  const onData = (chunk: Buffer) => {
    if (head.length < 5) head = Buffer.concat([head, chunk.subarray(0, 5 - head.length)])
    received += chunk.length
    if (head.length < 5) return
    const length = head.readUIntLE(0, 3)
    const kind = head[4]
    if (kind === ERROR_PACKET) return socket.off('data', onData)
    if (kind !== PROTOCOL_10 || length > MAX_GREETING_BYTES) {
      socket.off('data', onData)
      const said = excerpt(chunk.subarray(0, 40).toString('latin1'), 40)
      return session.fail(
        new CheckFailure('connect', `the server did not send a MySQL greeting: ${said}`),
        socket,
      )
    }
    if (received >= length + 4) {
      socket.off('data', onData)
      session.mark(next)
    }
  }
  // Ahead of the library's parser, which may choke on what this rejects.
  socket.prependListener('data', onData)
}

/**
 * Hooks mysql2's TLS upgrade so that, once the handshake is done, the pinned fingerprint is
 * checked before the login packet (which carries the password's scramble, or the password itself
 * for caching_sha2 over TLS) is written, and the reply cap covers the TLS stream too.
 */
function pinBeforeLogin(
  connection: Connection,
  fingerprint: string | undefined,
  socket: Socket,
  session: SqlSession,
): void {
  const base = connection as unknown as BaseConnection
  const startTLS = base.startTLS.bind(base)
  base.startTLS = (onSecure) => {
    session.mark('tls')
    startTLS((err) => {
      if (err) return onSecure(err)
      try {
        checkPinned(base.stream as TLSSocket, fingerprint)
      } catch (failure) {
        return session.fail(failure as CheckFailure, socket)
      }
      session.watch(base.stream, socket)
      session.mark('auth')
      onSecure()
    })
    // mysql2 has put its parser on the TLS socket.
    session.guard(base.stream, socket)
  }
}

/**
 * Runs the query once logged in and resolves with its first row as soon as it comes. When the
 * reply ends in the same breath (one row, no row, an error), the connection is still in step and
 * says goodbye (COM_QUIT) before the caller drops it, so the server logs no aborted connection.
 */
function firstRow(connection: Connection, sql: string, session: SqlSession): Promise<FirstRow> {
  return new Promise((resolve, reject) => {
    connection.on('error', reject)
    connection.once('connect', () => {
      session.mark('action')
      const q = connection.query({ sql, rowsAsArray: true, typeCast: false })
      q.on('error', (err) => {
        reject(err)
        connection.end()
      })
      q.on('result', (row: unknown) => {
        // Rows are arrays; a statement without a result set reports an OK packet object.
        if (Array.isArray(row)) resolve({ row: true, value: valueText(row[0]) })
      })
      q.on('end', () => {
        resolve({ row: false })
        connection.end()
      })
    })
  })
}

/** mysql2's errors in the stage and words of the check. */
function mysqlFailure(
  err: unknown,
  service: Service<MysqlOptions>,
  username: string,
  session: SqlSession,
): CheckFailure | undefined {
  if (!(err instanceof Error)) return undefined
  const e = err as QueryError & { sqlMessage?: string }
  const said = e.sqlMessage ?? e.message
  if (AUTH_CODES.has(e.code)) {
    return e.code === 'ER_ACCESS_DENIED_ERROR' ? loginRefused(username) : loginRefused(username, said)
  }
  // MySQL answers "access denied to database" for a database that does not exist, too, unless the
  // user has rights on every database: either way the credentials were accepted.
  if (e.code === 'ER_BAD_DB_ERROR' || e.code === 'ER_DBACCESS_DENIED_ERROR')
    return unknownDatabase(service.options.database ?? '', said)
  const plugin = /authentication using unknown plugin (\S+?)\.?(\s|$)/.exec(e.message)?.[1]
  if (plugin !== undefined) {
    return new CheckFailure(
      'auth',
      `the server asks for the authentication plugin ${excerpt(plugin, 40)}, which the check does not support`,
    )
  }
  if (e.code === 'HANDSHAKE_SSL_ERROR') return tlsFailure(err)
  if (e.code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return new CheckFailure(
      'tls',
      'the server does not offer TLS (set tls: none, or enable SSL on the server)',
    )
  }
  if (typeof e.errno === 'number' && e.sqlMessage !== undefined) {
    // An error packet from the server: before the login it refuses the connection, after it the query.
    if (session.stage === 'action') return queryFailed(service.options.query, said)
    return new CheckFailure(session.stage, `the server refused the connection: ${said}`, { debug: e.stack })
  }
  if (e.code === 'PROTOCOL_CONNECTION_LOST' || e.code?.startsWith('PROTOCOL_') || err instanceof RangeError) {
    return brokenConnection(session.stage, err)
  }
  return undefined
}
