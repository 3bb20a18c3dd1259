/**
 * Service records for check tests, built as the config loader builds them: options parsed by the
 * type's schema (defaults applied), the type's default port unless one is given.
 */
import { builtinTypes } from '../../checks/builtin-types.ts'
import type { Service } from '../../src/service.ts'
import { serviceSpec } from '../helpers/service-spec.ts'
import { optionsSchema } from '../../src/service-type.ts'

export type ServiceOverrides = Partial<Omit<Service, 'options'>> & {
  subtype: string
  options?: Record<string, unknown>
}

let nextId = 1

/** A service of type `subtype` on 127.0.0.1 with a 2 s timeout and 5 points. */
export function makeService(overrides: ServiceOverrides): Service {
  const cls = builtinTypes().get(overrides.subtype)
  if (!cls) throw new Error(`no built-in check type "${overrides.subtype}"`)
  const { options = {}, ...fields } = overrides
  return {
    ...serviceSpec(1, overrides.subtype, {
      host: '127.0.0.1',
      port: cls.defaultPort,
      url: '',
      redVisibility: true,
    }),
    id: nextId++,
    teamName: 'Team 1',
    administrativelyDown: false,
    downReason: null,
    scoreCap: null,
    ...fields,
    options: optionsSchema(cls).parse(options) as Record<string, unknown>,
  }
}
