/**
 * `database`: a multi-protocol check for "the team's database answers", whatever engine the team
 * runs, chosen by the service's port: `postgres` on 5432, `mssql` on 1433, `mysql` on any other
 * port (3306 by default). It takes the options of the three (`database`, `query`, the match
 * options, `tls`, `tls_verify`, `tls_fingerprint`), so one service template fits every team; the
 * chosen type then reads them with its own schema (a `tls` mode its protocol does not have fails
 * the check at stage `connect`, saying so). A PostgreSQL or SQL Server on another port needs its
 * own type.
 *
 * @example
 * # competition.yaml: team 2 runs PostgreSQL
 * - name: db
 *   type: database
 *   host: "10.0.{num}.40"
 *   credential_pool: db-users
 *   options: { database: shop, query: "SELECT COUNT(*) FROM products", expect_regex: "^[1-9]" }
 *   overrides: { 2: { port: 5432 } }
 */
import { ServiceType, z, type Service } from '../src/sdk.ts'
import { TLS_MODES, lazily } from '../src/check-options.ts'
import { sqlOptionsShape } from './sql-query.ts'

export const POSTGRES_PORT = 5432
export const MSSQL_PORT = 1433

export const databaseOptions = lazily(() => z.object(sqlOptionsShape(TLS_MODES)).strict())

export type DatabaseOptions = z.output<ReturnType<typeof databaseOptions>>

export class DatabaseCheck extends ServiceType<DatabaseOptions> {
  static override shortName = 'database'
  static override description =
    'multi-protocol: postgres on port 5432, mssql on 1433, mysql on any other port'
  static override defaultPort = 3306
  static override options = databaseOptions

  override resolveMulti(service: Service<DatabaseOptions>): string {
    if (service.port === POSTGRES_PORT) return 'postgres'
    if (service.port === MSSQL_PORT) return 'mssql'
    return 'mysql'
  }
}
