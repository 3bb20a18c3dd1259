/**
 * Parses the YAML of a config file into plain data, safely: a syntax error, a duplicate key, more
 * than one document, nesting deeper than `MAX_DEPTH` and alias bombs (a billion-laughs document)
 * become problems with their line and column instead of crashes or runaway memory.
 */
import { isAlias, isCollection, isPair, LineCounter, parseDocument, visit, type Document } from 'yaml'
import { describeValue } from './describe-value.ts'
import type { ProblemList } from './problem-list.ts'
import { YamlLocator, type Position } from './yaml-positions.ts'

/** Nesting (mappings in lists in mappings...) deeper than this is refused; a real file needs ~6. */
export const MAX_DEPTH = 64
/** yaml's cap on the nodes aliases may expand to, against exponential expansion. */
export const MAX_ALIAS_COUNT = 100

const TOP_LEVEL = 'the top level must be a mapping of keys (name, teams, services, ...)'

/**
 * The data of `text`, or undefined when it cannot be used (the problems say why). The problem
 * list gets a locator for the document, so that later problems can be placed by key path.
 */
export function readYaml(text: string, problems: ProblemList): { data: unknown } | undefined {
  if (text.trim() === '') {
    problems.addAt({ line: 1, col: 1 }, `the file is empty: ${TOP_LEVEL} is expected`)
    return undefined
  }
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true })
  const locator = new YamlLocator(doc, lines)
  problems.useLocator(locator)

  if (doc.errors.length > 0) {
    let exhausted = false
    for (const error of doc.errors) {
      if (error.code === 'RESOURCE_EXHAUSTION') {
        if (!exhausted) problems.addAt(locator.at(error.pos[0]), tooDeep())
        exhausted = true
      } else {
        problems.addAt(locator.at(error.pos[0]), syntaxMessage(error.code, error.message, text, error.pos))
      }
    }
    return undefined
  }
  const deep = tooDeepAt(doc)
  if (deep !== undefined) {
    problems.addAt(locator.at(deep), tooDeep())
    return undefined
  }
  if (doc.contents === null) {
    problems.addAt({ line: 1, col: 1 }, `the file is empty (only comments): ${TOP_LEVEL} is expected`)
    return undefined
  }
  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (err) {
    const where: Position = locator.at(firstAliasOffset(doc) ?? 0)
    const message =
      err instanceof ReferenceError && /alias/i.test(err.message)
        ? `YAML aliases expand to too many values (more than ${MAX_ALIAS_COUNT} per alias): refused as a resource exhaustion attack`
        : `the YAML cannot be read: ${err instanceof Error ? err.message : String(err)}`
    problems.addAt(where, message)
    return undefined
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    problems.addAt(locator.at(doc.contents.range?.[0] ?? 0), `${TOP_LEVEL}, got ${describeValue(data)}`)
    return undefined
  }
  return { data }
}

function tooDeep(): string {
  return `nesting is too deep: more than ${MAX_DEPTH} levels of mappings and lists are refused`
}

function syntaxMessage(code: string, message: string, text: string, pos: [number, number]): string {
  if (code === 'DUPLICATE_KEY') {
    const key = keyAt(text, pos[0])
    return `duplicate key${key === undefined ? '' : ` "${key}"`}: a key may appear only once in a mapping`
  }
  if (code === 'MULTIPLE_DOCS') {
    return 'more than one YAML document (a "---" line): competition.yaml holds exactly one'
  }
  return `YAML syntax error: ${message.replace(/\s+/g, ' ').trim()}`
}

/** The text of a plain or quoted mapping key that starts at `offset`, when it is short. */
function keyAt(text: string, offset: number): string | undefined {
  const match = /^(?:"([^"\n]{1,80})"|'([^'\n]{1,80})'|([^\n:,{}[\]]{1,80}?))\s*:/.exec(
    text.slice(offset, offset + 200),
  )
  return match ? (match[1] ?? match[2] ?? match[3]) : undefined
}

/** Offset of the first collection nested deeper than MAX_DEPTH (walked without recursion). */
function tooDeepAt(doc: Document): number | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 1 }]
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, depth } = item
    if (!isCollection(node)) continue
    if (depth > MAX_DEPTH) return node.range?.[0] ?? 0
    for (const child of node.items as unknown[]) {
      if (isPair(child)) {
        stack.push({ node: child.key, depth: depth + 1 }, { node: child.value, depth: depth + 1 })
      } else {
        stack.push({ node: child, depth: depth + 1 })
      }
    }
  }
  return undefined
}

function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node)) offset = node.range?.[0]
      return visit.BREAK
    },
  })
  return offset
}
