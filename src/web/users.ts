/**
 * The users of the pages, from `users:` in competition.yaml (read when `scanner serve` starts; no
 * table: the file is where the white team edits them).
 */
import { parsePasswordHash, verifyPassword, type ParsedHash } from '../auth/password-hash.ts'
import type { UserSpec } from '../config/competition.ts'
import { UsageError } from '../errors.ts'
import type { Viewer } from './viewer.ts'

/** Verified against when the name is unknown, so that an unknown name takes as long as a known one. */
const DUMMY_HASH = parsePasswordHash(
  'scrypt$16384$8$1$c2Nhbm5lci1kdW1teQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
) as ParsedHash

interface User {
  viewer: Viewer
  hash: ParsedHash
}

export class UserDirectory {
  readonly #users = new Map<string, User>()

  /** @throws UsageError naming the first user whose hash is not one `scanner passwd` prints. */
  constructor(users: readonly UserSpec[]) {
    for (const u of users) {
      const hash = parsePasswordHash(u.passwordHash)
      if (typeof hash === 'string') throw new UsageError(`users: the password_hash of ${u.name} is ${hash}`)
      this.#users.set(u.name, { viewer: { name: u.name, role: u.role, team: u.team }, hash })
    }
  }

  get size(): number {
    return this.#users.size
  }

  /** The viewer when `password` is the user's, else null (in about the same time either way). */
  async authenticate(name: string, password: string): Promise<Viewer | null> {
    const user = this.#users.get(name)
    const ok = await verifyPassword(password, user?.hash ?? DUMMY_HASH)
    return ok && user ? user.viewer : null
  }
}
