/**
 * The shape of a command line: a table of commands, each with its options and positionals, that
 * `parseCommandLine` reads and `commandHelp` prints. `command()` types a command's `run` from its
 * own table entry, so a handler reads `args.workers` as a number without a cast.
 */

/** An option: `--name value`, `--name=value`, or `--name` / `--no-name` for a boolean. */
export type OptionSpec =
  | { readonly type: 'boolean'; readonly describe: string; readonly default?: boolean }
  | { readonly type: 'number'; readonly describe: string; readonly default?: number }
  | {
      readonly type: 'string'
      readonly describe: string
      readonly default?: string
      /** The only values allowed. */
      readonly choices?: readonly string[]
      /** Given once per value (`--services a --services b`): the value is the list. */
      readonly multiple?: boolean
    }

export type OptionSpecs = Readonly<Record<string, OptionSpec>>

/** A positional argument, in the order it is given. Optional ones come after the required ones. */
export interface PositionalSpec {
  readonly name: string
  readonly describe: string
  readonly required?: boolean
}

/** What a command's `run` receives: every option (its own and its parents') and positional by name. */
export type ParsedArgs = Readonly<Record<string, unknown>>

/** A command that does something: `scanner run`, `scanner service down <target>`. */
export interface Command {
  readonly describe: string
  readonly options: OptionSpecs
  readonly positionals: readonly PositionalSpec[]
  readonly run: (args: ParsedArgs) => Promise<void> | void
}

/** A command that only names others: `scanner service down|up|cap|log`, and the program itself. */
export interface CommandGroup {
  readonly describe: string
  /** Options every command of the group takes (the global options, at the top). */
  readonly options?: OptionSpecs
  readonly commands: Readonly<Record<string, Command | CommandGroup>>
  /** The usage error when the group is named without one of its commands. */
  readonly missing: string
}

/** The whole command line: `name` is the program's name in usage lines and messages. */
export interface Program extends CommandGroup {
  readonly name: string
}

/** The commands named on a command line, from the program on: `scanner`, `service`, `down`. */
export type CommandTrail = readonly { readonly name: string; readonly node: Command | CommandGroup }[]

export function isGroup(node: Command | CommandGroup): node is CommandGroup {
  return 'commands' in node
}

type ValueOf<S extends OptionSpec> = S extends { choices: readonly (infer C)[] }
  ? C
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'number' }
      ? number
      : string

/** A boolean is false unless given, a repeatable option an empty list: neither is ever undefined. */
type OptionArgs<O extends OptionSpecs> = {
  readonly [K in keyof O]: O[K] extends { multiple: true }
    ? ValueOf<O[K]>[]
    : O[K] extends { type: 'boolean' } | { default: unknown }
      ? ValueOf<O[K]>
      : ValueOf<O[K]> | undefined
}

type PositionalArgs<P extends readonly PositionalSpec[]> = {
  readonly [S in P[number] as S['name']]: S extends { required: true } ? string : string | undefined
}

/** A command's own options and positionals, typed; its parents' (the global options) as unknown. */
export type CommandArgs<O extends OptionSpecs, P extends readonly PositionalSpec[]> = OptionArgs<O> &
  PositionalArgs<P> &
  ParsedArgs

/**
 * A command of the table, with `run` typed from its options and positionals.
 *
 * @example
 * command({
 *   describe: 'take TEAM/SERVICE down',
 *   positionals: [{ name: 'target', describe: 'TEAM/SERVICE', required: true }],
 *   options: { reason: { type: 'string', describe: 'why' } },
 *   run: (args) => down(args.target, args.reason), // string, string | undefined
 * })
 */
export function command<
  const O extends OptionSpecs = Record<never, never>,
  const P extends readonly PositionalSpec[] = readonly [],
>(spec: {
  describe: string
  options?: O
  positionals?: P
  run: (args: CommandArgs<O, P>) => Promise<void> | void
}): Command {
  return {
    describe: spec.describe,
    options: spec.options ?? {},
    positionals: spec.positionals ?? [],
    // parseCommandLine gives `run` a value of the declared type for every option and positional.
    run: spec.run as Command['run'],
  }
}
