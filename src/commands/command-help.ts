/**
 * The help text of a command of the table (`scanner service down --help`): its usage line, what
 * it does, its commands or positionals, its options and the options it inherits, in two aligned
 * columns wrapped to a terminal's width.
 */
import {
  isGroup,
  type Command,
  type CommandGroup,
  type CommandTrail,
  type OptionSpec,
  type PositionalSpec,
} from './command-table.ts'

const WIDTH = 100
/** A longer left column (`--metrics-token <value>`) puts its description on the next line instead. */
const MAX_LEFT = 28

type Row = readonly [left: string, right: string]

export function positionalUsage(positional: PositionalSpec): string {
  return positional.required ? `<${positional.name}>` : `[${positional.name}]`
}

function commandUsage(name: string, node: Command | CommandGroup): string {
  return isGroup(node) ? `${name} <command>` : [name, ...node.positionals.map(positionalUsage)].join(' ')
}

function optionRow(name: string, option: OptionSpec): Row {
  const notes: string[] = []
  if (option.type === 'string' && option.multiple) notes.push('repeatable')
  // A boolean is off unless given: only a default that differs says something.
  if (option.default !== undefined && option.default !== false) notes.push(`default: ${option.default}`)
  const describe = notes.length > 0 ? `${option.describe} (${notes.join('; ')})` : option.describe
  if (option.type === 'boolean') return [`--${name}`, describe]
  const value = option.type === 'number' ? 'n' : (option.choices?.join('|') ?? 'value')
  return [`--${name} <${value}>`, describe]
}

function optionRows(options: CommandGroup['options']): Row[] {
  return Object.entries(options ?? {}).map(([name, option]) => optionRow(name, option))
}

/** Greedy word wrap; a word longer than the width gets a line of its own. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  return [...lines, line]
}

function columns(rows: readonly Row[], left: number): string[] {
  const indent = ' '.repeat(left + 4)
  return rows.flatMap(([name, describe]) => {
    const lines = wrap(describe, WIDTH - left - 4)
    if (name.length > left) return [`  ${name}`, ...lines.map((line) => indent + line)]
    return lines.map((line, i) => `  ${(i === 0 ? name : '').padEnd(left)}  ${line}`)
  })
}

/** The help of the last command of `trail`; the options of the commands before it are its global options. */
export function commandHelp(trail: CommandTrail): string {
  const node = trail.at(-1)!.node
  const path = trail.map((step) => step.name).join(' ')
  const sections: [title: string, rows: Row[]][] = []
  if (isGroup(node)) {
    const commands = Object.entries(node.commands)
    sections.push(['Commands', commands.map(([name, child]) => [commandUsage(name, child), child.describe])])
  } else if (node.positionals.length > 0) {
    sections.push(['Arguments', node.positionals.map((p): Row => [positionalUsage(p), p.describe])])
  }
  const help: Row = ['--help', `show this help (${trail[0]!.name} COMMAND --help: the help of a command)`]
  const own = optionRows(node.options)
  if (trail.length === 1) sections.push(['Options', [...own, help]])
  else {
    if (own.length > 0) sections.push(['Options', own])
    const inherited = trail.slice(0, -1).flatMap((step) => optionRows(step.node.options))
    sections.push(['Global options', [...inherited, help]])
  }
  const lengths = sections.flatMap(([, rows]) => rows.map(([name]) => name.length))
  const left = Math.max(...lengths.filter((length) => length <= MAX_LEFT))
  return [
    `Usage: ${commandUsage(path, node)} [options]`,
    '',
    ...wrap(node.describe, WIDTH),
    ...sections.flatMap(([title, rows]) => ['', `${title}:`, ...columns(rows, left)]),
  ].join('\n')
}
