/** Key paths (`services[1].port`) and where they are in a parsed YAML document. */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml'

/** A path into the config data: mapping keys and list indexes (zod issue paths are these). */
export type KeyPath = readonly PropertyKey[]

/** A 1-based line and column. */
export interface Position {
  line: number
  col: number
}

const IDENTIFIER = /^[A-Za-z_][\w-]*$/
const INDEX = /^\d+$/

/**
 * A key path as people read it: `services[1].options.expect_regex`, `teams[0].pools.ad_users[1]`.
 * Numeric keys (list indexes, and team numbers under `overrides`) are written in brackets, and
 * keys that are not identifiers are quoted.
 *
 * @example
 * formatKeyPath(['services', 1, 'overrides', '3', 'port']) // 'services[1].overrides[3].port'
 */
export function formatKeyPath(path: KeyPath): string {
  let out = ''
  for (const segment of path) {
    const key = typeof segment === 'symbol' ? (segment.description ?? '') : String(segment)
    if (typeof segment === 'number' || INDEX.test(key)) out += `[${key}]`
    else if (IDENTIFIER.test(key)) out += out ? `.${key}` : key
    else out += `[${JSON.stringify(key)}]`
  }
  return out
}

type Ranged = { range?: readonly number[] | null } | null | undefined

/** Finds the line and column of key paths in one parsed document. */
export class YamlLocator {
  readonly #doc: Document
  readonly #lines: LineCounter

  constructor(doc: Document, lines: LineCounter) {
    this.#doc = doc
    this.#lines = lines
  }

  /** Line and column of a character offset in the text. */
  at(offset: number): Position {
    const { line, col } = this.#lines.linePos(offset)
    return { line, col }
  }

  /**
   * Where the value at `path` is written, or its key (`part: 'key'`, for an unknown key). When
   * the path does not exist (a missing key), the nearest enclosing value that does: a service
   * without `host` is reported where that service starts. Aliases are followed to their anchor.
   */
  locate(path: KeyPath, part: 'value' | 'key' = 'value'): Position {
    let node: unknown = this.#doc.contents
    let key: unknown = undefined
    let found = offsetOf(node as Ranged) ?? 0
    for (const segment of path) {
      node = this.#resolve(node)
      const name = typeof segment === 'symbol' ? segment.description : String(segment)
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === name)
        if (!pair) return this.at(found)
        key = pair.key
        node = pair.value
        found = offsetOf(node as Ranged) ?? offsetOf(key as Ranged) ?? found
      } else if (isSeq(node)) {
        const item: unknown = node.items[Number(name)]
        if (item === undefined) return this.at(found)
        key = undefined
        node = item
        found = offsetOf(node as Ranged) ?? found
      } else {
        return this.at(found)
      }
    }
    if (part === 'key') found = offsetOf(key as Ranged) ?? found
    return this.at(found)
  }

  #resolve(node: unknown): unknown {
    for (let hops = 0; hops < 100 && isAlias(node); hops++) {
      const target = node.resolve(this.#doc)
      if (target === undefined) return node
      node = target
    }
    return node
  }
}

function offsetOf(node: Ranged): number | undefined {
  return node?.range?.[0] ?? undefined
}
