import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { ServiceType } from 'scanner'
import { loadCheckTypes, loadCompiledCheckTypes } from '../../src/engine/load-types.ts'

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/services/${name}/services.ts`, import.meta.url))

test('services.ts: decorators, enums, import type, class fields and relative imports load and register', async () => {
  const { registry, compiled } = await loadCheckTypes([fixture('good')])
  const cls = registry.get('plant')
  assert.ok(cls, 'the @register decorator registered the type')
  assert.ok(cls.prototype instanceof ServiceType, 'the class extends the SDK of this process')
  assert.equal(cls.defaultPort, 502)
  assert.equal(Object.keys(compiled.code).length, 2, 'the services file and its relative import are compiled')
})

test('services.ts: a worker loads the same types from the compiled code, without the compiler', async () => {
  const { compiled } = await loadCheckTypes([fixture('good')])
  const registry = loadCompiledCheckTypes(compiled)
  assert.ok(registry.get('plant'))
})

test('services.ts: loading twice gives two independent registries, no duplicate error', async () => {
  const a = (await loadCheckTypes([fixture('good')])).registry.get('plant')
  const b = (await loadCheckTypes([fixture('good')])).registry.get('plant')
  assert.ok(a && b && a !== b)
})

test('services.ts: a syntax error names the file, line and column', async () => {
  await assert.rejects(loadCheckTypes([fixture('syntax-error')]), {
    code: 'ERR_SERVICES_FILE',
    message: /syntax-error\/services\.ts:\d+:\d+: /,
  })
})

test('services.ts: a missing relative import names the file, the line and the module', async () => {
  await assert.rejects(loadCheckTypes([fixture('missing-import')]), {
    code: 'ERR_SERVICES_FILE',
    message: /missing-import\/services\.ts:2: cannot find module "\.\/not-there"/,
  })
})

test('services.ts: an error thrown at load names the file and line', async () => {
  await assert.rejects(loadCheckTypes([fixture('throws-at-load')]), {
    code: 'ERR_SERVICES_FILE',
    message: /throws-at-load\/services\.ts:9: error while loading services file: PLANT_URL is not set/,
  })
})
