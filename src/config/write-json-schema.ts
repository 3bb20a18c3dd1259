/**
 * Generates `schema/competition.schema.json` (JSON Schema draft 2020-12, for editors) from the same
 * zod schemas the loader validates with, plus the `options:` of each built-in check type.
 *
 * Regenerate after changing the schema or a built-in type's options:
 *
 *     npx node src/config/write-json-schema.ts
 *
 * Editors then complete and check competition.yaml, e.g. with the YAML language server:
 * `# yaml-language-server: $schema=schema/competition.schema.json` as the first line.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import type { ServiceTypeClass } from '../service-type.ts'
import { competitionSchema } from './competition-schema.ts'
import { optionsSchema } from '../service-type.ts'

type JsonSchema = Record<string, unknown>

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/competition.schema.json', import.meta.url))

/**
 * The JSON Schema of competition.yaml; a service's `options` are described for each of `types`
 * (by its `type:`), and left open for other (custom) types.
 *
 * @example
 * const schema = competitionJsonSchema(builtinTypes().list())
 */
export function competitionJsonSchema(types: readonly ServiceTypeClass[]): JsonSchema {
  const schema = toJson(competitionSchema)
  const service = ((schema.properties as Record<string, JsonSchema>).services?.items ?? {}) as JsonSchema
  const typeKey = (service.properties as Record<string, JsonSchema> | undefined)?.type
  if (typeKey) typeKey.examples = types.map((t) => t.shortName)
  service.allOf = types.map((type) => ({
    if: { properties: { type: { const: type.shortName } }, required: ['type'] },
    then: {
      properties: {
        options: {
          ...(type.description ? { description: type.description } : {}),
          ...toJson(optionsSchema(type)),
        },
      },
    },
  }))
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://scanner.invalid/schema/competition.schema.json',
    title: 'competition.yaml of the scanner',
    description: 'Teams, service templates and viewers of a cyber defense competition (SPEC section 4).',
    ...withoutKey(schema, '$schema'),
  }
}

/** The input side of a zod schema as JSON Schema (what is written, before defaults and transforms). */
function toJson(schema: z.ZodType): JsonSchema {
  return withoutKey(
    z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io: 'input',
      unrepresentable: 'any',
      override: ({ zodSchema, jsonSchema }) => acceptShorthands(zodSchema, jsonSchema),
    }),
    '$schema',
  )
}

/**
 * Check options are preprocessed so that a list may be written as one value and a number as text
 * (`expect: ok`, `version: "3"`); the schema says so, or editors would flag valid files.
 */
function acceptShorthands(zodSchema: z.core.$ZodType, json: JsonSchema): void {
  const def = zodSchema._zod.def as unknown as { type: string; in?: z.core.$ZodType }
  if (def.type !== 'pipe' || def.in?._zod.def.type !== 'transform') return
  const copy = { ...json }
  if (copy.type === 'array' && copy.items !== undefined) {
    for (const key of Object.keys(json)) delete json[key]
    json.anyOf = [copy, copy.items]
  } else if (copy.type === 'number' || copy.type === 'integer' || copy.type === 'boolean') {
    for (const key of Object.keys(json)) delete json[key]
    json.anyOf = [copy, { type: 'string' }]
  }
}

function withoutKey(schema: JsonSchema, key: string): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== key))
}

async function main(): Promise<void> {
  const { builtinTypes } = await import('../../checks/builtin-types.ts')
  const prettier = await import('prettier')
  const json = JSON.stringify(competitionJsonSchema(builtinTypes().list()), null, 2)
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {}
  writeFileSync(SCHEMA_FILE, await prettier.format(json, { ...options, parser: 'json' }))
  console.log(`wrote ${SCHEMA_FILE}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
}
