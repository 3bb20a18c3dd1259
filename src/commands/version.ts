import { sqliteVersion } from '../../db/open-database.ts'
import pkg from '../../package.json' with { type: 'json' }

/** The JavaScript runtime: Node, or Deno running the same sources. */
function runtime(): string {
  const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno
  return deno ? `Deno ${deno.version.deno}` : `Node ${process.version}`
}

/** `scanner --version`: this scanner, the runtime it runs on and the SQLite it stores into. */
export function versionText(): string {
  return `scanner ${pkg.version} (${runtime()}, SQLite ${sqliteVersion()})`
}
