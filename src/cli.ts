#!/usr/bin/env node
/**
 * The command line. The only module that reads argv or calls process.exit.
 * Exit codes: 0 done (services being down is not a failure), 1 runtime failure, 2 usage or config error.
 *
 * A command's module is loaded when the command runs, and yargs when there is a command line to
 * parse: `scanner --version` or `scanner status` does not load the check types, the config parser
 * or the demo servers.
 */
import type { CommonArgs } from './commands/common.ts'

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

async function parse(): Promise<void> {
  const { default: yargs } = await import('yargs')
  const { hideBin } = await import('yargs/helpers')
  await yargs(hideBin(process.argv))
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
      'run rounds every round.interval +- round.jitter until Ctrl-C (--round: one round, then exit)',
      (y) =>
        y
          .option('round', { type: 'boolean', default: false, describe: 'run one round and exit' })
          .option('workers', { type: 'number', describe: 'worker threads (default: one per core)' })
          .option('max-in-flight', {
            type: 'number',
            describe: 'checks in flight at once per worker thread',
          }),
      async (argv) => {
        const { runCommand } = await import('./commands/run-command.ts')
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
      async (argv) => {
        const { demoCommand } = await import('./commands/demo-command.ts')
        await demoCommand({ ...common(argv), keep: argv.keep }, out)
      },
    )
    .command(
      'check [target]',
      'run the check of one service now and print each stage (TEAM/SERVICE, e.g. 3/www), or every check (--all); records nothing',
      (y) =>
        y
          .positional('target', { type: 'string', describe: 'TEAM/SERVICE' })
          .option('all', {
            type: 'boolean',
            default: false,
            describe: 'every check of every team, in parallel: a team x service matrix',
          })
          .option('workers', {
            type: 'number',
            describe: 'worker threads for --all (default: one per core)',
          }),
      async (argv) => {
        if (argv.all === (argv.target !== undefined)) {
          const { UsageError } = await import('./errors.ts')
          throw new UsageError(
            argv.all
              ? 'give TEAM/SERVICE or --all, not both'
              : 'name the service to check as TEAM/SERVICE (for example 3/www), or use --all',
          )
        }
        if (argv.all) {
          const { checkAllCommand } = await import('./commands/check-all-command.ts')
          await checkAllCommand({ ...common(argv), workers: argv.workers }, out)
        } else {
          const { checkCommand } = await import('./commands/check-command.ts')
          await checkCommand({ ...common(argv), target: argv.target! }, out)
        }
      },
    )
    .command(
      'pause',
      'hold rounds: a running scanner run finishes its round in flight and starts no new one',
      (y) => y.option('reason', { type: 'string', describe: 'why (shown by status and the scanner)' }),
      async (argv) => {
        const { pauseCommand } = await import('./commands/pause-command.ts')
        pauseCommand({ ...common(argv), reason: argv.reason }, out)
      },
    )
    .command('resume', 'let a paused scanner run start rounds again', {}, async (argv) => {
      const { resumeCommand } = await import('./commands/pause-command.ts')
      resumeCommand(common(argv), out)
    })
    .command('status', 'latest state of every team x service', {}, async (argv) => {
      const { statusCommand } = await import('./commands/status-command.ts')
      statusCommand(common(argv), out)
    })
    .command('services', 'every service with its id, team, type and flags', {}, async (argv) => {
      const { servicesCommand } = await import('./commands/services-command.ts')
      servicesCommand(common(argv), out)
    })
    .command('types', 'registered check types with their options', {}, async (argv) => {
      const { typesCommand } = await import('./commands/types-command.ts')
      await typesCommand(common(argv), out)
    })
    .command('validate', 'check the config and the services files', {}, async (argv) => {
      const { validateCommand } = await import('./commands/validate-command.ts')
      await validateCommand(common(argv), out)
    })
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
    .parseAsync()
}

async function version(): Promise<void> {
  const { versionText } = await import('./commands/version.ts')
  out(versionText())
}

const main = process.argv.slice(2).includes('--version') ? version : parse
main().catch(fail)
