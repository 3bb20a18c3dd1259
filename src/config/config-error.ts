import { ScannerError } from '../errors.ts'

/** One thing wrong in a config file, with where it is. */
export interface ConfigProblem {
  /** The file as it was named (relative paths stay relative, as a compiler prints them). */
  file: string
  /** 1-based line. */
  line: number
  /** 1-based column. */
  col: number
  /** Key path of the value at fault (`services[1].port`); empty for the file as a whole. */
  path: string
  message: string
}

/** `competition.yaml:12:7: services[1].port: port must be 1-65535, got 70000` */
export function formatProblem(problem: ConfigProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.col}`
  return problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`
}

/**
 * A config file that cannot be used, with every problem found in it (not only the first), so
 * that one `scanner validate` shows everything to fix. The message has one line per problem.
 */
export class ConfigError extends ScannerError {
  readonly problems: ConfigProblem[]
  constructor(problems: ConfigProblem[]) {
    super('ERR_CONFIG', problems.map(formatProblem).join('\n'))
    this.problems = problems
  }
}
