/**
 * The entry point of the single binary. It carries the program (ES modules in chunks shared by
 * the CLI and the worker threads), the SQLite addon and TypeScript (for services files) as assets; on the first start of a build it writes them to a per-build cache
 * folder, then runs the CLI from there with Node's compile cache on, so that every later start
 * (and every worker thread) reads compiled code from disk instead of parsing the program again.
 *
 * V8's code cache embedded in the blob (`useCodeCache`) would also save the parse, but it is not
 * the same from one build to the next; this way the binary is byte-for-byte reproducible and the
 * cache is made where it runs.
 *
 * Plain CommonJS with no imports of the project: it is bundled alone (see build.mjs), with
 * `SCANNER_BUILD_ID` (a digest of the assets) defined at build time.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire, enableCompileCache } from 'node:module'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { RUNTIME_KEY, type EmbeddedRuntime } from './runtime-dir.ts'

declare const SCANNER_BUILD_ID: string
/** The names of the assets, which are also their paths in the unpacked folder. */
declare const SCANNER_ASSETS: readonly string[]

interface Sea {
  getRawAsset(key: string): ArrayBuffer
}

function cacheRoot(): string {
  return (
    process.env.SCANNER_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'scanner')
  )
}

/**
 * Writes the assets of this build once, each atomically, then a marker: a start that finds the
 * marker checks nothing else, and two first starts at once cannot clash.
 */
function unpack(sea: Sea, dir: string): void {
  const marker = join(dir, '.unpacked')
  if (existsSync(marker)) return
  for (const name of SCANNER_ASSETS) {
    const file = join(dir, name)
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, Buffer.from(sea.getRawAsset(name)), { mode: 0o755 })
    renameSync(tmp, file)
  }
  writeFileSync(marker, `${SCANNER_BUILD_ID}\n`)
}

function main(): void {
  const sea = createRequire(__filename)('node:sea') as Sea
  const dir = join(cacheRoot(), SCANNER_BUILD_ID)
  try {
    unpack(sea, dir)
  } catch (err) {
    process.stderr.write(
      `scanner: cannot unpack the program into ${dir} (${(err as Error).message}); ` +
        'set SCANNER_CACHE_DIR to a writable folder on a file system that allows executing files\n',
    )
    process.exit(1)
  }
  // A cache that cannot be written only makes starts slower: Node goes on without it.
  enableCompileCache(join(dir, 'compile-cache'))
  const runtime: EmbeddedRuntime = { dir, compileCache: join(dir, 'compile-cache') }
  Object.assign(globalThis, { [RUNTIME_KEY]: runtime })
  // The program is ES modules with no top-level await: require() runs them synchronously.
  const cli = join(dir, 'app', 'cli.mjs')
  createRequire(cli)(cli)
}

main()
