import { existsSync } from 'node:fs'
import type { UserSpec } from '../config/competition.ts'
import { UsageError } from '../errors.ts'
import { openWebSite, startWebServer } from '../web/web-server.ts'
import { existingDb, type CommonArgs } from './common.ts'
import { parseListen } from './listen-address.ts'
import { loadCompetition, loadTypes } from './load-competition.ts'

export interface ServeArgs extends CommonArgs, PagesArgs {}

/**
 * `scanner serve`: the web status pages on the database, beside a running scanner. The users come
 * from `users:` in the config, read once at start; without a config only the public pages work.
 */
export async function serveCommand(
  args: ServeArgs,
  out: (text: string) => void,
  stopped: Promise<void> = untilSignal(),
): Promise<void> {
  parseListen(args.listen)
  const db = existingDb(args.db)
  let users: readonly UserSpec[] = []
  let name = 'scanner'
  if (existsSync(args.config)) {
    const { registry } = await loadTypes(args)
    const competition = loadCompetition(args, registry)
    users = competition.users
    name = competition.name
  } else {
    out(`no config at ${args.config}: public pages only (no logins); use --config PATH for the users`)
  }
  const pages = await startPages(db, args, users, name, out)
  await stopped
  await pages.close()
}

/** The pages options `scanner serve` and `scanner run --serve` share. */
export interface PagesArgs {
  listen: string
  metricsToken: string | undefined
  secureCookies: boolean
}

/** Starts the pages on `db` and says where; `close()` stops the server and closes the database. */
export async function startPages(
  db: string,
  args: PagesArgs,
  users: readonly UserSpec[],
  name: string,
  out: (text: string) => void,
): Promise<{ close(): Promise<void> }> {
  const { host, port } = parseListen(args.listen)
  const metricsToken = args.metricsToken ?? process.env.SCANNER_METRICS_TOKEN ?? null
  const site = openWebSite(db, users, {
    competitionName: name,
    metricsToken,
    secureCookies: args.secureCookies,
  })
  try {
    // The scoreboard's chart sums every round once (about a second for 500 rounds of 1500
    // services): done now rather than on the first visitor's request.
    site.deps.history.series()
    const server = await startWebServer(site, host, port).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EADDRINUSE' || err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES'
        ? new UsageError(`cannot listen on ${args.listen}: ${err.message}`)
        : err
    })
    out(
      `scanner serve: ${server.url} (${users.length} user${users.length === 1 ? '' : 's'}; /metrics ${metricsToken ? 'with a token or a white login' : 'for white logins'}); Ctrl-C stops`,
    )
    return {
      close: async () => {
        await server.close()
        site.close()
      },
    }
  } catch (err) {
    site.close()
    throw err
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
