import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ServiceRegistry, ServiceType, register, customTypes, type Service } from 'scanner'
import { isMassType } from '../../src/registry.ts'

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
