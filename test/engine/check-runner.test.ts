import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CheckFailure, ServiceRegistry, ServiceType, type CheckContext, type Service } from 'scanner'
import { runStandardCheck } from '../../src/engine/check-runner.ts'

function service(overrides: Partial<Service> = {}): Service {
  return {
    id: 1,
    team: 3,
    teamName: 'Team 3',
    name: 'svc',
    subtype: 'x',
    host: '127.0.0.1',
    port: 1,
    url: '/',
    external: false,
    username: 'alice',
    password: 'S3cret!pw',
    credentialPool: null,
    teamSpecificInfo: null,
    teamSpecific: false,
    protocol: null,
    httpString: null,
    httpRegex: null,
    points: 7,
    timeoutMs: 300,
    options: { expect: '{username}' },
    publicVisibility: true,
    blueVisibility: true,
    greenVisibility: true,
    redVisibility: false,
    administrativelyDown: false,
    downReason: null,
    scoreCap: null,
    ...overrides,
  }
}

function registryWith(
  doCheck: (this: ServiceType, s: Service, ctx: CheckContext) => Promise<void>,
): ServiceRegistry {
  class X extends ServiceType {
    static override shortName = 'x'
    override doCheck(s: Service, ctx: CheckContext) {
      return doCheck.call(this, s, ctx)
    }
  }
  const registry = new ServiceRegistry()
  registry.register(X)
  return registry
}

const sink = { threadName: 'T', log: () => undefined }

test('check runner: a reported score with no error is up, with no stage', async () => {
  const r = await runStandardCheck(
    registryWith(async function (s) {
      this.reportScore(s, s.points, null)
    }),
    service(),
    sink,
  )
  assert.deepEqual([r.up, r.score, r.stage, r.error], [true, 7, null, null])
})

test('check runner: a check that ignores its abort signal is recorded as timed out on time, in the stage it was in', async () => {
  const started = performance.now()
  const r = await runStandardCheck(
    registryWith(async (_s, ctx) => {
      ctx.stage('match')
      await new Promise(() => undefined)
    }),
    service(),
    sink,
  )
  const elapsed = performance.now() - started
  assert.equal(r.error, 'timed out after 0.3 s')
  assert.equal(r.stage, 'match')
  assert.ok(elapsed >= 290 && elapsed < 600, `took ${elapsed} ms`)
})

test('check runner: ctx.signal is aborted at the timeout', async () => {
  let aborted = false
  await runStandardCheck(
    registryWith(async (_s, ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()))
      aborted = ctx.signal.aborted
    }),
    service(),
    sink,
  )
  assert.equal(aborted, true)
})

test('check runner: a CheckFailure gives its stage and message, its debug text goes to the admin detail only', async () => {
  const r = await runStandardCheck(
    registryWith(async () => {
      throw new CheckFailure('auth', 'login refused', { debug: 'server said: 535 auth failed' })
    }),
    service(),
    sink,
  )
  assert.deepEqual([r.up, r.stage, r.error], [false, 'auth', 'login refused'])
  assert.match(r.detail!, /535 auth failed/)
})

test('check runner: an error from a client library gets the stage its code tells (ECONNREFUSED -> connect)', async () => {
  const r = await runStandardCheck(
    registryWith(async (_s, ctx) => {
      ctx.stage('auth')
      throw Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' })
    }),
    service(),
    sink,
  )
  assert.deepEqual([r.stage, r.error], ['connect', 'connect refused (ECONNREFUSED)'])
})

test('check runner: the password never appears in the team message or the admin detail', async () => {
  const r = await runStandardCheck(
    registryWith(async (s) => {
      throw new CheckFailure('auth', `bad password ${s.password}`, { debug: `sent ${s.password}` })
    }),
    service(),
    sink,
  )
  assert.equal(r.error, 'bad password ****')
  assert.doesNotMatch(r.detail!, /S3cret/)
})

test('check runner: a huge error message from a hostile server is cut to about 1 KiB with an ellipsis', async () => {
  const r = await runStandardCheck(
    registryWith(async () => {
      throw new CheckFailure('match', `unexpected banner ${'A'.repeat(100_000)}\u0000\u001b[31m`)
    }),
    service(),
    sink,
  )
  assert.ok(r.error!.length <= 1024)
  assert.ok(r.error!.endsWith('…'))
})

test('check runner: {username} in options is filled with the drawn username', async () => {
  let seen: unknown
  await runStandardCheck(
    registryWith(async function (s) {
      seen = s.options.expect
      this.reportScore(s, 1, null)
    }),
    service(),
    sink,
  )
  assert.equal(seen, 'alice')
})

test('check runner: returning without reporting a score is a failure that says so', async () => {
  const r = await runStandardCheck(
    registryWith(async () => undefined),
    service(),
    sink,
  )
  assert.equal(r.up, false)
  assert.match(r.error!, /without reporting a score/)
})
