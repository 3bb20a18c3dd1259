import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { UsageError } from '../errors.ts'

/** Options every command takes. */
export interface CommonArgs {
  config: string
  db: string
  services: string[]
  json: boolean
}

/** Refuses to read a database that does not exist (instead of creating an empty one). */
export function existingDb(file: string): string {
  if (!existsSync(file))
    throw new UsageError(`database ${file} not found (use --db PATH, or run a round first)`)
  return file
}

/** `scan.log` beside the database. */
export function scanLogPath(dbFile: string): string {
  return join(dirname(resolve(dbFile)), 'scan.log')
}

/** Refuses a `--workers` that is not a whole number of at least 1 (absent: the default). */
export function checkWorkers(workers: number | undefined): void {
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1))
    throw new UsageError(`--workers must be a whole number of at least 1, got ${workers}`)
}
