/**
 * Password hashes: `scrypt$N$r$p$SALT$HASH` (salt and hash in base64url), node:crypto's scrypt
 * with a random 16-byte salt. The form `users[].password_hash` takes (`scrypt$...`), also used to
 * keep a trace of the password a password change request replaced without keeping the password.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto'

const COST = { N: 16384, r: 8, p: 1 }
const SALT_BYTES = 16
const KEY_BYTES = 32
/** Parameters above these are refused when verifying: a crafted hash must not take minutes or GiBs. */
const MAX = { N: 1 << 20, r: 32, p: 16 }

/**
 * Hashes `password` with scrypt and a random salt.
 *
 * @example
 * const hash = hashPassword('Winter2026!') // "scrypt$16384$8$1$...$..."
 */
export function hashPassword(password: string): string {
  const salt = randomBytes(SALT_BYTES)
  const key = derive(password, salt, COST.N, COST.r, COST.p, KEY_BYTES)
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** Whether `password` is the one `hash` was made from; false for a hash not in this form. */
export function verifyPassword(password: string, hash: string): boolean {
  const parts = hash.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  const valid = (n: number, max: number) => Number.isInteger(n) && n >= 1 && n <= max
  if (!valid(N, MAX.N) || (N & (N - 1)) !== 0 || N < 2 || !valid(r, MAX.r) || !valid(p, MAX.p)) return false
  const salt = Buffer.from(parts[4] ?? '', 'base64url')
  const expected = Buffer.from(parts[5] ?? '', 'base64url')
  if (salt.length === 0 || expected.length === 0) return false
  return timingSafeEqual(derive(password, salt, N, r, p, expected.length), expected)
}

function derive(password: string, salt: Buffer, N: number, r: number, p: number, length: number): Buffer {
  return scryptSync(password, salt, length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 })
}
