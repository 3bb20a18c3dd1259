import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { Store } from '../../db/store.ts'
import { UsageError } from '../errors.ts'
import { CsvSyntaxError, parseCsv } from '../report/csv.ts'
import { textTable } from '../report/text-table.ts'
import { existingDb, type CommonArgs } from './common.ts'
import { resolvePcrs, type PcrRequest } from './pcr-requests.ts'

export interface PcrArgs extends CommonArgs {
  /** TEAM POOL_OR_INFO USER PASSWORD as typed (none with --file or --list). */
  request: string[]
  file?: string | undefined
  list: boolean
}

/** A PCR file is a few hundred lines: a bigger file is not one. */
const MAX_FILE_BYTES = 1024 * 1024
const COLUMNS = ['team', 'pool_or_info', 'user', 'password'] as const

/**
 * `scanner pcr TEAM POOL_OR_INFO USER PASSWORD`, `scanner pcr --file F.csv`, `scanner pcr --list`:
 * password change requests. Checks use the new password from the next round on (the round reads
 * the credentials when it starts). Passwords are never printed; the history keeps who and when,
 * and a hash of the replaced password.
 */
export function pcrCommand(args: PcrArgs, out: (text: string) => void): void {
  const positionals = args.request
  if (args.list) {
    if (positionals.length > 0 || args.file !== undefined)
      throw new UsageError('--list takes no request: scanner pcr --list [--json]')
    listCommand(args, out)
    return
  }
  let requests: PcrRequest[]
  if (args.file !== undefined) {
    if (positionals.length > 0)
      throw new UsageError('give the requests either on the command line or with --file, not both')
    requests = readRequests(args.file)
  } else {
    const [team, name, user, password] = positionals
    if (
      positionals.length !== 4 ||
      team === undefined ||
      name === undefined ||
      user === undefined ||
      password === undefined
    )
      throw new UsageError(
        'a password change needs TEAM POOL_OR_INFO USER PASSWORD (or --file F.csv, or --list for the history)',
      )
    requests = [{ team, name, user, password }]
  }
  const store = Store.open(existingDb(args.db))
  try {
    let resolved
    try {
      resolved = resolvePcrs(requests, store.teams())
    } catch (err) {
      if (err instanceof UsageError && args.file !== undefined)
        throw new UsageError(`${args.file}: ${err.message}`)
      throw err
    }
    store.recordPasswordChanges(resolved.map((r) => r.change))
    if (args.json) {
      out(
        JSON.stringify(
          resolved.map(({ change: c }) => ({
            team: c.team,
            source: c.source,
            key: c.key,
            username: c.username,
          })),
          null,
          2,
        ),
      )
      return
    }
    for (const r of resolved) out(`password changed for ${r.label}`)
    if (args.file !== undefined)
      out(`${resolved.length} password change(s) from ${args.file}, used from the next round on`)
  } finally {
    store.close()
  }
}

function listCommand(args: PcrArgs, out: (text: string) => void): void {
  const store = Store.open(existingDb(args.db), { readonly: true })
  try {
    const history = store.passwordChanges()
    if (args.json) out(JSON.stringify(history, null, 2))
    else if (history.length === 0) out('no password changes recorded')
    else
      out(
        textTable(
          ['time', 'team', 'source', 'name', 'user', 'actor'],
          history.map((h) => [h.created_at, String(h.team), h.source, h.key, h.username, h.actor]),
        ),
      )
  } finally {
    store.close()
  }
}

/** The requests of a CSV file with a `team,pool_or_info,user,password` header, all or nothing. */
function readRequests(file: string): PcrRequest[] {
  let rows
  try {
    rows = parseCsv(readText(file))
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new UsageError(`${file}: ${err.message}; nothing changed`)
    throw err
  }
  const [header, ...records] = rows
  const names = header?.fields.map((f) => f.trim().toLowerCase()) ?? []
  const at = COLUMNS.map((c) => names.indexOf(c))
  if (!header || names.length !== COLUMNS.length || at.some((i) => i < 0))
    throw new UsageError(
      `${file}: the first line must be the header ${COLUMNS.join(',')} (any order), got "${header?.fields.join(',') ?? ''}"`,
    )
  if (records.length === 0) throw new UsageError(`${file}: no requests after the header`)
  const [team, name, user, password] = at as [number, number, number, number]
  return records.map((r) => ({
    line: r.line,
    team: r.fields[team] ?? '',
    name: r.fields[name] ?? '',
    user: r.fields[user] ?? '',
    password: r.fields[password] ?? '',
    ...(r.fields.length === COLUMNS.length
      ? {}
      : { problem: `${r.fields.length} fields, expected ${COLUMNS.length} (${COLUMNS.join(',')})` }),
  }))
}

/** The file as UTF-8 text, refused when it is missing, too big or not UTF-8. */
function readText(file: string): string {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`)
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new UsageError(`${file} is not a file`)
    const { size } = stat
    if (size > MAX_FILE_BYTES) throw new UsageError(`${file} is too large for a PCR file (${size} bytes)`)
    const bytes = Buffer.alloc(size)
    let read = 0
    while (read < size) {
      const n = readSync(fd, bytes, read, size - read, read)
      if (n === 0) break
      read += n
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, read))
    } catch {
      throw new UsageError(`${file} is not UTF-8 text`)
    }
  } finally {
    closeSync(fd)
  }
}
