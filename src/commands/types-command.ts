import { z } from 'zod'
import { isMassType } from '../registry.ts'
import { textTable } from '../report/text-table.ts'
import type { CommonArgs } from './common.ts'
import { loadTypes } from './load-competition.ts'
import { optionsSchema } from '../service-type.ts'

function optionNames(schema: z.ZodType): string {
  const shape = schema instanceof z.ZodObject ? (schema.shape as Record<string, unknown>) : {}
  return Object.keys(shape).join(', ')
}

/** `scanner types`: every registered check type with its default port and options. */
export async function typesCommand(args: CommonArgs, out: (text: string) => void): Promise<void> {
  const { registry } = await loadTypes(args)
  const types = registry.list().map((cls) => ({
    type: cls.shortName,
    kind: isMassType(cls) ? 'mass' : 'standard',
    default_port: cls.defaultPort,
    options: optionNames(optionsSchema(cls)),
    description: cls.description,
  }))
  if (args.json) out(JSON.stringify(types, null, 2))
  else
    out(
      textTable(
        ['type', 'kind', 'port', 'options'],
        types.map((t) => [t.type, t.kind, String(t.default_port || ''), t.options]),
      ),
    )
}
