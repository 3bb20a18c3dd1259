import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ServiceRegistry, ServiceType, register, customTypes, z, type Service } from 'scanner'
import { isMassType } from '../../src/registry.ts'
import { optionsSchema } from '../../src/service-type.ts'

class Alpha extends ServiceType {
  static override shortName = 'alpha'
}

test('register: adds a ServiceType subclass under its shortName', () => {
  const registry = new ServiceRegistry()
  registry.register(Alpha)
  assert.equal(registry.get('alpha'), Alpha)
  assert.deepEqual(
    registry.list().map((c) => c.shortName),
    ['alpha'],
  )
})

test('register: refuses a second class under a name already taken, naming both', () => {
  const registry = new ServiceRegistry()
  registry.register(Alpha)
  class Other extends ServiceType {
    static override shortName = 'alpha'
  }
  assert.throws(() => registry.register(Other), {
    code: 'ERR_REGISTRY',
    message: /"alpha" is already registered \(by class Alpha\); Other/,
  })
})

test('register: refuses values that are not ServiceType classes', () => {
  const registry = new ServiceRegistry()
  class NotACheck {
    static shortName = 'nope'
  }
  for (const value of [NotACheck, {}, 'ssh', null, () => undefined]) {
    assert.throws(() => registry.register(value), {
      code: 'ERR_REGISTRY',
      message: /expects a class that extends ServiceType/,
    })
  }
})

test('register: refuses a class without a usable shortName', () => {
  class Nameless extends ServiceType {}
  assert.throws(() => new ServiceRegistry().register(Nameless), {
    code: 'ERR_REGISTRY',
    message: /needs a static shortName/,
  })
})

test('register: works as a function and as a standard class decorator call, returning the class', () => {
  class Deco extends ServiceType {
    static override shortName = 'deco-test'
  }
  assert.equal(register(Deco, { kind: 'class', name: 'Deco' }), Deco)
  assert.equal(customTypes.get('deco-test'), Deco)
})

test('isMassType: true only for a class that overrides doMassCheck', () => {
  class Mass extends ServiceType {
    static override shortName = 'mass-x'
    override async doMassCheck(_services: Service[]): Promise<void> {}
  }
  assert.equal(isMassType(Mass), true)
  assert.equal(isMassType(Alpha), false)
})

test('ServiceType: the base doCheck and doMassCheck throw NotImplementedError', async () => {
  class Bare extends ServiceType {
    static override shortName = 'bare'
  }
  const bare = new Bare()
  await assert.rejects(bare.doCheck({} as Service, {} as never), { code: 'ERR_NOT_IMPLEMENTED' })
  await assert.rejects(bare.doMassCheck([], {} as never), { code: 'ERR_NOT_IMPLEMENTED' })
})

test('optionsSchema: a schema given as a function is built once; one that throws or is no schema is refused by name', () => {
  let builds = 0
  class Lazy extends ServiceType {
    static override shortName = 'lazy'
    static override options = () => {
      builds++
      return z.object({ word: z.string() }).strict()
    }
  }
  assert.equal(optionsSchema(Lazy).safeParse({ word: 'x' }).success, true)
  assert.equal(optionsSchema(Lazy).safeParse({ other: 1 }).success, false)
  assert.equal(builds, 1)

  class Broken extends ServiceType {
    static override shortName = 'broken'
    static override options = (): z.ZodType => {
      throw new Error('PLANT_URL is not set')
    }
  }
  assert.throws(() => optionsSchema(Broken), {
    code: 'ERR_REGISTRY',
    message: 'check type "broken": its static options() threw: PLANT_URL is not set',
  })
  class NotASchema extends ServiceType {
    static override shortName = 'not-a-schema'
    static override options = (() => ({ word: 'string' })) as unknown as () => z.ZodType
  }
  assert.throws(() => optionsSchema(NotASchema), {
    code: 'ERR_REGISTRY',
    message: 'check type "not-a-schema": its static options() must return a zod schema',
  })
})
