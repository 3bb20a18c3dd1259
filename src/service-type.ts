import { z } from 'zod'
import {
  CredentialsError,
  DatabaseAccessError,
  NotImplementedError,
  RegistryError,
  type Stage,
} from './errors.ts'
import type { Credentials, Service } from './service.ts'

/** What a check gets besides its service: the abort signal of its timeout, and stage marks. */
export interface CheckContext {
  /** Aborted when the check's timeout expires; pass it to every client call. */
  readonly signal: AbortSignal
  /** The check's timeout in milliseconds; the clock started when the check started. */
  readonly timeoutMs: number
  /** Marks the stage the check is in, so that a timeout or an unexpected error is reported there. */
  stage(stage: Stage): void
  /** Adds a line to the check's transcript, kept for the white team only (a ServiceError). */
  debug(line: string): void
}

/** The database calls `startCheck` and `endCheck` may make (main thread only). */
export interface CheckDatabase {
  markInProgress(serviceId: number): void
  markFinished(serviceId: number): void
}

/** What the engine gives a check type instance: where scores and log lines go. */
export interface CheckHost {
  readonly threadName: string
  reportScore(service: Service, score: number, error: string | null): void
  log(line: string): void
  /** The database on the main thread; throws `DatabaseAccessError` in a worker. */
  database(): CheckDatabase
}

const kHost = Symbol('scanner.host')

/** Constructor type of a check type class, with its static description. */
export interface ServiceTypeClass {
  new (): ServiceType<never>
  shortName: string
  displayName: string | undefined
  description: string
  defaultPort: number
  options: OptionsSchema
  readonly prototype: ServiceType<never>
}

/**
 * The schema of a check type's `options:`, or a function that builds it. A function is called
 * once, when a config first uses the type: the built-in types build theirs that way, since a
 * start that built all ~30 schemas would pay for them in every thread (zod schemas are slow to
 * construct).
 */
export type OptionsSchema = z.ZodType | (() => z.ZodType)

const builtSchemas = new WeakMap<() => z.ZodType, z.ZodType>()

/**
 * The options schema of a check type, built on first use when it is declared as a function.
 * @throws RegistryError when the function throws or gives something else than a zod schema.
 */
export function optionsSchema(cls: Pick<ServiceTypeClass, 'options' | 'shortName'>): z.ZodType {
  const options = cls.options
  if (typeof options !== 'function') return options
  let schema = builtSchemas.get(options)
  if (schema === undefined) {
    try {
      schema = options()
    } catch (err) {
      throw new RegistryError(
        `check type "${cls.shortName}": its static options() threw: ${err instanceof Error ? err.message : String(err)}`,
      )
    }
    if (typeof (schema as { safeParse?: unknown } | undefined)?.safeParse !== 'function')
      throw new RegistryError(`check type "${cls.shortName}": its static options() must return a zod schema`)
    builtSchemas.set(options, schema)
  }
  return schema
}

/**
 * Base class of every check type. Subclass it, set `shortName`, override `doCheck` (or
 * `doMassCheck` for a check that scores every team at once), and `register` the class.
 *
 * The lifecycle of a check, as in IScorE: `startCheck` (main thread, marks in progress) ->
 * `resolveMulti` -> `preCheck` -> `doCheck` / `doMassCheck` -> `postCheck` (the team's worker
 * thread) -> `endCheck` (main thread, marks finished).
 *
 * @example
 * import { ServiceType, CheckFailure, register, z, type Service, type CheckContext } from 'scanner'
 *
 * const options = z.object({ word: z.string().default('pong') }).strict()
 *
 * export class EchoCheck extends ServiceType<z.output<typeof options>> {
 *   static override shortName = 'echo'
 *   static override defaultPort = 7
 *   static override options = options
 *
 *   override async doCheck(service: Service<z.output<typeof options>>, ctx: CheckContext) {
 *     const reply = await talk(service.host, service.port, service.options.word, ctx.signal)
 *     ctx.stage('match')
 *     if (reply !== service.options.word) throw new CheckFailure('match', `echo replied ${JSON.stringify(reply)}`)
 *     this.reportScore(service, service.points, null)
 *     this.log(service, 'echo', true)
 *   }
 * }
 * register(EchoCheck)
 */
export abstract class ServiceType<O = Record<string, unknown>> {
  /** The name used as `type:` in competition.yaml. */
  static shortName = ''
  /** Name used in log lines (`SSH login to ...`); defaults to the short name in capitals. */
  static displayName: string | undefined = undefined
  static description = ''
  /** Port used when the service does not name one. */
  static defaultPort = 0
  /**
   * Schema of the `options:` of a service of this type, validated when the config is loaded; or
   * a function that returns it, called the first time a config uses the type.
   */
  static options: OptionsSchema = () => z.object({}).strict()

  /** Main thread, before the check: the last hook allowed to use the database. Marks in progress. */
  startCheck(service: Service<O>): void {
    this.database.markInProgress(service.id)
  }

  /** Returns `"self"`, or the short name of the check type that should check this service. */
  resolveMulti(_service: Service<O>): string {
    return 'self'
  }

  /** Before the check, in the worker. A mass check gets the list of all its services. */
  preCheck(_service: Service<O> | Service<O>[]): void | Promise<void> {}

  /** Checks one service of one team and calls `reportScore`. Throw `CheckFailure` to fail a stage. */
  async doCheck(_service: Service<O>, _ctx: CheckContext): Promise<void> {
    throw new NotImplementedError(`check type "${this.shortName}" does not implement doCheck`)
  }

  /** Checks the service of every team at once and calls `reportScore` for each. */
  async doMassCheck(_services: Service<O>[], _ctx: CheckContext): Promise<void> {
    throw new NotImplementedError(`check type "${this.shortName}" does not implement doMassCheck`)
  }

  /** After the check, in the worker, even when it failed. A mass check gets the list. */
  postCheck(_service: Service<O> | Service<O>[]): void | Promise<void> {}

  /** Main thread, after the check: marks it finished. Overrides must call `super.endCheck`. */
  endCheck(service: Service<O>): void {
    this.database.markFinished(service.id)
  }

  /** Records the result of the check: `error` is shown to the team (null when up). */
  reportScore(service: Service<O>, score: number, error: string | null): void {
    this.host.reportScore(service as Service, score, error)
  }

  /** Writes a standard scan log line: `<thread>: FAIL Team3 : SSH login to 10.0.3.20`. */
  log(service: Service<O>, action: string, ok: boolean): void {
    const cls = this.constructor as ServiceTypeClass
    const what = cls.displayName ?? cls.shortName.toUpperCase()
    const host = service.port ? `${service.host}:${service.port}` : service.host
    this.host.log(
      `${this.host.threadName}: ${ok ? 'Success' : 'FAIL'} Team${service.team} : ${what} ${action} to ${host}`,
    )
  }

  /**
   * The credentials to use, filled by the team worker from explicit credentials, team info or a
   * pool. Override to adapt them (LDAP turns `user` into `user@domain`).
   * @throws CredentialsError when the pool is empty or the team info entry is missing.
   */
  getCredentials(service: Service<O>): Credentials {
    if (service.username !== null && service.password !== null) {
      return { username: service.username, password: service.password }
    }
    if (service.credentialPool !== null) {
      throw new CredentialsError(
        `credential pool "${service.credentialPool}" of Team${service.team} is empty`,
      )
    }
    if (service.teamSpecificInfo !== null) {
      throw new CredentialsError(
        `Team${service.team} has no credentials in team info "${service.teamSpecificInfo}"`,
      )
    }
    throw new CredentialsError(`service "${service.name}" has no credentials configured`)
  }

  /** The short name this instance is registered under. */
  get shortName(): string {
    return (this.constructor as ServiceTypeClass).shortName
  }

  /** The database: main thread only (`startCheck`, `endCheck`). */
  protected get database(): CheckDatabase {
    return this.host.database()
  }

  private get host(): CheckHost {
    const host = (this as unknown as Record<symbol, CheckHost | undefined>)[kHost]
    if (!host) throw new Error(`check type "${this.shortName}" was not created by the engine`)
    return host
  }
}

/** Connects an instance to the engine that runs it. */
export function attachHost(instance: ServiceType<never>, host: CheckHost): void {
  ;(instance as unknown as Record<symbol, CheckHost>)[kHost] = host
}

/** The host of a worker thread: no database. */
export function workerDatabase(): CheckDatabase {
  throw new DatabaseAccessError()
}
