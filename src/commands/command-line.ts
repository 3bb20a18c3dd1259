/**
 * Reads a command line against a table of commands (command-table.ts): finds the command the words
 * name, then reads its options and positionals with `node:util`'s `parseArgs` as the tokenizer.
 * Every mistake is a CommandLineError that says which option or argument and what was expected.
 */
import { parseArgs } from 'node:util'
import { didYouMean } from '../config/suggest.ts'
import { CommandLineError } from '../errors.ts'
import { commandHelp, positionalUsage } from './command-help.ts'
import {
  isGroup,
  type Command,
  type CommandGroup,
  type CommandTrail,
  type OptionSpec,
  type OptionSpecs,
  type ParsedArgs,
  type Program,
} from './command-table.ts'

/** What a command line asks for: a command to run with its arguments, or a help text to print. */
export type CommandLine =
  | { readonly kind: 'run'; readonly run: Command['run']; readonly args: ParsedArgs }
  | { readonly kind: 'help'; readonly text: string }

type Value = string | number | boolean | string[] | undefined

/** What parseArgs says of an option it met (its `kind: 'option'` token). */
interface OptionToken {
  readonly name: string
  readonly rawName: string
  readonly index: number
  readonly value?: string | undefined
  /** `--name=value` rather than `--name value`. */
  readonly inlineValue?: boolean | undefined
}

/**
 * An argument starting with a dash and a digit is a value (`external score 3 -5`, a password
 * `-0042`), as no option is named by a digit: parseArgs would read it as short options.
 */
const NEGATIVE_NUMBER = /^-\d/

/** @example parseCommandLine(program, process.argv.slice(2)) */
export function parseCommandLine(program: Program, args: readonly string[]): CommandLine {
  const { trail, rest } = findCommand(program, args)
  const end = rest.indexOf('--')
  if ((end === -1 ? rest : rest.slice(0, end)).includes('--help'))
    return { kind: 'help', text: commandHelp(trail) }
  const node = trail.at(-1)!.node
  if (isGroup(node)) throw new CommandLineError(node.missing)
  const { values, positionals } = readArgs(rest, optionsOf(trail))
  return { kind: 'run', run: node.run, args: { ...values, ...namePositionals(trail, node, positionals) } }
}

/** The options of a command: its own and those of the groups it belongs to. */
function optionsOf(trail: CommandTrail): OptionSpecs {
  return Object.assign({}, ...trail.map((step) => step.node.options ?? {})) as OptionSpecs
}

function optionNamed(options: OptionSpecs, name: string): OptionSpec | undefined {
  return Object.hasOwn(options, name) ? options[name] : undefined
}

/**
 * Follows the command words (`service down`) through the table. Options may come before a
 * command word (`scanner --db x.db status`); the value of one its parents know is skipped, so
 * that `--config run.yaml run` does not read `run.yaml` as the command.
 */
function findCommand(program: Program, args: readonly string[]): { trail: CommandTrail; rest: string[] } {
  const trail: { name: string; node: Command | CommandGroup }[] = [{ name: program.name, node: program }]
  const rest: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const { node } = trail.at(-1)!
    if (!isGroup(node) || arg === '--') {
      rest.push(...args.slice(i))
      break
    }
    if (arg.startsWith('-') && arg !== '-' && !NEGATIVE_NUMBER.test(arg)) {
      rest.push(arg)
      const option = arg.startsWith('--') && !arg.includes('=') && optionNamed(optionsOf(trail), arg.slice(2))
      if (option && option.type !== 'boolean' && i + 1 < args.length) rest.push(args[++i]!)
      continue
    }
    const next = Object.hasOwn(node.commands, arg) ? node.commands[arg] : undefined
    if (next === undefined) throw unknownCommand(trail, node, arg)
    trail.push({ name: arg, node: next })
  }
  return { trail, rest }
}

function unknownCommand(trail: CommandTrail, group: CommandGroup, word: string): CommandLineError {
  const names = Object.keys(group.commands)
  const hint = didYouMean(word, names)
  if (trail.length === 1) return new CommandLineError(`unknown command "${word}"${hint}`)
  const path = trail.slice(1).map((step) => step.name)
  return new CommandLineError(
    `unknown command "${[...path, word].join(' ')}"${hint}: ${path.join(' ')} takes ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`,
  )
}

function readArgs(
  rest: readonly string[],
  options: OptionSpecs,
): { values: Record<string, Value>; positionals: string[] } {
  const values: Record<string, Value> = {}
  for (const [name, option] of Object.entries(options))
    values[name] =
      option.type === 'string' && option.multiple
        ? []
        : (option.default ?? (option.type === 'boolean' ? false : undefined))
  const positionals: string[] = []
  // Unknown options and missing values are checked here, not by parseArgs (strict): its messages
  // are not ours, and a negative number would be an unknown option there.
  const { tokens } = parseArgs({
    args: [...rest],
    options: Object.fromEntries(
      Object.entries(options).map(([name, option]) => [
        name,
        { type: option.type === 'boolean' ? 'boolean' : 'string' },
      ]),
    ),
    strict: false,
    allowPositionals: true,
    allowNegative: true,
    tokens: true,
  })
  let previousIndex = -1
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value)
    if (token.kind !== 'option') continue
    const arg = rest[token.index]!
    if (NEGATIVE_NUMBER.test(arg)) {
      // `-0042` is one token per digit, all with the index of the argument.
      if (token.index !== previousIndex) positionals.push(arg)
      previousIndex = token.index
      continue
    }
    const { name, option, negated } = optionOf(options, token, arg)
    if (option.type === 'boolean') {
      if (token.value !== undefined)
        throw new CommandLineError(`--${name} takes no value (--${name} or --no-${name})`)
      values[name] = !negated
    } else {
      // parseArgs takes the next argument whatever it is: `--listen --serve` is a forgotten value.
      if (token.value === undefined || (token.inlineValue === false && token.value.startsWith('--')))
        throw new CommandLineError(`--${name} needs a value (--${name}=VALUE for one that starts with --)`)
      const value = optionValue(name, option, token.value)
      const list = values[name]
      if (Array.isArray(list)) list.push(String(value))
      else values[name] = value
    }
  }
  return { values, positionals }
}

/** The option a token names: `--name`, or `--no-name` for a boolean (Node names that token `name`, Deno `no-name`). */
function optionOf(
  options: OptionSpecs,
  token: OptionToken,
  arg: string,
): { name: string; option: OptionSpec; negated: boolean } {
  const option = optionNamed(options, token.name)
  if (option !== undefined && token.rawName !== `--no-${token.name}`)
    return { name: token.name, option, negated: false }
  const negated = token.rawName.startsWith('--no-') ? token.rawName.slice('--no-'.length) : undefined
  const negatable = negated === undefined ? undefined : optionNamed(options, negated)
  if (negated !== undefined && negatable?.type === 'boolean')
    return { name: negated, option: negatable, negated: true }
  const given = arg.split('=')[0]!
  if (negated !== undefined && negatable !== undefined)
    throw new CommandLineError(`unknown option ${given}: --${negated} takes a value, only a switch has --no-`)
  const hint = didYouMean(given.replace(/^-+/, ''), Object.keys(options))
  throw new CommandLineError(`unknown option ${given}${hint.replace(/"(.+)"/, '"--$1"')}`)
}

function optionValue(name: string, option: OptionSpec, text: string): string | number {
  if (option.type === 'number') {
    const value = Number(text)
    if (text.trim() === '' || Number.isNaN(value))
      throw new CommandLineError(`--${name} must be a number, got ${JSON.stringify(text)}`)
    return value
  }
  if (option.type === 'string' && option.choices && !option.choices.includes(text))
    throw new CommandLineError(
      `--${name} must be one of ${option.choices.join(', ')}, got ${JSON.stringify(text)}`,
    )
  return text
}

function namePositionals(
  trail: CommandTrail,
  command: Command,
  given: readonly string[],
): Record<string, string | undefined> {
  const path = trail.map((step) => step.name).join(' ')
  const expected = command.positionals
  const missing = expected.find((positional, i) => positional.required && i >= given.length)
  if (missing !== undefined)
    throw new CommandLineError(`${path} needs ${positionalUsage(missing)} (${missing.describe})`)
  if (given.length > expected.length) {
    const takes = expected.length === 0 ? 'no arguments' : expected.map(positionalUsage).join(' ')
    throw new CommandLineError(
      `unexpected argument ${JSON.stringify(given[expected.length])}: ${path} takes ${takes}`,
    )
  }
  return Object.fromEntries(expected.map((positional, i) => [positional.name, given[i]]))
}
