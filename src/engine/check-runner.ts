import { CheckFailure, type Stage } from '../errors.ts'
import type { ServiceRegistry } from '../registry.ts'
import { fillUsername, type Service } from '../service.ts'
import {
  attachHost,
  workerDatabase,
  type CheckContext,
  type ServiceType,
  type ServiceTypeClass,
  optionsSchema,
} from '../service-type.ts'
import { MAX_DETAIL_CHARS, MAX_ERROR_CHARS, bound, clean, type CheckResult } from './check-result.ts'
import { messageOfError, stageOfError } from './error-stage.ts'

/** Where a check's log lines go, and the name it logs under. */
export interface CheckSink {
  threadName: string
  log(line: string): void
  /** Told each time the check enters a stage, with the milliseconds since it started (dry runs). */
  stageEntered?(stage: Stage, atMs: number): void
}

interface Report {
  score: number
  error: string | null
}

/** State of one run of a check type over one service (standard) or several (mass). */
class CheckRun {
  stage: Stage = 'connect'
  readonly transcript: string[] = []
  readonly reports = new Map<number, Report>()
  settled = false
  readonly startedAt = Date.now()
  readonly started = performance.now()
  readonly controller = new AbortController()

  readonly timeoutMs: number
  readonly #sink: CheckSink

  constructor(timeoutMs: number, sink: CheckSink) {
    this.timeoutMs = timeoutMs
    this.#sink = sink
  }

  context(): CheckContext {
    return {
      signal: this.controller.signal,
      timeoutMs: this.timeoutMs,
      stage: (stage) => {
        if (this.settled) return
        this.stage = stage
        this.#sink.stageEntered?.(stage, this.elapsed())
      },
      debug: (line) => {
        if (!this.settled && this.transcript.length < 2000) this.transcript.push(line)
      },
    }
  }

  elapsed(): number {
    return Math.round(performance.now() - this.started)
  }
}

function instantiate(cls: ServiceTypeClass, run: CheckRun, sink: CheckSink): ServiceType<never> {
  const instance = new cls()
  attachHost(instance, {
    threadName: sink.threadName,
    log: (line) => sink.log(line),
    database: workerDatabase,
    reportScore: (service, score, error) => {
      if (run.settled) return
      if (!Number.isFinite(score))
        throw new TypeError(`reportScore: score must be a number, got ${String(score)}`)
      run.reports.set(service.id, { score, error })
    },
  })
  return instance
}

/**
 * The check type that really checks a service (`resolveMulti` may name another type), and the
 * service as that type sees it: its options read with the chosen type's schema, so its defaults
 * apply and the options only the multi-protocol type knows are left out.
 */
function resolve(
  registry: ServiceRegistry,
  instance: ServiceType<never>,
  service: Service,
  run: CheckRun,
  sink: CheckSink,
): { type: ServiceType<never>; service: Service } {
  const name = instance.resolveMulti(service as Service<never>)
  if (name === 'self' || name === instance.shortName) return { type: instance, service }
  const cls = registry.get(name)
  if (!cls)
    throw new CheckFailure('connect', `check type "${instance.shortName}" resolved to unknown type "${name}"`)
  const schema = optionsSchema(cls)
  const shape = (schema as { shape?: Record<string, unknown> }).shape
  const options = service.options
  const input = shape ? Object.fromEntries(Object.entries(options).filter(([key]) => key in shape)) : options
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`)
    throw new CheckFailure(
      'connect',
      `check type "${instance.shortName}" chose "${name}", whose options do not fit: ${problems.join('; ')}`,
    )
  }
  return {
    type: instantiate(cls, run, sink),
    service: { ...service, options: parsed.data as Record<string, unknown> },
  }
}

/** Runs `work` until it settles or the timeout expires, whichever comes first. */
async function withTimeout(
  run: CheckRun,
  work: () => Promise<void>,
): Promise<{ timedOut: boolean; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<{ timedOut: boolean }>((resolve) => {
    timer = setTimeout(() => {
      run.controller.abort(new CheckFailure(run.stage, `timed out after ${formatSeconds(run.timeoutMs)} s`))
      resolve({ timedOut: true })
    }, run.timeoutMs)
  })
  const done = work().then(
    () => ({ timedOut: false }),
    (error: unknown) => ({ timedOut: false, error }),
  )
  try {
    return await Promise.race([done, timeout])
  } finally {
    clearTimeout(timer)
    run.settled = true
  }
}

function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10)
}

function hide(text: string, service: Service): string {
  const secret = service.password
  return secret && secret.length >= 3 ? text.replaceAll(secret, '****') : text
}

function resultFor(
  run: CheckRun,
  service: Service,
  outcome: { timedOut: boolean; error?: unknown },
): CheckResult {
  const base = { serviceId: service.id, startedAt: run.startedAt, durationMs: run.elapsed() }
  const transcript = run.transcript.join('\n')
  const detailOf = (extra: string | undefined) => {
    const text = [extra, transcript].filter((t) => t).join('\n--- transcript ---\n')
    return text ? bound(hide(clean(text), service), MAX_DETAIL_CHARS) : null
  }
  const fail = (stage: Stage, message: string, extra?: string): CheckResult => ({
    ...base,
    score: run.reports.get(service.id)?.score ?? 0,
    up: false,
    stage,
    error: bound(hide(clean(message), service), MAX_ERROR_CHARS),
    detail: detailOf(extra),
  })
  if (outcome.timedOut) return fail(run.stage, `timed out after ${formatSeconds(run.timeoutMs)} s`)
  const report = run.reports.get(service.id)
  if (outcome.error !== undefined) {
    const err = outcome.error
    if (err instanceof CheckFailure) return fail(err.stage, err.message, err.debug ?? err.stack)
    const stage =
      (err as { code?: unknown }).code === 'ERR_CREDENTIALS' ? 'auth' : (stageOfError(err) ?? run.stage)
    return fail(stage, messageOfError(err), err instanceof Error ? err.stack : undefined)
  }
  if (!report) return fail(run.stage, 'the check finished without reporting a score')
  if (report.error !== null) return fail(run.stage, report.error)
  return { ...base, score: report.score, up: true, stage: null, error: null, detail: detailOf(undefined) }
}

/** Fills `{username}` into the options once the credentials are known. */
function prepared(service: Service): Service {
  return service.username === null
    ? service
    : { ...service, options: fillUsername(service.options, service.username) }
}

/**
 * Runs the worker side of one standard check: resolveMulti -> preCheck -> doCheck -> postCheck,
 * within the service's timeout. Never throws: every failure becomes a result.
 */
export async function runStandardCheck(
  registry: ServiceRegistry,
  input: Service,
  sink: CheckSink,
): Promise<CheckResult> {
  const service = prepared(input)
  const run = new CheckRun(service.timeoutMs, sink)
  const outcome = await withTimeout(run, async () => {
    const cls = registry.get(service.subtype)
    if (!cls) throw new CheckFailure('connect', `unknown check type "${service.subtype}"`)
    const { type, service: resolved } = resolve(registry, instantiate(cls, run, sink), service, run, sink)
    const s = resolved as Service<never>
    await type.preCheck(s)
    try {
      await type.doCheck(s, run.context())
    } finally {
      await type.postCheck(s)
    }
  })
  return resultFor(run, service, outcome)
}

/**
 * Runs a mass check: one `doMassCheck` over the services of every team. The timeout is the
 * longest of theirs. A service the check did not report on is recorded as failed.
 */
export async function runMassCheck(
  registry: ServiceRegistry,
  inputs: Service[],
  sink: CheckSink,
): Promise<CheckResult[]> {
  const services = inputs.map(prepared)
  const first = services[0]
  if (!first) return []
  const run = new CheckRun(Math.max(...services.map((s) => s.timeoutMs)), sink)
  const outcome = await withTimeout(run, async () => {
    const cls = registry.get(first.subtype)
    if (!cls) throw new CheckFailure('connect', `unknown check type "${first.subtype}"`)
    const { type } = resolve(registry, instantiate(cls, run, sink), first, run, sink)
    const list = services as Service<never>[]
    await type.preCheck(list)
    try {
      await type.doMassCheck(list, run.context())
    } finally {
      await type.postCheck(list)
    }
  })
  return services.map((service) => {
    if (!outcome.timedOut && outcome.error === undefined && !run.reports.has(service.id)) {
      return resultFor(run, service, {
        timedOut: false,
        error: new CheckFailure(run.stage, 'the mass check reported no score for this service'),
      })
    }
    return resultFor(run, service, outcome)
  })
}
