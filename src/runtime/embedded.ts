import { createHash } from 'node:crypto'
import { accessSync, constants, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ScannerError } from '../errors.ts'

interface SeaModule {
  isSea(): boolean
  getAsset(key: string, encoding: string): string
  getRawAsset(key: string): ArrayBuffer
}

/** Names of the assets the single binary carries (see build.mjs). */
export const ASSET_WORKER = 'worker.cjs'
export const ASSET_SQLITE = 'better_sqlite3.node'

let sea: SeaModule | null | undefined

/** The `node:sea` module when running as the single binary, null otherwise (sources, Deno). */
export function seaModule(): SeaModule | null {
  if (sea === undefined) {
    try {
      const mod = createRequire(import.meta.url)('node:sea') as SeaModule
      sea = mod.isSea() ? mod : null
    } catch {
      sea = null
    }
  }
  return sea
}

/** The cache folder the embedded addon is written to once per version. */
function cacheDir(digest: string): string {
  const base =
    process.env.SCANNER_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'scanner')
  return join(base, digest)
}

/**
 * The better-sqlite3 addon embedded in the binary: written to a per-version cache folder (once)
 * and loaded with `process.dlopen`. Undefined when running from the sources.
 */
export function embeddedSqliteBinding(): unknown {
  const mod = seaModule()
  if (!mod) return undefined
  const bytes = Buffer.from(mod.getRawAsset(ASSET_SQLITE))
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16)
  const dir = cacheDir(digest)
  const file = join(dir, ASSET_SQLITE)
  try {
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      const tmp = `${file}.${process.pid}.tmp`
      writeFileSync(tmp, bytes, { mode: 0o755 })
      renameSync(tmp, file)
    }
    accessSync(file, constants.R_OK)
    const module = { exports: {} as unknown }
    process.dlopen(module, file)
    return module.exports
  } catch (err) {
    throw new ScannerError(
      'ERR_CACHE_DIR',
      `cannot load the embedded SQLite addon from ${dir} (${(err as Error).message}); ` +
        'set SCANNER_CACHE_DIR to a writable folder on a file system that allows executing files',
    )
  }
}
