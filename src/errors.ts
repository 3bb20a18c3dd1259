/**
 * The few error classes of the scanner. Each has a stable `code`; tests and the engine test `code`,
 * never the class, because an Error subclass loses its class when it crosses a worker boundary.
 */

/** The stage of a check that failed, in the order a check goes through them. */
export type Stage = 'connect' | 'tls' | 'auth' | 'action' | 'match'
export const STAGES: readonly Stage[] = ['connect', 'tls', 'auth', 'action', 'match']

export class ScannerError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** Thrown by the base `doCheck` / `doMassCheck`: a check type must override the one it uses. */
export class NotImplementedError extends ScannerError {
  constructor(message: string) {
    super('ERR_NOT_IMPLEMENTED', message)
  }
}

/** No credentials to use: an empty credential pool, a missing team info entry, or none configured. */
export class CredentialsError extends ScannerError {
  constructor(message: string) {
    super('ERR_CREDENTIALS', message)
  }
}

/**
 * A check failed in a known stage. `message` is shown to the team; `debug` is kept for the white
 * team only (a ServiceError), so it may hold a protocol transcript.
 *
 * @example
 * throw new CheckFailure('match', 'page does not contain "Welcome"', { debug: body.slice(0, 2000) })
 */
export class CheckFailure extends ScannerError {
  readonly stage: Stage
  readonly debug: string | undefined
  constructor(stage: Stage, message: string, options: { debug?: string; cause?: unknown } = {}) {
    super('ERR_CHECK_FAILED', message, { cause: options.cause })
    this.stage = stage
    this.debug = options.debug
  }
}

/** `register()` was given something it cannot register. */
export class RegistryError extends ScannerError {
  constructor(message: string) {
    super('ERR_REGISTRY', message)
  }
}

/** A check asked for the database outside the main thread, as IScorE forbids. */
export class DatabaseAccessError extends ScannerError {
  constructor(
    message = 'database access in a service worker is not allowed: only startCheck and endCheck (main thread) may use it',
  ) {
    super('ERR_DATABASE_IN_WORKER', message)
  }
}

/** A problem with the user's input (config, services files, command line): exit code 2. */
export class UsageError extends ScannerError {
  constructor(message: string) {
    super('ERR_USAGE', message)
  }
}

/**
 * A command line that does not parse: an unknown command or option, a missing or extra argument, a
 * bad option value. Exit code 2, with a pointer to `scanner --help`.
 */
export class CommandLineError extends ScannerError {
  constructor(message: string) {
    super('ERR_COMMAND_LINE', message)
  }
}

/** The round in flight was aborted on request (a second Ctrl-C): marked aborted, no score written. */
export class RoundAbortedError extends ScannerError {
  constructor(message = 'the round was aborted') {
    super('ERR_ROUND_ABORTED', message)
  }
}
