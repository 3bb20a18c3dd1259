/**
 * The SDK for authors of `services.ts` files: `import { ServiceType, register } from 'scanner'`.
 *
 * @example
 * import { ServiceType, register, type Service, type CheckContext } from 'scanner'
 *
 * class PortOpen extends ServiceType {
 *   static override shortName = 'port-open'
 *   override async doCheck(service: Service, ctx: CheckContext) {
 *     await connect(service.host, service.port, ctx.signal)
 *     this.reportScore(service, service.points, null)
 *   }
 * }
 * register(PortOpen)
 *
 * Scripts that score external services (`external: true`) import `openScanner` from it too.
 */
import { ServiceRegistry } from './registry.ts'
import type { ServiceTypeClass } from './service-type.ts'

export { z } from 'zod'
export { ServiceType, type CheckContext, type CheckDatabase, type OptionsSchema } from './service-type.ts'
export type { Service, Credentials, TeamData, TeamInfoValue } from './service.ts'
export {
  ScannerError,
  CheckFailure,
  CredentialsError,
  NotImplementedError,
  RegistryError,
  DatabaseAccessError,
  type Stage,
} from './errors.ts'
export { ServiceRegistry } from './registry.ts'
// External checks: scripts that score `external: true` services open the database with this.
export {
  openScanner,
  type ScannerConnection,
  type OpenScannerOptions,
  type Score,
} from './external-checks.ts'

/**
 * The registry that `register` fills: the one the scanner reads custom check types from after it
 * has loaded the `services.ts` files.
 */
export const customTypes = new ServiceRegistry()

/**
 * Registers a check type. Works as a function and as a class decorator (standard or legacy).
 *
 * @example
 * register(MyCheck)
 *
 * @example
 * @register
 * class MyCheck extends ServiceType { static override shortName = 'my-check' }
 */
export function register<C extends abstract new (...args: never[]) => unknown>(cls: C, context?: unknown): C {
  registerInto(customTypes, cls, context)
  return cls
}

/**
 * Registers now, or, as a standard class decorator, once the class is complete: decorators run
 * before static fields such as `shortName` are set, so the registration waits for them.
 */
export function registerInto(registry: ServiceRegistry, cls: unknown, context?: unknown): void {
  const addInitializer = (context as { addInitializer?: unknown } | undefined)?.addInitializer
  if (typeof addInitializer === 'function') {
    ;(addInitializer as (fn: () => void) => void)(() => registry.register(cls))
  } else {
    registry.register(cls)
  }
}

export type { ServiceTypeClass }
