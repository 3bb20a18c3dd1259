/**
 * Password hashes of the web users (`users[].password_hash`): scrypt, written as
 * `scrypt$N$r$p$SALT$KEY` (salt and key in base64url). The parameters are kept in the hash so that
 * they can be raised later without breaking the hashes already in a competition.yaml.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/** 16 MiB of memory and ~50 ms per hash: slow for a guesser, quick enough for a login. */
const DEFAULT_PARAMS = { N: 16384, r: 8, p: 1 }
const KEY_BYTES = 32
const SALT_BYTES = 16
/** Bounds on the parameters read from a hash: a typo must not make every login take minutes. */
const MAX_N = 1 << 20
const MAX_MEMORY = 256 * 1024 * 1024

export interface ParsedHash {
  N: number
  r: number
  p: number
  salt: Buffer
  key: Buffer
}

/** Hashes `password` with a fresh salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, DEFAULT_PARAMS, KEY_BYTES)
  const { N, r, p } = DEFAULT_PARAMS
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/**
 * The same, blocking: for a command that hashes a few passwords inside a database transaction
 * (the old passwords a password change request replaces).
 */
export function hashPasswordSync(password: string): string {
  const salt = randomBytes(SALT_BYTES)
  const { N, r, p } = DEFAULT_PARAMS
  const key = scryptSync(password.normalize('NFC'), salt, KEY_BYTES, { N, r, p, maxmem: MAX_MEMORY })
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/**
 * Parses a hash written by `hashPassword`; returns a message saying what is wrong when it is not
 * one (the caller names the user).
 */
export function parsePasswordHash(hash: string): ParsedHash | string {
  const parts = hash.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt')
    return 'not a hash printed by `scanner passwd` (scrypt$N$r$p$salt$key)'
  const [N, r, p] = parts.slice(1, 4).map((n) => (/^\d{1,8}$/.test(n ?? '') ? Number(n) : NaN)) as [
    number,
    number,
    number,
  ]
  if (!(N > 1) || (N & (N - 1)) !== 0 || N > MAX_N) return `scrypt N must be a power of two up to ${MAX_N}`
  if (!(r >= 1 && p >= 1) || 128 * N * r * p > MAX_MEMORY) return 'scrypt r and p out of range'
  const salt = Buffer.from(parts[4] ?? '', 'base64url')
  const key = Buffer.from(parts[5] ?? '', 'base64url')
  if (salt.length < 8 || key.length < 16) return 'salt or key too short'
  return { N, r, p, salt, key }
}

/** Whether `password` matches `hash`, compared in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, hash: string | ParsedHash): Promise<boolean> {
  const parsed = typeof hash === 'string' ? parsePasswordHash(hash) : hash
  if (typeof parsed === 'string') return false
  const key = await derive(password, parsed.salt, parsed, parsed.key.length)
  return timingSafeEqual(key, parsed.key)
}

function derive(
  password: string,
  salt: Buffer,
  { N, r, p }: { N: number; r: number; p: number },
  length: number,
): Promise<Buffer> {
  const options: ScryptOptions = { N, r, p, maxmem: 2 * 128 * N * r * p + 1024 * 1024 }
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, length, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}
