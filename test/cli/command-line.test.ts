import assert from 'node:assert/strict'
import { test } from 'node:test'
import { command, type ParsedArgs, type Program } from '../../src/commands/command-table.ts'
import { parseCommandLine } from '../../src/commands/command-line.ts'

/** Which command ran, and with what. */
const ran: { name: string; args: ParsedArgs }[] = []
const record = (name: string) => (args: ParsedArgs) => void ran.push({ name, args })

const PROGRAM: Program = {
  name: 'tool',
  describe: 'A tool for the tests of the command-line parser.',
  missing: 'name a command: tool --help lists them',
  options: {
    config: { type: 'string', default: './tool.yaml', describe: 'config file' },
    tag: { type: 'string', multiple: true, describe: 'a tag' },
    json: { type: 'boolean', default: false, describe: 'machine-readable output' },
  },
  commands: {
    go: command({
      describe: 'go somewhere',
      positionals: [
        { name: 'where', describe: 'the place', required: true },
        { name: 'how', describe: 'the way' },
      ],
      options: {
        fast: { type: 'boolean', describe: 'hurry' },
        times: { type: 'number', default: 1, describe: 'how often' },
        format: { type: 'string', choices: ['json', 'csv'], default: 'json', describe: 'output format' },
      },
      run: record('go'),
    }),
    list: command({ describe: 'list things', run: record('list') }),
    box: {
      describe: 'the controls of a box',
      missing: 'name a control: open or shut',
      commands: {
        open: command({
          describe: 'open the box ID',
          positionals: [{ name: 'id', describe: 'the box id', required: true }],
          options: { force: { type: 'boolean', default: false, describe: 'even when locked' } },
          run: record('box open'),
        }),
        shut: command({ describe: 'shut every box', run: record('box shut') }),
      },
    },
  },
}

/** Parses `args`, runs the command found and tells which one ran with what. */
async function run(...args: string[]): Promise<{ name: string; args: ParsedArgs }> {
  const line = parseCommandLine(PROGRAM, args)
  assert.equal(line.kind, 'run', `${args.join(' ')} is not a help request`)
  if (line.kind !== 'run') throw new Error('unreachable')
  ran.length = 0
  await line.run(line.args)
  assert.equal(ran.length, 1)
  return ran[0]!
}

function help(...args: string[]): string {
  const line = parseCommandLine(PROGRAM, args)
  assert.equal(line.kind, 'help', args.join(' '))
  return line.kind === 'help' ? line.text : ''
}

/** The message of the usage error `args` are. */
function refused(...args: string[]): string {
  try {
    parseCommandLine(PROGRAM, args)
  } catch (err) {
    assert.equal((err as { code?: string }).code, 'ERR_COMMAND_LINE', String(err))
    return (err as Error).message
  }
  assert.fail(`${args.join(' ')} was accepted`)
}

test('command line: every option has its default, a repeatable one an empty list, a boolean false', async () => {
  assert.deepEqual(await run('list'), {
    name: 'list',
    args: { config: './tool.yaml', tag: [], json: false },
  })
  assert.deepEqual((await run('go', 'home')).args, {
    config: './tool.yaml',
    tag: [],
    json: false,
    fast: false,
    times: 1,
    format: 'json',
    where: 'home',
    how: undefined,
  })
})

test('command line: global options go before or after the command, as --opt value or --opt=value', async () => {
  assert.equal((await run('--config', 'a.yaml', 'list')).args.config, 'a.yaml')
  assert.equal((await run('list', '--config', 'b.yaml')).args.config, 'b.yaml')
  assert.equal((await run('list', '--config=c.yaml')).args.config, 'c.yaml')
  assert.equal((await run('--config=d.yaml', 'box', 'shut')).args.config, 'd.yaml')
  // The value of --config is not read as the command, even when it is a command's name.
  assert.equal((await run('--config', 'list', 'go', 'x')).name, 'go')
})

test('command line: a repeatable option collects its values in order', async () => {
  assert.deepEqual((await run('list', '--tag', 'a', '--tag=b', '--tag', 'c')).args.tag, ['a', 'b', 'c'])
})

test('command line: a boolean is set by --flag and unset by --no-flag, the last one wins', async () => {
  assert.equal((await run('list', '--json')).args.json, true)
  assert.equal((await run('list', '--json', '--no-json')).args.json, false)
  assert.equal((await run('go', 'x', '--no-fast', '--fast')).args.fast, true)
})

test('command line: a number option gives a number', async () => {
  assert.equal((await run('go', 'x', '--times', '3')).args.times, 3)
  assert.equal((await run('go', 'x', '--times=2.5')).args.times, 2.5)
  assert.equal((await run('go', 'x', '--times', '-2')).args.times, -2)
})

test('command line: positionals fill the required then the optional slots, options between them', async () => {
  assert.deepEqual(pick((await run('go', 'home')).args), ['home', undefined])
  assert.deepEqual(pick((await run('go', 'home', '--fast', 'walk')).args), ['home', 'walk'])
  assert.deepEqual(pick((await run('go', '-', 'walk')).args), ['-', 'walk'])
})

function pick(args: ParsedArgs): unknown[] {
  return [args.where, args.how]
}

test('command line: after -- everything is positional; a dash and a digit is a value, not an option', async () => {
  const dashed = (await run('go', 'x', '--', '--fast')).args
  assert.deepEqual([dashed.where, dashed.how, dashed.fast], ['x', '--fast', false])
  assert.deepEqual(pick((await run('go', '--', '-secret')).args), ['-secret', undefined])
  assert.deepEqual(pick((await run('go', '-5', '-0042')).args), ['-5', '-0042'])
  assert.deepEqual(pick((await run('go', '-1.5')).args), ['-1.5', undefined])
})

test('command line: a nested command runs with its positionals, its options and the global ones', async () => {
  assert.deepEqual(await run('box', 'open', '7', '--force', '--json'), {
    name: 'box open',
    args: { config: './tool.yaml', tag: [], json: true, force: true, id: '7' },
  })
  assert.equal((await run('box', 'shut')).name, 'box shut')
})

test('command line: no command, a group without its command, an unknown command', () => {
  assert.equal(refused(), 'name a command: tool --help lists them')
  assert.equal(refused('--json'), 'name a command: tool --help lists them')
  assert.equal(refused('box'), 'name a control: open or shut')
  assert.equal(refused('fly'), 'unknown command "fly"')
  assert.equal(refused('constructor'), 'unknown command "constructor"')
  assert.equal(refused('box', 'kick', '7'), 'unknown command "box kick": box takes open or shut')
  assert.equal(refused('lsit'), 'unknown command "lsit" (did you mean "list"?)')
  assert.equal(
    refused('box', 'shtu'),
    'unknown command "box shtu" (did you mean "shut"?): box takes open or shut',
  )
})

test('command line: an unknown option, or an option of another command', () => {
  assert.equal(refused('list', '--frob'), 'unknown option --frob')
  assert.equal(refused('list', '--frob=1'), 'unknown option --frob')
  assert.equal(refused('list', '-x'), 'unknown option -x')
  assert.equal(refused('list', '--fast'), 'unknown option --fast')
  assert.equal(refused('list', '--toString'), 'unknown option --toString')
  assert.equal(refused('go', 'x', '--formt=csv'), 'unknown option --formt (did you mean "--format"?)')
  assert.equal(refused('list', '--jsno'), 'unknown option --jsno (did you mean "--json"?)')
  // Only a boolean can be negated.
  assert.equal(
    refused('list', '--no-config'),
    'unknown option --no-config: --config takes a value, only a switch has --no-',
  )
})

test('command line: an option without its value, or with a value it does not take', () => {
  const needs = '--times needs a value (--times=VALUE for one that starts with --)'
  assert.equal(refused('go', 'x', '--times'), needs)
  assert.equal(refused('go', 'x', '--times', '--fast'), needs)
  assert.equal(refused('go', 'x', '--fast=yes'), '--fast takes no value (--fast or --no-fast)')
  assert.equal(refused('go', 'x', '--times', 'abc'), '--times must be a number, got "abc"')
  assert.equal(refused('go', 'x', '--times='), '--times must be a number, got ""')
  assert.equal(refused('go', 'x', '--format', 'xml'), '--format must be one of json, csv, got "xml"')
})

test('command line: a missing required positional, or one too many', () => {
  assert.equal(refused('go'), 'tool go needs <where> (the place)')
  assert.equal(refused('go', '--fast'), 'tool go needs <where> (the place)')
  assert.equal(refused('box', 'open'), 'tool box open needs <id> (the box id)')
  assert.equal(refused('go', 'a', 'b', 'c'), 'unexpected argument "c": tool go takes <where> [how]')
  assert.equal(refused('list', 'x'), 'unexpected argument "x": tool list takes no arguments')
  assert.equal(refused('list', '--', '--json'), 'unexpected argument "--json": tool list takes no arguments')
})

test('command line: --help lists the commands with their descriptions and the global options with their defaults', () => {
  const text = help('--help')
  assert.match(
    text,
    /^Usage: tool <command> \[options\]\n\nA tool for the tests of the command-line parser\.\n/,
  )
  assert.match(
    text,
    /\nCommands:\n {2}go <where> \[how\] +go somewhere\n {2}list +list things\n {2}box <command> +the controls of a box\n/,
  )
  assert.match(text, /\n {2}--config <value> +config file \(default: \.\/tool\.yaml\)\n/)
  assert.match(text, /\n {2}--tag <value> +a tag \(repeatable\)\n/)
  assert.match(text, /\n {2}--json +machine-readable output\n/)
  assert.match(text, /\n {2}--help +show this help/)
})

test("command line: a command's help shows its usage, positionals, own options, then the global ones", () => {
  const text = help('go', '--help')
  assert.match(text, /^Usage: tool go <where> \[how\] \[options\]\n\ngo somewhere\n/)
  assert.match(text, /\nArguments:\n {2}<where> +the place\n {2}\[how\] +the way\n/)
  assert.match(text, /\nOptions:\n {2}--fast +hurry\n {2}--times <n> +how often \(default: 1\)\n/)
  assert.match(text, /\n {2}--format <json\|csv> +output format \(default: json\)\n/)
  assert.match(text, /\nGlobal options:\n {2}--config <value> +config file/)
  assert.match(
    help('box', '--help'),
    /^Usage: tool box <command> \[options\][\s\S]*\n {2}open <id> +open the box ID\n {2}shut +shut every box\n/,
  )
  assert.match(
    help('box', 'open', '--help'),
    /^Usage: tool box open <id> \[options\][\s\S]*--force +even when locked/,
  )
})

test('command line: --help wins over a missing argument or an unknown option, but not after --', async () => {
  assert.match(help('go', '--help'), /^Usage: tool go /)
  assert.match(help('go', '--frob', '--help'), /^Usage: tool go /)
  assert.match(help('--help', 'box'), /^Usage: tool box /)
  assert.equal((await run('go', '--', '--help')).args.where, '--help')
})

test('command line: help columns line up and wrap at 100 characters', () => {
  const long = 'a description long enough to need more than one line of the help text '.repeat(3).trim()
  const text = parseCommandLine(
    {
      ...PROGRAM,
      commands: { ...PROGRAM.commands, wordy: command({ describe: long, run: record('wordy') }) },
    },
    ['--help'],
  )
  assert.equal(text.kind, 'help')
  const lines = text.kind === 'help' ? text.text.split('\n') : []
  for (const line of lines) assert.ok(line.length <= 100, line)
  const wordy = lines.findIndex((line) => line.startsWith('  wordy '))
  const column = lines[wordy]!.indexOf('a description')
  assert.equal(lines[wordy + 1]!.search(/\S/), column, 'a wrapped line starts under the first')
  assert.equal(lines.find((line) => line.startsWith('  list '))!.indexOf('list things'), column)
  assert.deepEqual(
    lines
      .slice(wordy, wordy + 3)
      .map((line) => line.slice(column))
      .join(' '),
    long,
  )
})
