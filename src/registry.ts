import { RegistryError } from './errors.ts'
import { ServiceType, type ServiceTypeClass } from './service-type.ts'

/** A check type class that overrides `doMassCheck` scores every team at once. */
export function isMassType(cls: ServiceTypeClass): boolean {
  return cls.prototype.doMassCheck !== ServiceType.prototype.doMassCheck
}

/** Check types by short name. */
export class ServiceRegistry {
  readonly #types = new Map<string, ServiceTypeClass>()

  /** Adds a check type; refuses anything that is not a ServiceType subclass, and duplicates. */
  register(value: unknown): ServiceTypeClass {
    if (typeof value !== 'function' || !(value.prototype instanceof ServiceType)) {
      const what = typeof value === 'function' ? `class ${value.name || '(anonymous)'}` : typeof value
      throw new RegistryError(`register() expects a class that extends ServiceType, got ${what}`)
    }
    const cls = value as ServiceTypeClass
    const name = cls.shortName
    if (typeof name !== 'string' || !/^[a-z][a-z0-9_-]*$/.test(name)) {
      throw new RegistryError(
        `check type class ${cls.name} needs a static shortName of lowercase letters, digits, "-" or "_" (got ${JSON.stringify(name)})`,
      )
    }
    const existing = this.#types.get(name)
    if (existing === cls) return cls
    if (existing) {
      throw new RegistryError(
        `check type "${name}" is already registered (by class ${existing.name}); ${cls.name} cannot take it`,
      )
    }
    this.#types.set(name, cls)
    return cls
  }

  get(name: string): ServiceTypeClass | undefined {
    return this.#types.get(name)
  }

  has(name: string): boolean {
    return this.#types.has(name)
  }

  /**
   * Every registered type, sorted by short name. Short names are lowercase ASCII: compared by
   * code unit, not with localeCompare, whose first call loads ICU's collation data (~10 ms of
   * every start).
   */
  list(): ServiceTypeClass[] {
    return [...this.#types.values()].sort((a, b) =>
      a.shortName < b.shortName ? -1 : a.shortName > b.shortName ? 1 : 0,
    )
  }

  /** A registry holding the types of several others; a name taken twice is refused. */
  static merge(...registries: ServiceRegistry[]): ServiceRegistry {
    const merged = new ServiceRegistry()
    for (const r of registries) for (const cls of r.#types.values()) merged.register(cls)
    return merged
  }
}
