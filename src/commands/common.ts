import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { UsageError } from '../errors.ts'
import type { Competition } from '../config/competition.ts'
import { loadConfig } from '../config/load-config.ts'
import { loadCheckTypes, servicesFilesOf } from '../engine/load-types.ts'
import type { CompiledServices } from '../engine/services-loader.ts'
import type { ServiceRegistry } from '../registry.ts'

/** Options every command takes. */
export interface CommonArgs {
  config: string
  db: string
  services: string[]
  json: boolean
}

/** The check types (built-in and custom) and the compiled services files they came from. */
export async function loadTypes(
  args: Pick<CommonArgs, 'services'>,
): Promise<{ registry: ServiceRegistry; compiled: CompiledServices }> {
  return loadCheckTypes(servicesFilesOf(args.services))
}

/** Loads and validates the config; nothing is written before this succeeds. */
export function loadCompetition(args: Pick<CommonArgs, 'config'>, registry: ServiceRegistry): Competition {
  if (!existsSync(args.config))
    throw new UsageError(`config file ${args.config} not found (use --config PATH)`)
  return loadConfig(args.config, registry)
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
