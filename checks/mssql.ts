/**
 * `mssql`: logs in to Microsoft SQL Server with the service's credentials (SQL Server
 * authentication), runs `query` and matches the first value of the first row.
 *
 * Options:
 * - `database`: the database to log in to (the login's default database otherwise).
 * - `query`: the SQL to run (`SELECT 1`), as a batch; only its first row is read.
 * - `expect` / `expect_regex` / `expect_exact`: matched against the first value of the first row
 *   as text: strings as they are, numbers in decimal, bit as `1`/`0`, dates in ISO form (UTC),
 *   binary as UTF-8, NULL as `NULL`. Without them, a query that runs is enough.
 * - `tls`: `none` (default: no encryption; a server that forces encryption fails at stage `tls`),
 *   `starttls` (TDS 7 encryption negotiated in PRELOGIN, what SQL Server clients call
 *   `Encrypt=yes`) or `implicit` (TDS 8 strict encryption, SQL Server 2022: TLS from the first
 *   byte, ALPN `tds/8.0`). `tls_verify`, `tls_fingerprint` as everywhere; the pinned certificate
 *   is checked before the login packet, which carries the password, is sent.
 *
 * Stages: `connect` (refused, or no PRELOGIN answer), `tls`, `auth` (login refused: error
 * 18456), `action` (a database that cannot be opened, error 4060, see `unknownDatabase`; the
 * query failed, with the server's message), `match`. At most 1 MiB is read from the server.
 *
 * No SQL Server runs on the development machines: the tests talk to an in-process TDS double
 * (`test/support/tds-server.ts`: PRELOGIN with and without TLS, TDS 8 TLS first, LOGIN7, SQL batches with a
 * one-column result, error tokens) through tedious, not to a real server.
 *
 * @example
 * # competition.yaml
 * - name: erp-db
 *   type: mssql
 *   credential_pool: db-users
 *   options: { database: erp, query: "SELECT TOP 1 name FROM customers", expect: "Contoso" }
 */
import type { Socket } from 'node:net'
import type { Connection, ConnectionError, RequestError } from 'tedious'
import { loadTedious, type Tedious } from './client-libraries.ts'
import { guardTokenParser, skipTediousTls, watchPrelogin } from './mssql-tds.ts'
import { checkPinned, connectTcp, startTls, tlsClientOptions, tlsFailure } from './socket.ts'
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
import { failureOf, lazily } from '../src/check-options.ts'
import { CheckFailure, ServiceType, z, type CheckContext, type Service } from '../src/sdk.ts'
import type { Credentials } from '../src/service.ts'

export const mssqlOptionsShape = lazily(() => sqlOptionsShape(['none', 'starttls', 'implicit']))

export const mssqlOptions = lazily(() => z.object(mssqlOptionsShape()).strict())

export type MssqlOptions = z.output<ReturnType<typeof mssqlOptions>>

/** SQL Server error numbers: login failed, cannot open the database. */
const LOGIN_FAILED = 18456
const CANNOT_OPEN_DATABASE = 4060

export class MssqlCheck extends ServiceType<MssqlOptions> {
  static override shortName = 'mssql'
  static override displayName = 'MSSQL'
  static override description = 'SQL Server login, run a query, match the first value'
  static override defaultPort = 1433
  static override options = mssqlOptions

  override async doCheck(service: Service<MssqlOptions>, ctx: CheckContext): Promise<void> {
    const session = new SqlSession(ctx)
    const login = new LoginErrors()
    let username = service.username ?? ''
    try {
      session.mark('connect')
      const credentials = this.getCredentials(service)
      username = credentials.username
      const first = await query(service, credentials, session, login)
      session.mark('match')
      matchFirstRow(first, service.options, ctx)
    } catch (err) {
      this.log(service, 'query', false)
      throw session.failureOf(err, (e) => mssqlFailure(e, service, username, session, login))
    }
    this.reportScore(service, service.points, null)
    this.log(service, 'query', true)
  }
}

/** The error numbers the server sent during the login (tedious keeps only the last message). */
class LoginErrors {
  readonly numbers: number[] = []
  readonly messages: string[] = []
}

/** Logs in, runs the query and reads its first row; the connection is dropped afterwards. */
async function query(
  service: Service<MssqlOptions>,
  { username, password }: Credentials,
  session: SqlSession,
  login: LoginErrors,
): Promise<FirstRow> {
  const { options } = service
  const { signal } = session.ctx
  const tedious = await loadTedious()
  const starttls = options.tls === 'starttls'
  const implicit = options.tls === 'implicit'
  let socket: Socket | undefined
  const connector = async (): Promise<Socket> => {
    try {
      socket = await connectTcp(service.host, service.port, signal)
      session.watch(socket, socket)
      if (!implicit) {
        watchPrelogin(socket, session, starttls ? 'tls' : 'auth', starttls)
        return socket
      }
      session.mark('tls')
      const secure = await startTls(
        socket,
        {
          name: service.host,
          verify: options.tls_verify,
          fingerprint: options.tls_fingerprint,
          alpn: ['tds/8.0'],
        },
        signal,
      )
      session.watch(secure, socket)
      watchPrelogin(secure, session, 'auth', false)
      return secure
    } catch (err) {
      // tedious would wrap it in "Failed to connect to ...": keep the plain reason.
      session.failure ??= session.stage === 'tls' ? tlsFailure(err as Error) : failureOf(err, 'connect')
      throw err
    }
  }
  const legacy = tlsClientOptions({ name: service.host, verify: options.tls_verify })
  const connection = new tedious.Connection({
    server: service.host,
    authentication: { type: 'default', options: { userName: username, password } },
    options: {
      port: service.port,
      database: options.database,
      encrypt: implicit ? 'strict' : starttls,
      trustServerCertificate: !options.tls_verify,
      cryptoCredentialsDetails: options.tls_verify
        ? {}
        : { minVersion: legacy.minVersion, ciphers: legacy.ciphers },
      connector,
      // The check's own timeout comes first (the socket is destroyed with it). tedious's timer is
      // the one that ends its login steps still waiting then, so that nothing lingers much longer.
      connectTimeout: session.ctx.timeoutMs + 500,
      requestTimeout: 0,
      maxRetriesOnTransientErrors: 0,
      appName: 'scanner',
      useUTC: true,
    },
  })
  if (implicit) skipTediousTls(connection)
  guardTokenParser(connection, session, () => socket)
  connection.on('error', () => undefined)
  connection.on('errorMessage', (token) => {
    login.numbers.push(token.number)
    login.messages.push(token.message)
  })
  connection.on('secure', (cleartext) => {
    try {
      checkPinned(cleartext, options.tls_fingerprint)
    } catch (failure) {
      return session.fail(failure as CheckFailure, socket ?? cleartext)
    }
    session.watch(cleartext, socket ?? cleartext)
    session.mark('auth')
  })
  try {
    return await session.run(firstRow(tedious, connection, options.query, session), () => socket?.destroy())
  } finally {
    connection.close()
    socket?.destroy()
  }
}

function firstRow(
  tedious: Tedious,
  connection: Connection,
  sql: string,
  session: SqlSession,
): Promise<FirstRow> {
  return new Promise((resolve, reject) => {
    connection.connect((err) => {
      if (err) return reject(err)
      session.mark('action')
      const request = new tedious.Request(sql, (error) => {
        if (error) reject(error)
        else resolve({ row: false })
      })
      request.on('row', (columns: { value: unknown }[]) => {
        // Read no further. Closing here, in the middle of the reply, would make tedious throw
        // once the reply's end comes: the connection is closed once the check is done with it.
        request.pause()
        resolve({ row: true, value: valueText(columns[0]?.value) })
      })
      connection.execSqlBatch(request)
    })
  })
}

/** tedious's errors in the stage and words of the check. */
function mssqlFailure(
  err: unknown,
  service: Service<MssqlOptions>,
  username: string,
  session: SqlSession,
  login: LoginErrors,
): CheckFailure | undefined {
  if (!(err instanceof Error)) return undefined
  const { code } = err as ConnectionError | RequestError
  if (code === 'ELOGIN') {
    const reason = login.messages.join(' ') || err.message
    if (login.numbers.includes(CANNOT_OPEN_DATABASE)) {
      return unknownDatabase(service.options.database ?? '(default)', reason)
    }
    return login.numbers.includes(LOGIN_FAILED) ? loginRefused(username) : loginRefused(username, reason)
  }
  if (code === 'EREQUEST') return queryFailed(service.options.query, err.message)
  if (code === 'EENCRYPT') {
    return new CheckFailure('tls', 'the server requires encryption (set tls: starttls)', {
      debug: err.message,
    })
  }
  if (session.stage === 'tls') return tlsFailure((err.cause as Error | undefined) ?? err)
  if (code === 'ESOCKET' || code === 'ECLOSE' || code === 'EINVALIDSTATE' || err instanceof RangeError) {
    return brokenConnection(session.stage, err.cause ?? err)
  }
  return undefined
}
