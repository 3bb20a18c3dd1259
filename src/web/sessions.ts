/**
 * Login sessions, in memory (a restart of `scanner serve` logs everyone out, which is fine for a
 * competition day). The cookie holds a random id; each session has its own CSRF token.
 */
import { randomBytes } from 'node:crypto'
import type { Viewer } from './viewer.ts'

export interface Session {
  id: string
  viewer: Viewer
  /** Sent back in every form of the session's pages, checked on every POST. */
  csrf: string
  expiresAt: number
}

export const SESSION_COOKIE = 'scanner_session'
/** An absolute lifetime: a forgotten login on a shared laptop ends within a competition day. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000
const MAX_SESSIONS = 10_000

export class Sessions {
  readonly #sessions = new Map<string, Session>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  create(viewer: Viewer): Session {
    this.#sweep()
    const session: Session = {
      id: token(),
      viewer,
      csrf: token(),
      expiresAt: this.#now() + SESSION_TTL_MS,
    }
    this.#sessions.set(session.id, session)
    return session
  }

  /** The live session with this id, if any. */
  get(id: string | undefined): Session | null {
    if (id === undefined) return null
    const session = this.#sessions.get(id)
    if (!session) return null
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(id)
      return null
    }
    return session
  }

  delete(id: string): void {
    this.#sessions.delete(id)
  }

  /** Drops expired sessions; past the bound, the oldest ones (a flood of logins cannot fill memory). */
  #sweep(): void {
    const now = this.#now()
    for (const [id, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(id)
    for (const id of this.#sessions.keys()) {
      if (this.#sessions.size < MAX_SESSIONS) break
      this.#sessions.delete(id)
    }
  }
}

export function token(): string {
  return randomBytes(32).toString('base64url')
}
