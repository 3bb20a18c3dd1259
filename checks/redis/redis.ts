/**
 * `redis`: logs in with AUTH (username and password, or the password alone when the service has
 * no username), then PINGs, or, when `key` is set, GETs that key and matches its value. Spoken
 * by hand (RESP2): no client library needed for three commands.
 *
 * Options:
 * - `key`: GET this key instead of PING; a key that does not exist fails stage `action`.
 * - `expect` / `expect_regex` / `expect_exact`: matched against the key's value (at most 64 KiB
 *   of it is read); need `key`.
 * - `tls`: `none` (default) or `implicit` (a TLS port, such as Redis's `tls-port`).
 * - `tls_verify`, `tls_fingerprint`: check the certificate, or pin it.
 *
 * A service with no credentials sends no AUTH. With credentials, a server that has no password
 * set at all answers AUTH with an error that is ignored (as redis-cli and ioredis do). The
 * username `default` falls back to AUTH with the password alone on servers older than Redis 6.
 *
 * Stages: `connect` (refused, or not a Redis server), `tls`, `auth` (AUTH refused, or NOAUTH: a
 * password is required and none is configured), `action` (PING or GET failed, no such key, not a
 * string), `match`.
 *
 * @example
 * # competition.yaml
 * - { name: redis, type: redis, team_specific_info: redis, options: { key: "flag:{num}", expect: "team{num}" } }
 */
import type { Socket } from 'node:net'
import {
  excerpt,
  expectOptions,
  failureOf,
  hasExpectations,
  matchExpected,
  tlsCertificateOptions,
  tlsMode,
  lazily,
} from '../../src/check-options.ts'
import { CheckFailure, ServiceType, z, type CheckContext, type Service, type Stage } from '../../src/sdk.ts'
import { RespConnection, type Reply } from './resp.ts'
import { connectTcp, startTls } from '../socket.ts'

export const MAX_VALUE_BYTES = 64 * 1024

export const redisOptions = lazily(() =>
  z
    .object({
      key: z.string().min(1).optional(),
      ...expectOptions(),
      tls: tlsMode('none', ['none', 'implicit']),
      ...tlsCertificateOptions(),
    })
    .strict()
    .superRefine((options, ctx) => {
      if (options.key === undefined && hasExpectations(options)) {
        ctx.addIssue({
          code: 'custom',
          message: 'expect, expect_regex and expect_exact need a key',
          path: ['key'],
        })
      }
    }),
)

export type RedisOptions = z.output<ReturnType<typeof redisOptions>>

export class RedisCheck extends ServiceType<RedisOptions> {
  static override shortName = 'redis'
  static override description = 'AUTH, then PING, or GET a key and match its value'
  static override defaultPort = 6379
  static override options = redisOptions

  override async doCheck(service: Service<RedisOptions>, ctx: CheckContext): Promise<void> {
    const { key } = service.options
    const action = key === undefined ? 'PING' : `GET ${key}`
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    const sockets: Socket[] = []
    try {
      const login = this.login(service)
      const tcp = await connectTcp(service.host, service.port, ctx.signal)
      sockets.push(tcp)
      let socket: Socket = tcp
      if (service.options.tls === 'implicit') {
        mark('tls')
        const { tls_verify: verify, tls_fingerprint: fingerprint } = service.options
        socket = await startTls(tcp, { name: service.host, verify, fingerprint }, ctx.signal)
        sockets.push(socket)
      }
      const redis = new RespConnection(socket, ctx.signal, MAX_VALUE_BYTES)
      if (login !== undefined) {
        mark('auth')
        await authenticate(redis, login, ctx)
      }
      mark('action')
      if (key === undefined) {
        const reply = await redis.command(['PING'])
        refuseError(reply, 'PING', login)
        if (reply.kind !== 'simple' || reply.text !== 'PONG') {
          throw new CheckFailure('action', `PING was answered ${describe(reply)}, not PONG`)
        }
      } else {
        const value = await get(redis, key, login)
        mark('match')
        matchExpected(value.text, service.options, value.what)
      }
    } catch (err) {
      this.log(service, action, false)
      throw failureOf(err, stage)
    } finally {
      // A TLS socket first: it closes the one under it.
      for (const socket of sockets.reverse()) socket.destroy()
    }
    this.reportScore(service, service.points, null)
    this.log(service, action, true)
  }

  /** The AUTH arguments, or undefined when the service has no credentials at all. */
  private login(service: Service<RedisOptions>): { username: string | null; password: string } | undefined {
    const { username, password, credentialPool, teamSpecificInfo } = service
    if (username === null && credentialPool === null && teamSpecificInfo === null) {
      return password === null ? undefined : { username: null, password }
    }
    const credentials = this.getCredentials(service)
    return {
      username: credentials.username === '' ? null : credentials.username,
      password: credentials.password,
    }
  }
}

async function authenticate(
  redis: RespConnection,
  login: { username: string | null; password: string },
  ctx: CheckContext,
): Promise<void> {
  const args = login.username === null ? ['AUTH', login.password] : ['AUTH', login.username, login.password]
  let reply = await redis.command(args)
  if (
    reply.kind === 'error' &&
    login.username === 'default' &&
    /wrong number of arguments/i.test(reply.text)
  ) {
    // Redis before 6 has no users: `default` is the password alone.
    reply = await redis.command(['AUTH', login.password])
  }
  if (reply.kind === 'simple' && reply.text === 'OK') return
  if (reply.kind === 'error' && /no password is set|without any password configured/i.test(reply.text)) {
    ctx.debug(`AUTH ignored: the server has no password (${reply.text})`)
    return
  }
  if (reply.kind === 'error' && /WRONGPASS|invalid password|invalid username-password/i.test(reply.text)) {
    const who = login.username === null ? 'the password' : `user "${login.username}"`
    throw new CheckFailure('auth', `login refused for ${who}`, { debug: reply.text })
  }
  throw new CheckFailure('auth', `AUTH was answered ${describe(reply)}`)
}

/** GETs `key`: its value as text, and how to name it in a failed match. */
async function get(
  redis: RespConnection,
  key: string,
  login: { username: string | null } | undefined,
): Promise<{ text: string; what: string }> {
  const reply = await redis.command(['GET', key])
  refuseError(reply, `GET ${key}`, login)
  if (reply.kind !== 'bulk') throw new CheckFailure('action', `GET ${key} was answered ${describe(reply)}`)
  if (reply.value === null) throw new CheckFailure('action', `key "${key}" does not exist`)
  const what = reply.truncated
    ? `value of key "${key}" (first ${MAX_VALUE_BYTES / 1024} KiB of ${reply.length} bytes)`
    : `value of key "${key}"`
  return { text: reply.value.toString('utf8'), what }
}

/** Fails on an error reply: stage `auth` for NOAUTH and NOPERM, `action` for any other. */
function refuseError(reply: Reply, command: string, login: { username: string | null } | undefined): void {
  if (reply.kind !== 'error') return
  if (/^NOAUTH\b/.test(reply.text)) {
    throw new CheckFailure(
      'auth',
      login === undefined
        ? 'the server requires a password (NOAUTH) and the service has no credentials'
        : `the server still requires authentication after AUTH (${excerpt(reply.text, 120)})`,
    )
  }
  if (/^NOPERM\b/.test(reply.text)) {
    throw new CheckFailure('auth', `${command} is not allowed for this user: ${excerpt(reply.text, 160)}`)
  }
  if (/^WRONGTYPE\b/.test(reply.text)) {
    throw new CheckFailure('action', `${command}: the key does not hold a string (WRONGTYPE)`)
  }
  throw new CheckFailure('action', `${command} failed: ${excerpt(reply.text, 200)}`)
}

function describe(reply: Reply): string {
  switch (reply.kind) {
    case 'simple':
      return excerpt(reply.text, 80)
    case 'error':
      return `with an error: ${excerpt(reply.text, 160)}`
    case 'integer':
      return `with the number ${reply.value}`
    case 'bulk':
      return reply.value === null ? 'with nil' : `with ${excerpt(reply.value.toString('utf8'), 80)}`
    case 'array':
      return 'with an array'
  }
}
