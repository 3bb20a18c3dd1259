/**
 * What the types that fetch a file (`ftp`, `ftps`, `sftp`) share: the options that bound the
 * download and say what the file must hold, and the match itself.
 *
 * - `max_bytes`: bytes of the file read at most (1 MiB); past that the transfer is stopped and the
 *   content is matched against what was read.
 * - `expect` / `expect_regex` / `expect_exact`: matched against the file as UTF-8 text.
 * - `sha256`: the SHA-256 of the whole file, as `sha256sum` prints it (a list: any of them). A file
 *   larger than `max_bytes` cannot match it.
 *
 * @example
 * const options = z.object({ file: z.string(), ...fileMatchOptions() }).strict()
 * // once the file is read:
 * matchFile({ data, truncated }, service.options, '/var/www/index.html')
 */
import { createHash } from 'node:crypto'
import {
  expectOptions,
  hasExpectations,
  integer,
  listOf,
  matchExpected,
  lazily,
} from '../src/check-options.ts'
import { CheckFailure, z } from '../src/sdk.ts'

export const DEFAULT_MAX_BYTES = 1024 * 1024

/** A SHA-256 digest: 64 hex digits, or a `sha256sum` line (its first word is kept); lower case. */
function sha256Digest() {
  return z
    .string({ error: 'must be a SHA-256 digest: 64 hex digits' })
    .transform((v) => (v.trim().split(/\s+/)[0] ?? '').replace(/:/g, '').toLowerCase())
    .refine((v) => /^[0-9a-f]{64}$/.test(v), { error: 'must be a SHA-256 digest: 64 hex digits' })
}

/** The options to spread into the schema of a type that fetches a file. */
export const fileMatchOptions = lazily(() => ({
  max_bytes: integer(1, 256 * 1024 * 1024).default(DEFAULT_MAX_BYTES),
  ...expectOptions(),
  sha256: listOf(sha256Digest()).optional(),
}))

/** The parsed options of `fileMatchOptions`. */
export interface FileMatchOptions {
  max_bytes: number
  expect?: string[] | undefined
  expect_regex?: string | undefined
  expect_exact?: string[] | undefined
  sha256?: string[] | undefined
}

/** Whether any option asks something of the file's content. */
export function hasFileExpectations(options: FileMatchOptions): boolean {
  return hasExpectations(options) || options.sha256 !== undefined
}

/** What was read of a file: at most `max_bytes`, and whether the file had more. */
export interface FetchedFile {
  data: Buffer
  truncated: boolean
}

/**
 * Checks the file against `sha256` and the match options (all that are set must hold); throws
 * `CheckFailure('match', ...)` naming the file.
 */
export function matchFile(file: FetchedFile, options: FileMatchOptions, path: string): void {
  const { data, truncated } = file
  if (options.sha256 !== undefined) {
    if (truncated) {
      throw new CheckFailure(
        'match',
        `file ${path} is larger than max_bytes (${options.max_bytes} bytes), so its sha256 cannot be checked`,
      )
    }
    const actual = createHash('sha256').update(data).digest('hex')
    if (!options.sha256.includes(actual)) {
      const short = (digest: string) => `${digest.slice(0, 16)}…`
      throw new CheckFailure(
        'match',
        `file ${path} has changed: its sha256 is ${short(actual)}, expected ${options.sha256.map(short).join(' or ')}`,
        {
          debug: `sha256 of ${path} (${data.length} bytes): ${actual}\nexpected: ${options.sha256.join(', ')}`,
        },
      )
    }
  }
  const what = truncated ? `file ${path} (first ${data.length} bytes)` : `file ${path}`
  matchExpected(data.toString('utf8'), options, what)
}
