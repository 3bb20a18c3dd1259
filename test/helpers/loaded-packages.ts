/** Which packages of node_modules a Node process loads: for the tests of what start-up costs. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

/** The protocol client libraries of the built-in check types, loaded when a check needs one. */
export const CLIENT_LIBRARIES = [
  'ssh2',
  'basic-ftp',
  'imapflow',
  'ldapts',
  'pg',
  'undici',
  'mysql2',
  'tedious',
  'net-snmp',
] as const

/**
 * Loaded before the code under test: records every package a module is resolved in, keeps the set
 * in `globalThis.loadedPackages`, and prints it on stderr when the process exits.
 */
const HOOK = `
import { registerHooks } from 'node:module'
const packages = new Set()
globalThis.loadedPackages = packages
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context)
    const name = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url)?.[1]
    if (name !== undefined) packages.add(name)
    return resolved
  },
})
process.on('exit', () => process.stderr.write('\\nloaded packages: ' + JSON.stringify([...packages]) + '\\n'))
`

export interface LoadedRun {
  code: number
  stdout: string
  stderr: string
  /** Every package loaded by the time the process exited. */
  packages: string[]
}

/** Runs Node with `args` (a script and its arguments, or `-e`) and tells which packages it loaded. */
export async function packagesLoadedBy(args: string[], cwd?: string): Promise<LoadedRun> {
  const hook = `--import=data:text/javascript,${encodeURIComponent(HOOK)}`
  const run = promisify(execFile)(process.execPath, [hook, ...args], { cwd })
  const { stdout, stderr, code } = await run.then(
    (done) => ({ ...done, code: 0 }),
    (err: { stdout: string; stderr: string; code: number }) => err,
  )
  const listed = /\nloaded packages: (.*)\n/.exec(stderr)?.[1]
  if (listed === undefined) throw new Error(`the process did not list its packages:\n${stderr}`)
  return { code, stdout, stderr, packages: JSON.parse(listed) as string[] }
}
