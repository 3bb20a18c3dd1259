/**
 * What the commands that check services load first: the check types and the config. Apart from
 * `common.ts` so that the commands that only read the database (`status`, `services`) load
 * neither the check types nor the config parser.
 */
import { existsSync } from 'node:fs'
import { UsageError } from '../errors.ts'
import type { Competition } from '../config/competition.ts'
import { loadConfig } from '../config/load-config.ts'
import { loadCheckTypes, servicesFilesOf } from '../engine/load-types.ts'
import type { CompiledServices } from '../engine/services-loader.ts'
import type { ServiceRegistry } from '../registry.ts'
import type { CommonArgs } from './common.ts'

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
