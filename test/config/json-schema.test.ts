import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { competitionSchema, serviceSchema } from '../../src/config/competition-schema.ts'
import { competitionJsonSchema, SCHEMA_FILE } from '../../src/config/write-json-schema.ts'
import { testRegistry } from './config-fixtures.ts'

/** The parts of a JSON Schema these tests look at. */
interface Schema {
  $schema?: string
  type?: unknown
  properties?: Record<string, Schema>
  items?: Schema
  required?: string[]
  additionalProperties?: unknown
  allOf?: { if: Schema; then: Schema }[]
  anyOf?: Schema[]
  const?: unknown
  examples?: unknown[]
  not?: unknown
}

/** `schema.properties[a].properties[b]...`, where `[]` steps into list items. */
function at(schema: Schema, ...path: string[]): Schema {
  let node = schema
  for (const key of path) {
    const next = key === '[]' ? node.items : node.properties?.[key]
    assert.ok(next, `no ${key} in the schema`)
    node = next
  }
  return node
}

/** The rule giving the options of check type `type`. */
function optionsOf(service: Schema, type: string): Schema {
  const rule = service.allOf?.find((r) => at(r.if, 'type').const === type)
  assert.ok(rule, `no options rule for ${type}`)
  return at(rule.then, 'options')
}

const generated = (): Schema => competitionJsonSchema(testRegistry().list())

test('the JSON Schema is draft 2020-12 and describes every top-level key, name and teams required', () => {
  const schema = generated()
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema')
  assert.deepEqual(Object.keys(schema.properties ?? {}), Object.keys(competitionSchema.shape))
  assert.deepEqual(schema.required, ['name', 'teams'])
  assert.equal(schema.additionalProperties, false)
  assert.deepEqual(at(schema, 'users', '[]', 'password'), { not: {} }, 'a plain password is flagged')
})

test("the JSON Schema gives each check type's options by its type, accepting one value for a list", () => {
  const service = at(generated(), 'services', '[]')
  const options = optionsOf(service, 'ssh')
  assert.equal(options.additionalProperties, false)
  assert.deepEqual(Object.keys(options.properties ?? {}), [
    'command',
    'expect',
    'expect_regex',
    'expect_exact',
  ])
  assert.deepEqual(at(options, 'expect').anyOf?.[1], { type: ['string', 'number'] })
  assert.ok(at(service, 'type').examples?.includes('remote-admin'))
})

test('the shipped schema/competition.schema.json matches the keys the loader accepts', () => {
  const shipped = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Schema
  assert.equal(shipped.$schema, 'https://json-schema.org/draft/2020-12/schema')
  assert.deepEqual(Object.keys(shipped.properties ?? {}), Object.keys(competitionSchema.shape))
  const service = at(shipped, 'services', '[]')
  assert.deepEqual(Object.keys(service.properties ?? {}).sort(), Object.keys(serviceSchema.shape).sort())
  for (const type of ['http', 'https', 'ssh', 'dns', 'tcp', 'remote-admin']) optionsOf(service, type)
})

test('the JSON Schema lets a service and its overrides set their own sla, or null for none', () => {
  const service = at(generated(), 'services', '[]')
  const override = service.properties?.overrides as Schema & { additionalProperties: Schema }
  for (const sla of [at(service, 'sla'), at(override.additionalProperties, 'sla')]) {
    assert.deepEqual(
      sla.anyOf?.map((s) => s.type),
      ['object', 'null'],
    )
    assert.deepEqual(sla.anyOf?.[0]?.required, ['threshold', 'penalty'])
  }
})
