import { closeSync, openSync } from 'node:fs'
import Database from 'better-sqlite3'
import { embeddedSqliteBinding } from '../src/runtime/embedded.ts'
import { migrations } from './migrations.ts'

export type SqliteDatabase = Database.Database

export interface OpenOptions {
  /** The better-sqlite3 addon, already loaded (the single binary loads it from an embedded asset). */
  nativeBinding?: unknown
  readonly?: boolean
}

/**
 * Opens (creating with mode 0600) the scanner database: WAL, synchronous NORMAL, a busy timeout
 * so that external scripts and a running scanner can write side by side, then migrates it.
 */
export function openDatabase(file: string, options: OpenOptions = {}): SqliteDatabase {
  if (file !== ':memory:' && !options.readonly) closeSync(openSync(file, 'a', 0o600))
  const dbOptions: Database.Options = {
    fileMustExist: options.readonly === true,
    readonly: options.readonly === true,
  }
  const binding = options.nativeBinding ?? embeddedSqliteBinding()
  if (binding !== undefined) dbOptions.nativeBinding = binding as string
  const db = new Database(file, dbOptions)
  db.pragma('busy_timeout = 10000')
  if (!options.readonly) {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    migrate(db)
  }
  return db
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > migrations.length) {
    throw new Error(
      `database schema version ${current} is newer than this scanner knows (${migrations.length}); upgrade the scanner`,
    )
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version] ?? '')
      db.pragma(`user_version = ${version + 1}`)
    }).immediate()
  }
}

/** Version of the SQLite library the scanner writes with. */
export function sqliteVersion(): string {
  const db = openDatabase(':memory:')
  try {
    return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v
  } finally {
    db.close()
  }
}
