/**
 * The protocol client libraries of the built-in check types, each loaded when the first check that
 * needs it runs (once per thread), not when the check types are registered: a scanner process and
 * each of its worker threads pay only for the libraries of the types the competition uses
 * (tedious alone is some 250 ms and 40 MB), and `scanner status` or `--version` for none.
 *
 * A check module imports its library with `import type` only, and loads it in its check path.
 *
 * @example
 * import type { Client } from 'ssh2'
 * import { loadSsh2 } from './client-libraries.ts'
 *
 * const ssh2 = await loadSsh2()
 * const client: Client = new ssh2.Client()
 */
import { setTimeout as nextTurn } from 'node:timers/promises'

/** The load in progress or done last: loads run one after the other. */
let previous: Promise<unknown> = Promise.resolve()

/**
 * A loader that imports on its first call and gives every call the same module. Loading is
 * synchronous work once the files are read: several libraries loaded in one go would block the
 * thread long enough for the worker pool's watchdog to take it for stalled, so they are loaded
 * one at a time, each after a turn of the event loop (where the thread's heartbeat ticks).
 */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined
  return () => {
    if (loaded === undefined) {
      loaded = previous.then(() => nextTurn(0)).then(load)
      previous = loaded.catch(() => undefined)
    }
    return loaded
  }
}

// A CommonJS package is taken as its `.default` (its `module.exports`): the single binary's
// bundle gives such a package no named exports, only the default.
export const loadSsh2 = once(async () => (await import('./ssh2-library.ts')).default)
export const loadBasicFtp = once(async () => (await import('basic-ftp')).default)
export const loadImapflow = once(async () => import('imapflow'))
export const loadLdapts = once(async () => import('ldapts'))
export const loadPg = once(async () => (await import('pg')).default)
export const loadUndici = once(async () => (await import('undici')).default)
export const loadMysql2 = once(async () => (await import('mysql2')).default)
export const loadTedious = once(async () => (await import('tedious')).default)
export const loadNetSnmp = once(async () => (await import('net-snmp')).default)

export type Tedious = Awaited<ReturnType<typeof loadTedious>>
export type Ldapts = Awaited<ReturnType<typeof loadLdapts>>
export type NetSnmp = Awaited<ReturnType<typeof loadNetSnmp>>
