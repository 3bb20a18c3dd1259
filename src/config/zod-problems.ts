/**
 * Turns zod issues into config problems that say what is wrong in the organiser's words: a missing
 * key, an unknown key with the nearest known one, a value of the wrong kind with what was found,
 * and for a union (text or credentials) the error of the form that was meant.
 */
import type { z } from 'zod'
import { describeValue } from './describe-value.ts'
import { didYouMean, nearest } from './suggest.ts'
import type { KeyPath } from './yaml-positions.ts'

/** Where the problems go: `add(path, message, 'key')` places a problem at the key itself. */
export interface ProblemSink {
  add(path: KeyPath, message: string, part?: 'value' | 'key'): void
}

/** How an unknown key is described: a key of the file, or an option of a check type. */
export type UnknownKeyMessage = (key: string, known: readonly string[]) => string

/** `unknown key "hots" (did you mean "host"?)`, or the known keys when none is close. */
export const unknownKey: UnknownKeyMessage = (key, known) =>
  `unknown key "${key}"${suggestion(key, known, 'known keys')}`

/** The suggestion part of an unknown-key message: the nearest known key, or all of them. */
export function suggestion(key: string, known: readonly string[], listName: string): string {
  if (nearest(key, known) !== undefined) return didYouMean(key, known)
  return known.length > 0 ? ` (${listName}: ${known.join(', ')})` : ''
}

/**
 * Parses `value` with `schema` and reports every issue under `basePath`; returns the output, or
 * undefined when there was any issue.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  basePath: KeyPath,
  sink: ProblemSink,
  unknown: UnknownKeyMessage = unknownKey,
): z.output<S> | undefined {
  const result = schema.safeParse(value, { error: messageOf, reportInput: true })
  if (result.success) return result.data
  reportIssues(result.error.issues, basePath, schema, sink, unknown)
  return undefined
}

/** Reports zod issues (from a parse of `schema`) under `basePath`. */
export function reportIssues(
  issues: readonly z.core.$ZodIssue[],
  basePath: KeyPath,
  schema: z.core.$ZodType,
  sink: ProblemSink,
  unknown: UnknownKeyMessage = unknownKey,
  /** Path of the issues inside `schema` (the members of a union report relative paths). */
  within: KeyPath = [],
): void {
  for (const issue of issues) {
    const inSchema = [...within, ...issue.path]
    const path = [...basePath, ...inSchema]
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = keysAt(schema, inSchema) ?? []
        for (const key of issue.keys) sink.add([...path, key], unknown(key, known), 'key')
        break
      }
      case 'invalid_union': {
        const meant = meantBranch(issue)
        if (meant) reportIssues(meant, basePath, schema, sink, unknown, inSchema)
        else
          sink.add(path, missingKey(issue, inSchema) ?? `${issue.message}, got ${describeValue(issue.input)}`)
        break
      }
      case 'invalid_key': {
        const inner = issue.issues.map((i) => i.message).join('; ')
        sink.add(path, `key ${JSON.stringify(String(issue.path.at(-1)))}: ${inner}`, 'key')
        break
      }
      case 'invalid_type':
        sink.add(path, missingKey(issue, inSchema) ?? issue.message)
        break
      default:
        sink.add(path, issue.message)
    }
  }
}

/** `missing required key "host"` when the issue is about a key that is not there. */
function missingKey(issue: z.core.$ZodIssue, path: KeyPath): string | undefined {
  const key = path.at(-1)
  return issue.input === undefined && typeof key === 'string' ? `missing required key "${key}"` : undefined
}

/**
 * The issues of the union member that has the input's kind (the mapping form when a mapping was
 * written), so the message is about what the organiser meant; undefined when none or several.
 */
function meantBranch(issue: z.core.$ZodIssueInvalidUnion): z.core.$ZodIssue[] | undefined {
  const kindMatches = issue.errors.filter(
    (errors) => errors.length > 0 && !errors.some((e) => e.code === 'invalid_type' && e.path.length === 0),
  )
  return kindMatches.length === 1 ? kindMatches[0] : undefined
}

const KIND: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  array: 'a list',
  null: 'empty',
}

/** Default messages (a schema's own messages take precedence). */
export function messageOf(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${KIND[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}, got ${describeValue(issue.input)}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(issue.input)}`
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty'
      if (issue.origin === 'array') return `must have at least ${String(issue.minimum)} entries`
      return `must be at least ${String(issue.minimum)}, got ${describeValue(issue.input)}`
    case 'too_big':
      if (issue.origin === 'array') return `must have at most ${String(issue.maximum)} entries`
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters long`
      return `must be at most ${String(issue.maximum)}, got ${describeValue(issue.input)}`
    default:
      return undefined
  }
}

interface LooseDef {
  type: string
  shape?: Record<string, z.core.$ZodType>
  innerType?: z.core.$ZodType
  in?: z.core.$ZodType
  out?: z.core.$ZodType
  element?: z.core.$ZodType
  valueType?: z.core.$ZodType
  options?: readonly z.core.$ZodType[]
  getter?: () => z.core.$ZodType
}

const defOf = (schema: z.core.$ZodType) => schema._zod.def as unknown as LooseDef

/** The schema under wrappers (optional, default, pipes, lazy...). */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  for (let i = 0; i < 50; i++) {
    const def = defOf(schema)
    const next =
      def.innerType ??
      (def.type === 'pipe' ? (def.in && defOf(def.in).type === 'transform' ? def.out : def.in) : undefined) ??
      def.getter?.()
    if (next === undefined) return schema
    schema = next
  }
  return schema
}

function childAt(schema: z.core.$ZodType, key: PropertyKey): z.core.$ZodType | undefined {
  const def = defOf(unwrap(schema))
  if (def.type === 'object') return def.shape?.[String(key)]
  if (def.type === 'array') return def.element
  if (def.type === 'record') return def.valueType
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const child = childAt(option, key)
      if (child) return child
    }
  }
  return undefined
}

/**
 * The keys an object schema knows at `path` inside `schema` (for "did you mean"), or undefined
 * when the path does not lead to an object.
 *
 * @example
 * keysAt(z.object({ a: z.object({ b: z.string() }) }), ['a']) // ['b']
 */
export function keysAt(schema: z.core.$ZodType, path: KeyPath): string[] | undefined {
  let node: z.core.$ZodType | undefined = schema
  for (const key of path) {
    node = node && childAt(node, key)
    if (!node) return undefined
  }
  const def = defOf(unwrap(node))
  if (def.type === 'object') return Object.keys(def.shape ?? {})
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const keys = keysAt(option, [])
      if (keys) return keys
    }
  }
  return undefined
}
