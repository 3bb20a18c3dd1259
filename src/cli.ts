#!/usr/bin/env node
/**
 * The command line. The only module that reads argv or calls process.exit.
 * Exit codes: 0 done (services being down is not a failure), 1 runtime failure, 2 usage or config error.
 */
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { checkCommand } from './commands/check-command.ts'
import type { CommonArgs } from './commands/common.ts'
import { demoCommand } from './commands/demo-command.ts'
import { runCommand } from './commands/run-command.ts'
import { servicesCommand } from './commands/services-command.ts'
import { statusCommand } from './commands/status-command.ts'
import { typesCommand } from './commands/types-command.ts'
import { validateCommand } from './commands/validate-command.ts'
import { versionText } from './commands/version.ts'

const USAGE_CODES = new Set(['ERR_USAGE', 'ERR_CONFIG', 'ERR_SERVICES_FILE', 'ERR_REGISTRY'])

const out = (text: string): void => {
  process.stdout.write(`${text}\n`)
}

function fail(err: unknown): never {
  const code = (err as { code?: unknown } | null)?.code
  const message = err instanceof Error ? err.message : String(err)
  process.stderr.write(`scanner: ${message}\n`)
  if (process.env.SCANNER_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`)
  process.exit(typeof code === 'string' && USAGE_CODES.has(code) ? 2 : 1)
}

function common(argv: Record<string, unknown>): CommonArgs {
  return {
    config: argv.config as string,
    db: argv.db as string,
    services: (argv.services as string[] | undefined) ?? [],
    json: argv.json === true,
  }
}

const cli = yargs(hideBin(process.argv))
  .scriptName('scanner')
  .usage('$0 <command> [options]\n\nService scanner for cyber defense competitions.')
  .option('config', {
    type: 'string',
    default: './competition.yaml',
    describe: 'competition config file',
    global: true,
  })
  .option('db', { type: 'string', default: './scanner.db', describe: 'SQLite database file', global: true })
  .option('services', {
    type: 'string',
    array: true,
    describe: 'services.ts file or folder with custom check types (repeatable)',
    global: true,
  })
  .option('json', { type: 'boolean', default: false, describe: 'machine-readable output', global: true })
  .command(
    'run',
    'run rounds (--round: one round, then exit)',
    (y) =>
      y
        .option('round', { type: 'boolean', default: false, describe: 'run one round and exit' })
        .option('workers', { type: 'number', describe: 'worker threads (default: one per core)' })
        .option('max-in-flight', { type: 'number', describe: 'checks in flight at once per worker thread' }),
    async (argv) => {
      await runCommand(
        { ...common(argv), round: argv.round, workers: argv.workers, maxInFlight: argv['max-in-flight'] },
        out,
      )
    },
  )
  .command(
    'demo',
    'start demo targets on loopback, run one round of a demo competition, show the status table',
    (y) =>
      y.option('keep', {
        type: 'boolean',
        default: false,
        describe: 'keep the demo folder (config, database, scan log)',
      }),
    async (argv) => demoCommand({ ...common(argv), keep: argv.keep }, out),
  )
  .command(
    'check <target>',
    'run the check of one service now and print each stage; records nothing (TEAM/SERVICE, e.g. 3/www)',
    (y) => y.positional('target', { type: 'string', demandOption: true, describe: 'TEAM/SERVICE' }),
    async (argv) => checkCommand({ ...common(argv), target: argv.target }, out),
  )
  .command('status', 'latest state of every team x service', {}, async (argv) =>
    statusCommand(common(argv), out),
  )
  .command('services', 'every service with its id, team, type and flags', {}, async (argv) =>
    servicesCommand(common(argv), out),
  )
  .command('types', 'registered check types with their options', {}, async (argv) =>
    typesCommand(common(argv), out),
  )
  .command('validate', 'check the config and the services files', {}, async (argv) =>
    validateCommand(common(argv), out),
  )
  .demandCommand(1, 'name a command: scanner --help lists them')
  .strict()
  .fail((message, err) => {
    if (err) throw err
    process.stderr.write(`scanner: ${message}\n(scanner --help lists the commands and options)\n`)
    process.exit(2)
  })
  .help()
  .version(false)
  .option('version', { type: 'boolean', describe: 'show the version of scanner, Node and SQLite' })

if (process.argv.slice(2).includes('--version')) {
  try {
    out(versionText())
  } catch (err) {
    fail(err)
  }
} else cli.parseAsync().catch(fail)
