import { readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { builtinTypes } from '../../checks/builtin-types.ts'
import { ServiceRegistry } from '../registry.ts'
import * as sdk from '../sdk.ts'
import {
  ServicesFileError,
  compileAndLoadServices,
  loadCompiledServices,
  type CompiledServices,
} from './services-loader.ts'

export { ServicesFileError }

/** The `.ts` files named by `--services` (a file, or every `*.ts` of a directory), in order. */
export function servicesFilesOf(paths: readonly string[]): string[] {
  const files: string[] = []
  for (const p of paths) {
    const full = resolve(p)
    let isDir: boolean
    try {
      isDir = statSync(full).isDirectory()
    } catch {
      throw new ServicesFileError(`services file ${p} does not exist`)
    }
    if (!isDir) files.push(full)
    else
      for (const f of readdirSync(full)
        .filter((n) => n.endsWith('.ts'))
        .sort())
        files.push(join(full, f))
  }
  return files
}

/**
 * The SDK as the services files of one load see it: the same classes, but `register` fills a
 * registry of this load only, so that loading the files again (a test, a reload) starts afresh.
 */
function scopedSdk(): { sdk: object; custom: ServiceRegistry } {
  const custom = new ServiceRegistry()
  const register = <C>(cls: C, context?: unknown): C => {
    sdk.registerInto(custom, cls, context)
    return cls
  }
  return { sdk: { ...sdk, register, customTypes: custom }, custom }
}

function withBuiltins(custom: ServiceRegistry): ServiceRegistry {
  try {
    return ServiceRegistry.merge(builtinTypes(), sdk.customTypes, custom)
  } catch (err) {
    throw new ServicesFileError(err instanceof Error ? err.message : String(err), { cause: err })
  }
}

/** Main thread: built-in check types plus those the services files register, and their code. */
export async function loadCheckTypes(
  servicesFiles: readonly string[],
): Promise<{ registry: ServiceRegistry; compiled: CompiledServices }> {
  const scoped = scopedSdk()
  const compiled = await compileAndLoadServices(servicesFiles, scoped.sdk)
  return { registry: withBuiltins(scoped.custom), compiled }
}

/** Worker thread: the same check types, from the code the main thread compiled. */
export function loadCompiledCheckTypes(compiled: CompiledServices): ServiceRegistry {
  const scoped = scopedSdk()
  loadCompiledServices(compiled, scoped.sdk)
  return withBuiltins(scoped.custom)
}
