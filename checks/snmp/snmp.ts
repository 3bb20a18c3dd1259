/**
 * `snmp`: GETs one OID (sysDescr.0 by default) with SNMP v2c and a community, or v3 and a user,
 * and matches its value.
 *
 * Options:
 * - `version`: `2c` (default; `2` too), `3`, or `1`; numbers accepted.
 * - `community`: the v1/v2c community (`public`).
 * - `oid`: the numeric OID to get (`1.3.6.1.2.1.1.1.0`, sysDescr.0).
 * - `expect` / `expect_regex` / `expect_exact`: matched against the value as text (an OCTET
 *   STRING that is not printable is written in hex, `00 1A 2B`, as snmpget does).
 * - v3: the service's username is the user and its password the authentication key, and also the
 *   privacy key unless `priv_password` is set. `auth_protocol`: `sha` (default), `md5`, `sha224`,
 *   `sha256`, `sha384`, `sha512` or `none` (noAuthNoPriv). `priv_protocol`: `aes` (default),
 *   `des`, `aes256b`, `aes256r` or `none` (authNoPriv).
 *
 * Stages: `connect` (no sign of an agent: a refused port fails at once, silence times out here),
 * `auth` (v3 user or keys refused; in v2c a timeout here means the agent answered a community-free
 * SNMPv3 discovery but not the request: agents ignore a wrong community without a word), `action`
 * (the agent failed the GET, or has no such OID), `match`.
 *
 * SNMP is UDP: the request is sent again every third of the timeout, and the check waits until
 * its timeout for an answer.
 *
 * @example
 * # competition.yaml
 * - { name: snmp, type: snmp, options: { community: "team{num}ro", expect: Linux } }
 */
import { createSocket, type Socket, type SocketType } from 'node:dgram'
import { isIP, isIPv6 } from 'node:net'
import type { Session, User, Varbind } from 'net-snmp'
import { excerpt, expectOptions, failureOf, matchExpected, lazily } from '../../src/check-options.ts'
import { CheckFailure, ServiceType, z, type CheckContext, type Service, type Stage } from '../../src/sdk.ts'
import { loadNetSnmp, type NetSnmp } from '../client-libraries.ts'
import { installDesPrivacy } from './snmp-des.ts'
import { probeAgent } from './snmp-probe.ts'

const SYS_DESCR = '1.3.6.1.2.1.1.1.0'
const VERSIONS = ['1', '2c', '3'] as const
const AUTH_PROTOCOLS = ['sha', 'md5', 'sha224', 'sha256', 'sha384', 'sha512', 'none'] as const
const PRIV_PROTOCOLS = ['aes', 'des', 'aes256b', 'aes256r', 'none'] as const
const ALIASES: Record<string, string> = { '2': '2c', sha1: 'sha', aes128: 'aes' }

/** An enum written in any case, with a `v` prefix for versions and a few common aliases. */
function spelled<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess(
    (v) => {
      if (typeof v !== 'string' && typeof v !== 'number') return v
      const text = String(v)
        .trim()
        .toLowerCase()
        .replace(/^v(?=\d)/, '')
      return ALIASES[text] ?? text
    },
    z.enum(values, { error: `must be one of ${values.join(', ')}` }),
  )
}

export const snmpOptions = lazily(() =>
  z
    .object({
      version: spelled(VERSIONS).default('2c'),
      community: z.string().min(1).optional(),
      oid: z
        .string()
        .trim()
        .regex(/^\.?\d+(\.\d+)+$/, 'must be a numeric OID such as 1.3.6.1.2.1.1.1.0')
        .transform((oid) => oid.replace(/^\./, ''))
        .default(SYS_DESCR),
      ...expectOptions(),
      auth_protocol: spelled(AUTH_PROTOCOLS).default('sha'),
      priv_protocol: spelled(PRIV_PROTOCOLS).default('aes'),
      priv_password: z.string().min(1).optional(),
    })
    .strict()
    .superRefine((options, ctx) => {
      if (options.version === '3' && options.community !== undefined) {
        ctx.addIssue({ code: 'custom', message: 'community is for versions 1 and 2c', path: ['community'] })
      }
      if (options.version !== '3' && options.priv_password !== undefined) {
        ctx.addIssue({ code: 'custom', message: 'priv_password is for version 3', path: ['priv_password'] })
      }
    }),
)

export type SnmpOptions = z.output<ReturnType<typeof snmpOptions>>

export class SnmpCheck extends ServiceType<SnmpOptions> {
  static override shortName = 'snmp'
  static override description = 'GET an OID with a v2c community or a v3 user; the value matched'
  static override defaultPort = 161
  static override options = snmpOptions

  override async doCheck(service: Service<SnmpOptions>, ctx: CheckContext): Promise<void> {
    const { oid } = service.options
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    const snmp = await loadNetSnmp()
    try {
      mark('connect')
      const varbind = await this.get(snmp, service, ctx, () => {
        if (stage === 'connect') mark('auth')
      })
      mark('action')
      const type = typeName(snmp, varbind.type)
      if (snmp.isVarbindError(varbind)) {
        throw new CheckFailure('action', `the agent has no value for OID ${oid} (${type})`)
      }
      const value = valueText(snmp, varbind)
      ctx.debug(`${oid} = ${type}: ${value.slice(0, 2000)}`)
      mark('match')
      matchExpected(value, service.options, `value of ${oid}`)
    } catch (err) {
      this.log(service, `GET ${oid}`, false)
      throw snmpFailure(snmp, err, stage, service)
    }
    this.reportScore(service, service.points, null)
    this.log(service, `GET ${oid}`, true)
  }

  /** The GET, with the probe telling when the agent is known to be there (`alive`). */
  private get(
    snmp: NetSnmp,
    service: Service<SnmpOptions>,
    ctx: CheckContext,
    alive: () => void,
  ): Promise<Varbind> {
    const { host, port, options } = service
    const transport: SocketType = isIPv6(host) ? 'udp6' : 'udp4'
    return new Promise<Varbind>((resolve, reject) => {
      let socket: Socket | undefined
      const sessionOptions = {
        port,
        transport,
        retries: 3,
        // Sent again every third of the timeout; the check's own timeout ends the wait.
        timeout: Math.max(100, Math.floor(ctx.timeoutMs / 3)),
        dgramModule: { createSocket: (type: SocketType) => (socket = createSocket(type)) },
      }
      const session: Session =
        options.version === '3'
          ? snmp.createV3Session(host, this.user(snmp, service), sessionOptions)
          : snmp.createSession(host, options.community ?? 'public', {
              ...sessionOptions,
              version: options.version === '1' ? snmp.Version1 : snmp.Version2c,
            })
      const probe = probeAgent(host, port, (outcome) => {
        if (outcome === 'answered') return alive()
        finish(new CheckFailure('connect', `connection refused: no SNMP agent listens on UDP port ${port}`))
      })
      let settled = false
      const finish = (err: Error | null, varbind?: Varbind) => {
        if (settled) return
        settled = true
        ctx.signal.removeEventListener('abort', onAbort)
        probe.close()
        try {
          session.close()
        } catch {
          // already closed
        }
        if (ctx.signal.aborted) reject(ctx.signal.reason as Error)
        else if (err !== null) reject(err)
        else if (varbind === undefined) reject(new Error('the agent answered without the OID asked for'))
        else resolve(varbind)
      }
      const onAbort = () => finish(null)
      ctx.signal.addEventListener('abort', onAbort, { once: true })
      session.on('error', (err: Error) =>
        finish(new CheckFailure('action', `the agent's answer is not valid SNMP: ${err.message}`)),
      )
      if (socket) guardMessages(socket, host, port, (err) => finish(err))
      session.get([options.oid], (err, varbinds) => {
        if (err === null && varbinds?.[0] !== undefined) alive()
        finish(err, varbinds?.[0])
      })
    })
  }

  /** The v3 user: the service's credentials, keys per the security level the options ask for. */
  private user(snmp: NetSnmp, service: Service<SnmpOptions>): User {
    const { auth_protocol: auth, priv_protocol: priv, priv_password: privPassword } = service.options
    if (auth === 'none') {
      const name = service.username ?? this.getCredentials(service).username
      return { name, level: snmp.SecurityLevel.noAuthNoPriv }
    }
    const { username, password } = this.getCredentials(service)
    const authKeys = { authProtocol: snmp.AuthProtocols[auth], authKey: password }
    if (priv === 'none') return { name: username, level: snmp.SecurityLevel.authNoPriv, ...authKeys }
    if (priv === 'des') installDesPrivacy(snmp)
    return {
      name: username,
      level: snmp.SecurityLevel.authPriv,
      ...authKeys,
      privProtocol: snmp.PrivProtocols[priv],
      privKey: privPassword ?? password,
    }
  }
}

/**
 * net-snmp parses an answer in the socket's `message` listener, where a throw on a malformed
 * datagram would crash the worker: the listener is wrapped, and datagrams that do not come from
 * the agent's address and port are dropped before it.
 */
function guardMessages(socket: Socket, host: string, port: number, fail: (err: Error) => void): void {
  const listeners = socket.listeners('message') as ((...args: unknown[]) => void)[]
  socket.removeAllListeners('message')
  socket.on('message', (message: Buffer, from: { address: string; port: number }) => {
    if (from.port !== port || (isIP(host) !== 0 && from.address !== host)) return
    for (const listener of listeners) {
      try {
        listener(message, from)
      } catch (err) {
        fail(new CheckFailure('action', `the agent's answer is not valid SNMP: ${errorText(err)}`))
      }
    }
  })
}

/** A value as text: numbers in decimal, printable strings as they are, other bytes in hex. */
export function valueText(snmp: NetSnmp, varbind: Varbind): string {
  const { value, type } = varbind
  if (Buffer.isBuffer(value)) {
    if (type === snmp.ObjectType.Counter64)
      return value.length === 0 ? '0' : BigInt(`0x${value.toString('hex')}`).toString()
    const text = value.toString('utf8')
    // eslint-disable-next-line no-control-regex
    const printable = !text.includes('\uFFFD') && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)
    if (printable) return text
    return [...value].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint')
    return String(value)
  if (typeof value === 'boolean') return String(value)
  return value === null || value === undefined ? '' : JSON.stringify(value)
}

function typeName(snmp: NetSnmp, type: number): string {
  return snmp.ObjectType[type] ?? `type ${type}`
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** net-snmp's errors in words a blue team understands. */
function snmpFailure(snmp: NetSnmp, err: unknown, stage: Stage, service: Service<SnmpOptions>): CheckFailure {
  if (err instanceof CheckFailure || !(err instanceof Error)) return failureOf(err, stage)
  const user = service.username ?? ''
  if (err instanceof snmp.ResponseInvalidError && err.code === snmp.ResponseInvalidCode.EAuthFailure) {
    const reason = err.message.replace(/\s*\(.*\)$/, '').toLowerCase()
    if (/unknown user name|wrong digest/.test(reason)) {
      const why = reason.startsWith('unknown') ? 'unknown user' : 'wrong password or auth_protocol'
      return new CheckFailure('auth', `login refused for user "${user}" (${why})`, { cause: err })
    }
    return new CheckFailure('auth', `the agent refused user "${user}": ${reason}`, { cause: err })
  }
  if (err instanceof snmp.RequestFailedError) {
    const status = err.message.replace(/:.*$/, '')
    if (/^(NoAccess|AuthorizationError)$/.test(status)) {
      return new CheckFailure('auth', `the agent refused access to ${service.options.oid} (${status})`, {
        cause: err,
      })
    }
    if (status === 'NoSuchName') {
      return new CheckFailure('action', `the agent has no value for OID ${service.options.oid} (NoSuchName)`)
    }
    return new CheckFailure('action', `the agent failed the GET: ${excerpt(err.message, 200)}`, {
      cause: err,
    })
  }
  if (err instanceof snmp.ResponseInvalidError) {
    return new CheckFailure(
      stage === 'connect' ? 'action' : stage,
      `invalid answer from the agent: ${err.message}`,
      {
        cause: err,
      },
    )
  }
  return failureOf(err, stage)
}
