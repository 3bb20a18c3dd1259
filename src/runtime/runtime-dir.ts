/**
 * What the single binary's bootstrap (sea-bootstrap.ts) tells the program it started: the
 * per-build folder it unpacked the bundles and the SQLite addon into. Undefined when running from
 * the sources or under Deno.
 */
export const RUNTIME_KEY = Symbol.for('scanner.embedded-runtime')

export interface EmbeddedRuntime {
  /** The folder holding the program (`app/`), better_sqlite3.node and TypeScript of this build. */
  dir: string
  /** Node's compile cache folder, for the worker threads to use too. */
  compileCache: string
}

export function embeddedRuntime(): EmbeddedRuntime | undefined {
  return (globalThis as Record<symbol, EmbeddedRuntime | undefined>)[RUNTIME_KEY]
}
