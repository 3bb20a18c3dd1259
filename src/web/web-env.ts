import type { Context } from 'hono'
import type { WebQueries } from '../../db/web-queries.ts'
import type { AdminActions } from './admin-actions.ts'
import type { LiveState } from './live-state.ts'
import type { FailureLimiter } from './rate-limit.ts'
import type { ScoreHistory } from './score-history.ts'
import type { Session, Sessions } from './sessions.ts'
import type { UserDirectory } from './users.ts'
import type { Viewer } from './viewer.ts'

/** What the handlers find in the context: who is asking, and their session (null: public). */
export interface WebEnv {
  Variables: { viewer: Viewer; session: Session | null }
}

export type WebContext = Context<WebEnv>

export interface WebOptions {
  /** Shown in every page's title. */
  competitionName: string
  /** Bearer token that may read /metrics without a login; null: white team logins only. */
  metricsToken: string | null
  /** Mark cookies Secure (the pages are served behind https). */
  secureCookies: boolean
  /** Interval of the live updates' poll of the database. */
  pollMs?: number
}

/** Everything the web app works with; built by `scanner serve` (and by the tests). */
export interface WebDeps {
  queries: WebQueries
  admin: AdminActions
  users: UserDirectory
  sessions: Sessions
  live: LiveState
  history: ScoreHistory
  limits: { byAddress: FailureLimiter; byName: FailureLimiter }
  /** The client's address (the login rate limit counts by it). */
  clientAddress(c: WebContext): string
  options: WebOptions
}
