/**
 * An in-process MySQL server for the `mysql` check tests, built on mysql2's own server side: the
 * greeting, a mysql_native_password login checked against `users`, a database checked against
 * `databases`, and text result sets for the queries in `answers`. Any other query gets an error
 * packet like MySQL's. Two hostile answers: `rows: 'endless'` sends rows until the client leaves,
 * `huge` sends one value of that many bytes, `hang` never answers.
 */
import type { AddressInfo, Server, Socket } from 'node:net'
import { createHash } from 'node:crypto'
import { createServer } from 'mysql2'

/** The answer to one query: the first column's values, one per row, or an error. */
export type MysqlAnswer =
  | { values: (string | null)[] }
  | { rows: 'endless' }
  | { huge: number }
  | { hang: true }
  | { error: string; code?: number }

export interface MysqlServerOptions {
  users: Record<string, string>
  databases?: string[]
  answers?: Record<string, MysqlAnswer>
}

export interface RunningMysqlServer {
  port: number
  /** The queries the server received, in order. */
  queries: string[]
  readonly openConnections: number
  close(): Promise<void>
}

const VAR_STRING = 253
const UTF8MB4 = 45

interface ServerConnection {
  stream: Socket
  sequenceId: number
  serverHandshake(args: object): void
  on(event: string, listener: (...args: never[]) => void): void
  writeColumns(columns: object[]): void
  writeTextRow(row: (string | null)[]): void
  writeEof(): void
  writeOk(): void
  writeError(args: { message: string; code: number }): void
  close(): void
}

function sha1(...parts: Buffer[]): Buffer {
  const hash = createHash('sha1')
  for (const part of parts) hash.update(part)
  return hash.digest()
}

/** Whether `token` is the mysql_native_password answer for `password` and the scramble. */
function nativePasswordMatches(password: string, scramble: Buffer, token: Buffer): boolean {
  if (password === '') return token.length === 0
  const stage1 = sha1(Buffer.from(password, 'utf8'))
  const mask = sha1(scramble, sha1(stage1))
  const expected = Buffer.alloc(20)
  for (let i = 0; i < 20; i++) expected[i] = stage1[i]! ^ mask[i]!
  return token.length === 20 && expected.equals(token)
}

const column = (name: string) => ({
  catalog: 'def',
  schema: '',
  table: '',
  orgTable: '',
  name,
  orgName: name,
  characterSet: UTF8MB4,
  columnLength: 1024,
  columnType: VAR_STRING,
  flags: 0,
  decimals: 0,
})

export async function startMysqlServer(options: MysqlServerOptions): Promise<RunningMysqlServer> {
  const queries: string[] = []
  let open = 0
  const connections = new Set<ServerConnection>()
  const server = createServer((c) => {
    const conn = c as unknown as ServerConnection
    open++
    connections.add(conn)
    let closed = false
    const gone = () => {
      if (closed) return
      closed = true
      open--
      connections.delete(conn)
    }
    conn.on('error', () => gone())
    conn.on('end', () => gone())
    conn.stream.on('close', gone)
    conn.stream.setNoDelay(true)
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: '8.0.36-double',
      connectionId: 1,
      statusFlags: 2,
      characterSet: UTF8MB4,
      // LONG_PASSWORD, FOUND_ROWS, CONNECT_WITH_DB, PROTOCOL_41, TRANSACTIONS, SECURE_CONNECTION
      capabilityFlags: 0x1 | 0x2 | 0x8 | 0x200 | 0x2000 | 0x8000,
      authCallback: (
        params: {
          user: string
          database: string
          authPluginData1: Buffer
          authPluginData2: Buffer
          authToken: Buffer
        },
        done: (err: null, mysqlError?: { message: string; code: number }) => void,
      ) => {
        const password = options.users[params.user]
        const scramble = Buffer.concat([params.authPluginData1, params.authPluginData2])
        if (password === undefined || !nativePasswordMatches(password, scramble, params.authToken)) {
          return done(null, {
            message: `Access denied for user '${params.user}'@'localhost' (using password: YES)`,
            code: 1045,
          })
        }
        if (params.database && !(options.databases ?? []).includes(params.database)) {
          return done(null, { message: `Unknown database '${params.database}'`, code: 1049 })
        }
        done(null)
        // mysql2's server side does not restart the sequence for the next command: do it here.
        conn.sequenceId = 0
      },
    })
    conn.on('query', (sql: string) => {
      queries.push(sql)
      conn.sequenceId = 1
      const answer = options.answers?.[sql] ?? (sql === 'SELECT 1' ? { values: ['1'] } : undefined)
      if (answer === undefined || 'error' in answer) {
        const message =
          answer?.error ??
          `You have an error in your SQL syntax; check the manual near '${sql.slice(0, 40)}' at line 1`
        return conn.writeError({ message, code: answer?.code ?? 1064 })
      }
      if ('hang' in answer) return
      conn.writeColumns([column('value')])
      if ('values' in answer) {
        for (const value of answer.values) conn.writeTextRow([value])
        return conn.writeEof()
      }
      if ('huge' in answer) {
        conn.writeTextRow(['x'.repeat(answer.huge)])
        return conn.writeEof()
      }
      let n = 0
      const more = () => {
        // A batch per turn of the event loop: the client runs in the same process.
        for (let i = 0; i < 500 && !conn.stream.destroyed; i++) conn.writeTextRow([`row ${n++}`])
        if (!conn.stream.destroyed) setImmediate(more)
      }
      more()
    })
  })
  const net = (server as unknown as { _server: Server })._server
  await new Promise<void>((resolve) => net.listen(0, '127.0.0.1', resolve))
  return {
    port: (net.address() as AddressInfo).port,
    queries,
    get openConnections() {
      return open
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const conn of connections) conn.close()
        net.close(() => resolve())
      }),
  }
}
