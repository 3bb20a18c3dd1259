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
import type { PagesArgs } from './commands/serve-command.ts'

const USAGE_CODES = new Set([
  'ERR_USAGE',
  'ERR_CONFIG',
  'ERR_SERVICES_FILE',
  'ERR_REGISTRY',
  // refused external-check calls (db/external-scores.ts)
  'ERR_UNKNOWN_SERVICE',
  'ERR_NOT_EXTERNAL',
  'ERR_BAD_RESULT',
  'ERR_UNKNOWN_SCORE',
])

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

/** The options of the web pages, for `serve` and `run --serve`. */
const PAGE_OPTIONS = {
  listen: { type: 'string', default: '127.0.0.1:8080', describe: 'HOST:PORT to serve the web pages on' },
  'metrics-token': {
    type: 'string',
    describe: 'bearer token for /metrics without a login (or SCANNER_METRICS_TOKEN)',
  },
  'secure-cookies': {
    type: 'boolean',
    default: false,
    describe: 'mark cookies Secure (pages served behind https)',
  },
} as const

function pagesArgs(argv: Record<string, unknown>): PagesArgs {
  return {
    listen: String(argv.listen),
    metricsToken: argv['metrics-token'] as string | undefined,
    secureCookies: argv['secure-cookies'] === true,
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
          })
          .option('serve', {
            type: 'boolean',
            default: false,
            describe: 'also serve the web pages (see scanner serve) in this process',
          })
          .options(PAGE_OPTIONS),
      async (argv) => {
        const { runCommand } = await import('./commands/run-command.ts')
        await runCommand(
          {
            ...common(argv),
            round: argv.round,
            workers: argv.workers,
            maxInFlight: argv['max-in-flight'],
            serve: argv.serve ? pagesArgs(argv) : undefined,
          },
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
    .command(
      'scores',
      'totals per team and per service (caps applied, SLA penalties taken off)',
      (y) => y.option('csv', { type: 'boolean', default: false, describe: 'CSV output' }),
      async (argv) => {
        const { scoresCommand } = await import('./commands/scores-command.ts')
        scoresCommand({ ...common(argv), csv: argv.csv }, out)
      },
    )
    .command('service', 'white-team controls of a service: down, up, cap, log', (y) =>
      y
        .command(
          'down <target>',
          'take TEAM/SERVICE administratively down: not checked, scores 0 with the reason',
          (c) =>
            c
              .positional('target', { type: 'string', demandOption: true, describe: 'TEAM/SERVICE' })
              .option('reason', { type: 'string', describe: 'why (the team sees it)' }),
          async (argv) => {
            const { serviceCommand } = await import('./commands/service-command.ts')
            serviceCommand({ ...common(argv), action: 'down', target: argv.target, reason: argv.reason }, out)
          },
        )
        .command(
          'up <target>',
          'bring TEAM/SERVICE back up: checked again from the next round',
          (c) => c.positional('target', { type: 'string', demandOption: true, describe: 'TEAM/SERVICE' }),
          async (argv) => {
            const { serviceCommand } = await import('./commands/service-command.ts')
            serviceCommand({ ...common(argv), action: 'up', target: argv.target }, out)
          },
        )
        .command(
          'cap <target> [n]',
          'cap the score of TEAM/SERVICE at N points (--clear: no cap)',
          (c) =>
            c
              .positional('target', { type: 'string', demandOption: true, describe: 'TEAM/SERVICE' })
              .positional('n', { type: 'string', describe: 'the cap: a whole number of points, 0 or more' })
              .option('clear', { type: 'boolean', default: false, describe: 'remove the cap' }),
          async (argv) => {
            const { serviceCommand } = await import('./commands/service-command.ts')
            serviceCommand(
              { ...common(argv), action: 'cap', target: argv.target, cap: argv.n, clear: argv.clear },
              out,
            )
          },
        )
        .command(
          'log [target]',
          'the white-team controls recorded, of every service or of TEAM/SERVICE',
          (c) => c.positional('target', { type: 'string', describe: 'TEAM/SERVICE' }),
          async (argv) => {
            const { serviceLogCommand } = await import('./commands/service-log-command.ts')
            serviceLogCommand({ ...common(argv), target: argv.target }, out)
          },
        )
        .demandCommand(1, 'name a control: down, up, cap or log'),
    )
    .command(
      'pcr [team] [name] [user] [password]',
      'password change request: TEAM POOL_OR_INFO USER PASSWORD, or --file F.csv; --list shows the history',
      (y) =>
        y
          .positional('team', { type: 'string', describe: 'team number or name' })
          .positional('name', { type: 'string', describe: 'credential pool or team info entry' })
          .positional('user', { type: 'string', describe: 'the account' })
          .positional('password', { type: 'string', describe: 'its new password' })
          .option('file', { type: 'string', describe: 'CSV with a header: team,pool_or_info,user,password' })
          .option('list', {
            type: 'boolean',
            default: false,
            describe: 'the history of changes (no passwords)',
          }),
      async (argv) => {
        const { pcrCommand } = await import('./commands/pcr-command.ts')
        // A password starting with "-" is written after `--`: taken from argv as typed (yargs
        // would read "-0123" as a number).
        const dashDash = process.argv.indexOf('--')
        const request = [argv.team, argv.name, argv.user, argv.password]
          .filter((value) => value !== undefined)
          .concat(dashDash === -1 ? [] : process.argv.slice(dashDash + 1))
        pcrCommand({ ...common(argv), request, file: argv.file, list: argv.list }, out)
      },
    )
    .command('types', 'registered check types with their options', {}, async (argv) => {
      const { typesCommand } = await import('./commands/types-command.ts')
      await typesCommand(common(argv), out)
    })
    .command('validate', 'check the config and the services files', {}, async (argv) => {
      const { validateCommand } = await import('./commands/validate-command.ts')
      await validateCommand(common(argv), out)
    })
    .command(
      'serve',
      'the web status pages: scoreboard, service grid, team and round pages, admin, /api/, /metrics',
      (y) => y.options(PAGE_OPTIONS),
      async (argv) => {
        const { serveCommand } = await import('./commands/serve-command.ts')
        await serveCommand({ ...common(argv), ...pagesArgs(argv) }, out)
      },
    )
    .command('passwd', 'read a password on stdin, print its hash for users[].password_hash', {}, async () => {
      const { passwdCommand } = await import('./commands/passwd-command.ts')
      await passwdCommand(out)
    })
    .command(
      'export',
      "every round's scores with the round times (--db only)",
      (y) =>
        y
          .option('format', {
            choices: ['json', 'csv'] as const,
            default: 'json' as const,
            describe: 'output format',
          })
          .option('round', { type: 'string', describe: 'only round N' })
          .option('external', {
            type: 'boolean',
            default: false,
            describe: 'the scores of external checks (they belong to no round) instead',
          }),
      async (argv) => {
        const { exportCommand, stdoutSink } = await import('./commands/export-command.ts')
        await exportCommand(
          { ...common(argv), format: argv.format, round: argv.round, external: argv.external },
          stdoutSink,
        )
      },
    )
    .command(
      'external',
      'the external-check functions, for scripts that score external services (--db only)',
      (y) => {
        const run =
          (action: 'start' | 'score' | 'done' | 'error') => async (argv: Record<string, unknown>) => {
            const { externalCommand } = await import('./commands/external-command.ts')
            externalCommand(
              {
                ...common(argv),
                action,
                id: String(action === 'error' ? argv.score_id : argv.id),
                result: argv.result as string | undefined,
                message: (action === 'error' ? argv.message : argv.error) as string | undefined,
              },
              out,
            )
          }
        const id = { type: 'string', describe: 'service id (scanner services lists them)' } as const
        return y
          .command(
            'start <id>',
            'mark the check of service ID in progress (spinner)',
            (c) => c.positional('id', id),
            run('start'),
          )
          .command(
            'score <id> <result>',
            'record RESULT points for service ID; prints the score id',
            (c) =>
              c
                .positional('id', id)
                .positional('result', { type: 'string', describe: 'points, a whole number (0: down)' })
                .option('error', { type: 'string', describe: 'message shown to the team' }),
            run('score'),
          )
          .command(
            'done <id>',
            'mark the check of service ID finished',
            (c) => c.positional('id', id),
            run('done'),
          )
          .command(
            'error <score_id> [message]',
            'keep an admin-only error detail for the external score SCORE_ID',
            (c) =>
              c
                .positional('score_id', { type: 'string', describe: 'the id scanner external score printed' })
                .positional('message', {
                  type: 'string',
                  describe: 'the detail (at most 64 KiB kept); without it (or -), read from stdin',
                }),
            run('error'),
          )
          .demandCommand(1, 'name an action: start, score, done or error')
      },
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
    .parseAsync()
}

async function version(): Promise<void> {
  const { versionText } = await import('./commands/version.ts')
  out(versionText())
}

/**
 * `run` and `demo` start one worker thread before anything else: its start runs on the other core
 * while this one parses the command line and loads the config (see engine/worker-prestart.ts).
 * One, not one per core: on a small box more threads starting at once slow the main thread down
 * more than they save; the pool starts the others when it knows how many teams there are, and the
 * round begins as soon as one is up.
 */
async function prestart(args: readonly string[]): Promise<void> {
  if (!['run', 'demo'].includes(args[0] ?? '') || args.includes('--help')) return
  const { prestartWorkers } = await import('./engine/worker-prestart.ts')
  prestartWorkers(1)
}

const args = process.argv.slice(2)
const main = args.includes('--version') ? version : async () => prestart(args).then(parse)
main().catch(fail)
