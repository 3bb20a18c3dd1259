import { join } from 'node:path'
import { ScannerError } from '../errors.ts'
import { embeddedRuntime } from './runtime-dir.ts'

/** Names of the assets the single binary carries (see build.mjs and sea-bootstrap.ts). */
export const ASSET_WORKER = 'app/worker.mjs'
export const ASSET_SQLITE = 'better_sqlite3.node'

/**
 * The better-sqlite3 addon embedded in the binary, unpacked by the bootstrap into the build's
 * folder and loaded with `process.dlopen`. Undefined when running from the sources.
 */
export function embeddedSqliteBinding(): unknown {
  const runtime = embeddedRuntime()
  if (!runtime) return undefined
  const file = join(runtime.dir, ASSET_SQLITE)
  try {
    const module = { exports: {} as unknown }
    process.dlopen(module, file)
    return module.exports
  } catch (err) {
    throw new ScannerError(
      'ERR_CACHE_DIR',
      `cannot load the embedded SQLite addon from ${runtime.dir} (${(err as Error).message}); ` +
        'set SCANNER_CACHE_DIR to a writable folder on a file system that allows executing files',
    )
  }
}

/**
 * The worker script of the single binary: the unpacked worker bundle, run with the compile cache
 * on (a worker thread does not inherit it), so a worker starts from compiled code too.
 */
export function embeddedWorkerCode(): string | undefined {
  const runtime = embeddedRuntime()
  if (!runtime) return undefined
  const file = JSON.stringify(join(runtime.dir, ASSET_WORKER))
  const cache = JSON.stringify(runtime.compileCache)
  return `require('node:module').enableCompileCache(${cache}); require(${file})`
}
