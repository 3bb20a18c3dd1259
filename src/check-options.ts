/**
 * The shared vocabulary of check options (SPEC 6): every built-in check type builds its `options:`
 * schema from these, so `expect`, `expect_regex`, `tls`, `tls_verify` ... mean the same thing and
 * accept the same spellings in every type.
 *
 * Every schema here outputs plain JSON data (strings, numbers, booleans, arrays), and parsing its
 * own output again gives the same output: the parsed options are stored in the database and sent
 * to worker threads as they are.
 *
 * @example
 * import { z } from 'zod'
 * import { expectOptions, flag, matchExpected } from '../src/check-options.ts'
 *
 * const options = lazily(() => z.object({ command: z.string().optional(), ...expectOptions() }).strict())
 * // in doCheck, once the output is read:
 * matchExpected(output, service.options, 'command output')
 */
import { z } from 'zod'
import { CheckFailure, type Stage } from './errors.ts'

/**
 * `build`, called once on first use: the built-in check types declare their option schemas this
 * way (see `OptionsSchema` in service-type.ts), so that a start builds only those it uses.
 */
export function lazily<T>(build: () => T): () => T {
  let built: { value: T } | undefined
  return () => (built ??= { value: build() }).value
}

const text = () => z.union([z.string(), z.number().transform(String)], { error: 'must be text' })

/**
 * A list of strings written as a list or as one value; numbers become strings (`expect: 42`).
 *
 * @example
 * stringList().parse('ok') // ['ok']
 * stringList().parse(['ok', 7]) // ['ok', '7']
 */
export function stringList() {
  return z.preprocess(
    (v) => (typeof v === 'string' || typeof v === 'number' ? [v] : v),
    z.array(text(), { error: 'must be text or a list of text' }).min(1, 'must not be an empty list'),
  )
}

/**
 * A list of `item`, written as a list or as one item.
 *
 * @example
 * listOf(integer(100, 599)).parse('301') // [301]
 */
export function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v: unknown): unknown => (Array.isArray(v) ? (v as unknown[]) : [v]),
    z.array(item).min(1, 'must not be an empty list'),
  )
}

/** A number, or a string that is one (`version: 3` or `"3"`), as input to `inner`. */
function numeric<T extends z.ZodType>(inner: T) {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v),
    inner,
  )
}

/**
 * A number written as a number or a numeric string (`version: 3` or `"3"`).
 *
 * @example
 * numberish().parse('2.5') // 2.5
 */
export function numberish() {
  return numeric(z.number({ error: 'must be a number' }))
}

/**
 * A whole number between `min` and `max`, written as a number or a numeric string.
 *
 * @example
 * integer(100, 599).parse('200') // 200
 */
export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return numeric(
    z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  )
}

/** A boolean; the strings `"true"` and `"false"` are accepted too (a template gives a string). */
export function flag() {
  return z.preprocess(
    (v) => (v === 'true' ? true : v === 'false' ? false : v),
    z.boolean({ error: 'must be true or false' }),
  )
}

export const TLS_MODES = ['implicit', 'starttls', 'none'] as const
export type TlsMode = (typeof TLS_MODES)[number]

/**
 * The `tls` option: `implicit` (TLS from the first byte), `starttls` (upgrade in the protocol) or
 * `none`. Its default is the type's (`implicit` for the types whose name ends in `s`), so a check
 * never changes behaviour with what a server offers.
 */
export function tlsMode(defaultMode: TlsMode, allowed: readonly TlsMode[] = TLS_MODES) {
  const [first, ...rest] = allowed
  if (first === undefined) throw new TypeError('tlsMode needs at least one allowed mode')
  return z.enum([first, ...rest], { error: `must be one of ${allowed.join(', ')}` }).default(defaultMode)
}

/** `tls_verify`: check the server's certificate chain and name. Off by default: competition boxes use self-signed certificates. */
export function tlsVerify() {
  return flag().default(false)
}

/**
 * `tls_fingerprint`: the SHA-256 fingerprint of the server's certificate (hex, colons optional,
 * as `openssl x509 -fingerprint -sha256` prints it); when set, any other certificate fails the
 * check at stage `tls`, whatever `tls_verify` says. Kept upper case with colons.
 */
export function tlsFingerprint() {
  return z
    .string()
    .transform((v) =>
      v
        .replace(/^sha256\s*fingerprint\s*=\s*/i, '')
        .replace(/[:\s]/g, '')
        .toUpperCase(),
    )
    .refine((v) => /^[0-9A-F]{64}$/.test(v), {
      error: 'must be a SHA-256 fingerprint: 64 hex digits, colons allowed',
    })
    .transform((v) => v.match(/../g)!.join(':'))
    .optional()
}

/** The TLS options every TLS-speaking type spreads into its schema. */
export function tlsCertificateOptions() {
  return { tls_verify: tlsVerify(), tls_fingerprint: tlsFingerprint() }
}

/**
 * A regular expression in JavaScript syntax that must compile, so that a bad one is a config error
 * rather than a failed check in every round. It is kept as a string; compile it with `compileRegex`.
 */
export function regexString() {
  return z.string().superRefine((source, ctx) => {
    try {
      new RegExp(source)
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `regular expression does not compile: ${err instanceof Error ? err.message : String(err)}`,
      })
    }
  })
}

/**
 * The match options, to spread into a type's schema: `expect` (text that must appear; a list means
 * any of them), `expect_regex` (a regular expression that must match somewhere; `$` also matches
 * before a final line break, as output usually ends with one) and `expect_exact`
 * (the whole text, trimmed of surrounding white space, must equal one of them).
 */
export function expectOptions() {
  return {
    expect: stringList().optional(),
    expect_regex: regexString().optional(),
    expect_exact: stringList().optional(),
  }
}

/** The parsed match options. */
export interface ExpectOptions {
  expect?: string[] | undefined
  expect_regex?: string | undefined
  expect_exact?: string[] | undefined
}

/** Compiles an `expect_regex` (templates may have changed it since the config was validated). */
export function compileRegex(source: string, stage: Stage = 'match'): RegExp {
  try {
    return new RegExp(source)
  } catch (err) {
    throw new CheckFailure(stage, `expect_regex ${excerpt(source, 60)} does not compile`, { cause: err })
  }
}

const EXCERPT_CHARS = 120
const DEBUG_CHARS = 4000

/**
 * A short, quoted excerpt of text a server sent, safe to show: control characters escaped, cut to
 * `max` characters.
 */
export function excerpt(text: string, max: number = EXCERPT_CHARS): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text
  return JSON.stringify(cut)
}

/** Whether any option of `options` asks for a match. */
export function hasExpectations(options: ExpectOptions): boolean {
  return (
    options.expect !== undefined || options.expect_regex !== undefined || options.expect_exact !== undefined
  )
}

/**
 * Checks `text` against every match option that is set (all must hold) and throws
 * `CheckFailure('match', ...)` naming `what` and quoting a bounded excerpt of what was received.
 * Does nothing when no match option is set.
 *
 * @example
 * matchExpected('uid=0(root)', { expect: ['root'] }, 'command output') // passes
 */
export function matchExpected(text: string, options: ExpectOptions, what: string): void {
  const fail = (wanted: string): never => {
    const received = text.trim() === '' ? 'nothing' : excerpt(text.trim())
    throw new CheckFailure('match', `${what} ${wanted}; received ${received}`, {
      debug: `${what} (${text.length} characters):\n${text.slice(0, DEBUG_CHARS)}`,
    })
  }
  const { expect, expect_regex: regex, expect_exact: exact } = options
  if (expect && !expect.some((e) => text.includes(e))) {
    fail(`does not contain ${expect.map((e) => excerpt(e, 60)).join(' or ')}`)
  }
  if (regex !== undefined && !regexMatches(compileRegex(regex), text)) {
    fail(`does not match /${regex.length > 60 ? `${regex.slice(0, 60)}…` : regex}/`)
  }
  if (exact && !exact.includes(text.trim())) {
    fail(`is not exactly ${exact.map((e) => excerpt(e, 60)).join(' or ')}`)
  }
}

/** Whether `regex` matches `text`; as in Python, `$` matches before a final line break too. */
export function regexMatches(regex: RegExp, text: string): boolean {
  return regex.test(text) || regex.test(text.replace(/\r?\n$/, ''))
}

/**
 * Turns an error a protocol library threw into a `CheckFailure` of the stage the check was in,
 * keeping a `CheckFailure` as it is (a timeout's abort reason is one). A `CredentialsError` fails
 * stage `auth`; network error codes get a plain message.
 */
export function failureOf(err: unknown, stage: Stage): CheckFailure {
  if (err instanceof CheckFailure) return err
  const code = (err as { code?: unknown } | null)?.code
  if (code === 'ERR_CREDENTIALS' && err instanceof Error)
    return new CheckFailure('auth', err.message, { cause: err })
  const plain = typeof code === 'string' ? NETWORK_MESSAGES[code] : undefined
  const message = plain ?? (err instanceof Error ? err.message || err.name : String(err))
  return new CheckFailure(stage, message, { cause: err, debug: err instanceof Error ? err.stack : undefined })
}

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
}
