/**
 * Opens what the pages work with on a database (a read-only connection for the pages, a writable
 * one for the white team's actions) and serves the app with Node's HTTP server.
 */
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { openDatabase } from '../../db/open-database.ts'
import { Store } from '../../db/store.ts'
import { WebQueries } from '../../db/web-queries.ts'
import type { UserSpec } from '../config/competition.ts'
import { AdminActions } from './admin-actions.ts'
import { LiveState } from './live-state.ts'
import { FailureLimiter } from './rate-limit.ts'
import { ScoreHistory } from './score-history.ts'
import { Sessions } from './sessions.ts'
import { UserDirectory } from './users.ts'
import { createWebApp } from './web-app.ts'
import type { WebContext, WebDeps, WebOptions } from './web-env.ts'

/** Failed logins allowed per user name and per client address within `windowMs`. */
export const LOGIN_LIMITS = { perName: 5, perAddress: 20, windowMs: 5 * 60 * 1000 }

export interface WebSite {
  deps: WebDeps
  close(): void
}

function clientAddress(c: WebContext): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/** The pages' dependencies on the database `file` (which must exist). */
export function openWebSite(file: string, users: readonly UserSpec[], options: WebOptions): WebSite {
  const directory = new UserDirectory(users)
  // The writable connection first: it applies the migrations the read-only one cannot.
  const store = Store.open(file)
  const readDb = openDatabase(file, { readonly: true })
  const queries = new WebQueries(readDb)
  const live = new LiveState(queries, options.pollMs)
  const deps: WebDeps = {
    queries,
    admin: new AdminActions(store),
    users: directory,
    sessions: new Sessions(),
    live,
    history: new ScoreHistory(queries),
    limits: {
      byAddress: new FailureLimiter(LOGIN_LIMITS.perAddress, LOGIN_LIMITS.windowMs),
      byName: new FailureLimiter(LOGIN_LIMITS.perName, LOGIN_LIMITS.windowMs),
    },
    clientAddress,
    options,
  }
  return {
    deps,
    close() {
      live.close()
      readDb.close()
      store.close()
    },
  }
}

export interface RunningWebServer {
  url: string
  close(): Promise<void>
}

/** Serves `site` on host:port (port 0: any free port). */
export async function startWebServer(site: WebSite, host: string, port: number): Promise<RunningWebServer> {
  const app = createWebApp(site.deps)
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s))
    s.once('error', reject)
  })
  const address = server.address() as AddressInfo
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        site.deps.live.close()
        if ('closeAllConnections' in server) server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
