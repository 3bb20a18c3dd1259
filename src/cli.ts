#!/usr/bin/env node
/**
 * The command line. The only module that reads argv or calls process.exit.
 * Exit codes: 0 done (services being down is not a failure), 1 runtime failure, 2 usage or config error.
 *
 * The command table below is read by commands/command-line.ts. A command's module is loaded when
 * the command runs: `scanner --version` or `scanner status` does not load the check types, the
 * config parser or the demo servers.
 */
import { command, type ParsedArgs, type Program } from './commands/command-table.ts'
import { parseCommandLine } from './commands/command-line.ts'
import type { CommonArgs } from './commands/common.ts'
import type { PagesArgs } from './commands/serve-command.ts'

const USAGE_CODES = new Set([
  'ERR_USAGE',
  'ERR_COMMAND_LINE',
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
  if (code === 'ERR_COMMAND_LINE') process.stderr.write('(scanner --help lists the commands and options)\n')
  if (process.env.SCANNER_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`)
  process.exit(typeof code === 'string' && USAGE_CODES.has(code) ? 2 : 1)
}

/** The options every command takes. */
const GLOBAL_OPTIONS = {
  config: { type: 'string', default: './competition.yaml', describe: 'competition config file' },
  db: { type: 'string', default: './scanner.db', describe: 'SQLite database file' },
  services: {
    type: 'string',
    multiple: true,
    describe: 'services.ts file or folder with custom check types',
  },
  json: { type: 'boolean', default: false, describe: 'machine-readable output' },
  // Answered before the command line is parsed (see the end of this file): here for the help.
  version: { type: 'boolean', describe: 'show the version of scanner, Node and SQLite' },
} as const

function common(argv: ParsedArgs): CommonArgs {
  return {
    config: argv.config as string,
    db: argv.db as string,
    services: argv.services as string[],
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

function pagesArgs(argv: ParsedArgs): PagesArgs {
  return {
    listen: String(argv.listen),
    metricsToken: argv['metrics-token'] as string | undefined,
    secureCookies: argv['secure-cookies'] === true,
  }
}

const TARGET = { name: 'target', describe: 'TEAM/SERVICE' } as const

/** `scanner service down|up|cap|log`: the white-team controls. */
const SERVICE_CONTROLS = {
  down: command({
    describe: 'take TEAM/SERVICE administratively down: not checked, scores 0 with the reason',
    positionals: [{ ...TARGET, required: true }],
    options: { reason: { type: 'string', describe: 'why (the team sees it)' } },
    run: async (argv) => {
      const { serviceCommand } = await import('./commands/service-command.ts')
      serviceCommand({ ...common(argv), action: 'down', target: argv.target, reason: argv.reason }, out)
    },
  }),
  up: command({
    describe: 'bring TEAM/SERVICE back up: checked again from the next round',
    positionals: [{ ...TARGET, required: true }],
    run: async (argv) => {
      const { serviceCommand } = await import('./commands/service-command.ts')
      serviceCommand({ ...common(argv), action: 'up', target: argv.target }, out)
    },
  }),
  cap: command({
    describe: 'cap the score of TEAM/SERVICE at N points (--clear: no cap)',
    positionals: [
      { ...TARGET, required: true },
      { name: 'n', describe: 'the cap: a whole number of points, 0 or more' },
    ],
    options: { clear: { type: 'boolean', default: false, describe: 'remove the cap' } },
    run: async (argv) => {
      const { serviceCommand } = await import('./commands/service-command.ts')
      serviceCommand(
        { ...common(argv), action: 'cap', target: argv.target, cap: argv.n, clear: argv.clear },
        out,
      )
    },
  }),
  log: command({
    describe: 'the white-team controls recorded, of every service or of TEAM/SERVICE',
    positionals: [TARGET],
    run: async (argv) => {
      const { serviceLogCommand } = await import('./commands/service-log-command.ts')
      serviceLogCommand({ ...common(argv), target: argv.target }, out)
    },
  }),
}

const runExternal =
  (action: 'start' | 'score' | 'done' | 'error') =>
  async (argv: ParsedArgs): Promise<void> => {
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

const SERVICE_ID = {
  name: 'id',
  describe: 'service id (scanner services lists them)',
  required: true,
} as const

/** `scanner external start|score|done|error`: the external-check functions. */
const EXTERNAL_ACTIONS = {
  start: command({
    describe: 'mark the check of service ID in progress (spinner)',
    positionals: [SERVICE_ID],
    run: runExternal('start'),
  }),
  score: command({
    describe: 'record RESULT points for service ID; prints the score id',
    positionals: [
      SERVICE_ID,
      { name: 'result', describe: 'points, a whole number (0: down)', required: true },
    ],
    options: { error: { type: 'string', describe: 'message shown to the team' } },
    run: runExternal('score'),
  }),
  done: command({
    describe: 'mark the check of service ID finished',
    positionals: [SERVICE_ID],
    run: runExternal('done'),
  }),
  error: command({
    describe: 'keep an admin-only error detail for the external score SCORE_ID',
    positionals: [
      { name: 'score_id', describe: 'the id scanner external score printed', required: true },
      { name: 'message', describe: 'the detail (at most 64 KiB kept); without it (or -), read from stdin' },
    ],
    run: runExternal('error'),
  }),
}

const PROGRAM: Program = {
  name: 'scanner',
  describe: 'Service scanner for cyber defense competitions.',
  options: GLOBAL_OPTIONS,
  missing: 'name a command: scanner --help lists them',
  commands: {
    run: command({
      describe:
        'run rounds every round.interval +- round.jitter until Ctrl-C (--round: one round, then exit)',
      options: {
        round: { type: 'boolean', default: false, describe: 'run one round and exit' },
        workers: { type: 'number', describe: 'worker threads (default: one per core)' },
        'max-in-flight': { type: 'number', describe: 'checks in flight at once per worker thread' },
        serve: {
          type: 'boolean',
          default: false,
          describe: 'also serve the web pages (see scanner serve) in this process',
        },
        ...PAGE_OPTIONS,
      },
      run: async (argv) => {
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
    }),
    demo: command({
      describe: 'start demo targets on loopback, run one round of a demo competition, show the status table',
      options: {
        keep: {
          type: 'boolean',
          default: false,
          describe: 'keep the demo folder (config, database, scan log)',
        },
      },
      run: async (argv) => {
        const { demoCommand } = await import('./commands/demo-command.ts')
        await demoCommand({ ...common(argv), keep: argv.keep }, out)
      },
    }),
    check: command({
      describe:
        'run the check of one service now and print each stage (TEAM/SERVICE, e.g. 3/www), or every check (--all); records nothing',
      positionals: [TARGET],
      options: {
        all: {
          type: 'boolean',
          default: false,
          describe: 'every check of every team, in parallel: a team x service matrix',
        },
        workers: { type: 'number', describe: 'worker threads for --all (default: one per core)' },
      },
      run: async (argv) => {
        if (argv.all === (argv.target !== undefined)) {
          const { UsageError } = await import('./errors.ts')
          throw new UsageError(
            argv.all
              ? 'give TEAM/SERVICE or --all, not both'
              : 'name the service to check as TEAM/SERVICE (for example 3/www), or use --all',
          )
        }
        if (argv.target === undefined) {
          const { checkAllCommand } = await import('./commands/check-all-command.ts')
          await checkAllCommand({ ...common(argv), workers: argv.workers }, out)
        } else {
          const { checkCommand } = await import('./commands/check-command.ts')
          await checkCommand({ ...common(argv), target: argv.target }, out)
        }
      },
    }),
    pause: command({
      describe: 'hold rounds: a running scanner run finishes its round in flight and starts no new one',
      options: { reason: { type: 'string', describe: 'why (shown by status and the scanner)' } },
      run: async (argv) => {
        const { pauseCommand } = await import('./commands/pause-command.ts')
        pauseCommand({ ...common(argv), reason: argv.reason }, out)
      },
    }),
    resume: command({
      describe: 'let a paused scanner run start rounds again',
      run: async (argv) => {
        const { resumeCommand } = await import('./commands/pause-command.ts')
        resumeCommand(common(argv), out)
      },
    }),
    status: command({
      describe: 'latest state of every team x service',
      run: async (argv) => {
        const { statusCommand } = await import('./commands/status-command.ts')
        statusCommand(common(argv), out)
      },
    }),
    services: command({
      describe: 'every service with its id, team, type and flags',
      run: async (argv) => {
        const { servicesCommand } = await import('./commands/services-command.ts')
        servicesCommand(common(argv), out)
      },
    }),
    scores: command({
      describe: 'totals per team and per service (caps applied, SLA penalties taken off)',
      options: { csv: { type: 'boolean', default: false, describe: 'CSV output' } },
      run: async (argv) => {
        const { scoresCommand } = await import('./commands/scores-command.ts')
        scoresCommand({ ...common(argv), csv: argv.csv }, out)
      },
    }),
    service: {
      describe: 'white-team controls of a service: down, up, cap, log',
      missing: 'name a control: down, up, cap or log',
      commands: SERVICE_CONTROLS,
    },
    pcr: command({
      describe:
        'password change request: TEAM POOL_OR_INFO USER PASSWORD, or --file F.csv; --list shows the history',
      // A password starting with "-" goes after `--` (`pcr 1 pool alice -- -secret`): everything
      // after it is positional. One starting with "-" and a digit needs no `--`.
      positionals: [
        { name: 'team', describe: 'team number or name' },
        { name: 'name', describe: 'credential pool or team info entry' },
        { name: 'user', describe: 'the account' },
        { name: 'password', describe: 'its new password' },
      ],
      options: {
        file: { type: 'string', describe: 'CSV with a header: team,pool_or_info,user,password' },
        list: { type: 'boolean', default: false, describe: 'the history of changes (no passwords)' },
      },
      run: async (argv) => {
        const { pcrCommand } = await import('./commands/pcr-command.ts')
        const request = [argv.team, argv.name, argv.user, argv.password].filter(
          (value) => value !== undefined,
        )
        pcrCommand({ ...common(argv), request, file: argv.file, list: argv.list }, out)
      },
    }),
    types: command({
      describe: 'registered check types with their options',
      run: async (argv) => {
        const { typesCommand } = await import('./commands/types-command.ts')
        await typesCommand(common(argv), out)
      },
    }),
    validate: command({
      describe: 'check the config and the services files',
      run: async (argv) => {
        const { validateCommand } = await import('./commands/validate-command.ts')
        await validateCommand(common(argv), out)
      },
    }),
    serve: command({
      describe:
        'the web status pages: scoreboard, service grid, team and round pages, admin, /api/, /metrics',
      options: PAGE_OPTIONS,
      run: async (argv) => {
        const { serveCommand } = await import('./commands/serve-command.ts')
        await serveCommand({ ...common(argv), ...pagesArgs(argv) }, out)
      },
    }),
    passwd: command({
      describe: 'read a password on stdin, print its hash for users[].password_hash',
      run: async () => {
        const { passwdCommand } = await import('./commands/passwd-command.ts')
        await passwdCommand(out)
      },
    }),
    export: command({
      describe: "every round's scores with the round times (--db only)",
      options: {
        format: { type: 'string', choices: ['json', 'csv'], default: 'json', describe: 'output format' },
        round: { type: 'string', describe: 'only round N' },
        external: {
          type: 'boolean',
          default: false,
          describe: 'the scores of external checks (they belong to no round) instead',
        },
      },
      run: async (argv) => {
        const { exportCommand, stdoutSink } = await import('./commands/export-command.ts')
        await exportCommand(
          { ...common(argv), format: argv.format, round: argv.round, external: argv.external },
          stdoutSink,
        )
      },
    }),
    external: {
      describe: 'the external-check functions, for scripts that score external services (--db only)',
      missing: 'name an action: start, score, done or error',
      commands: EXTERNAL_ACTIONS,
    },
  },
}

async function parse(args: readonly string[]): Promise<void> {
  const commandLine = parseCommandLine(PROGRAM, args)
  if (commandLine.kind === 'help') out(commandLine.text)
  else await commandLine.run(commandLine.args)
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
const main = args.includes('--version') ? version : async () => prestart(args).then(() => parse(args))
main().catch(fail)
