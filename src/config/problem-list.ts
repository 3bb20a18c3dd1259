import { ConfigError, type ConfigProblem } from './config-error.ts'
import { formatKeyPath, type KeyPath, type Position, type YamlLocator } from './yaml-positions.ts'

/** Collects the problems of one config file, each placed at its line and column. */
export class ProblemList {
  readonly #file: string
  readonly #problems: ConfigProblem[] = []
  #locator: YamlLocator | undefined

  constructor(file: string) {
    this.#file = file
  }

  /** Where key paths are looked up, once the YAML is parsed. */
  useLocator(locator: YamlLocator): void {
    this.#locator = locator
  }

  /** A problem with the value at `path` (or with its key, for an unknown key). */
  add(path: KeyPath, message: string, part: 'value' | 'key' = 'value'): void {
    const position = this.#locator?.locate(path, part) ?? { line: 1, col: 1 }
    this.addAt(position, message, path)
  }

  /** A problem at a known position: the text itself (encoding, syntax) or the file as a whole. */
  addAt(position: Position, message: string, path: KeyPath = []): void {
    const problem = { file: this.#file, ...position, path: formatKeyPath(path), message }
    const same = (p: ConfigProblem) =>
      p.line === problem.line && p.col === problem.col && p.path === problem.path && p.message === message
    if (!this.#problems.some(same)) this.#problems.push(problem)
  }

  get size(): number {
    return this.#problems.length
  }

  /** Throws one ConfigError with every problem, in the order they appear in the file. */
  throwIfAny(): void {
    if (this.#problems.length === 0) return
    const sorted = this.#problems.map((p, i) => ({ p, i }))
    sorted.sort((a, b) => a.p.line - b.p.line || a.p.col - b.p.col || a.i - b.i)
    throw new ConfigError(sorted.map(({ p }) => p))
  }
}
