/**
 * `http` and `https`: GET the service's `url` (default `/`) over a fresh connection, check the
 * status, then the content: `http_string` must appear and `http_regex` must match (each when set)
 * in the body, of which at most `max_body` bytes are read.
 *
 * Options:
 * - `status`: the expected status, or a list of them (200).
 * - `vhost`: the Host header (and TLS server name); the service's host otherwise.
 * - `basic_auth`: send the service's credentials with basic authentication (false); a 401 or 403
 *   then fails stage `auth`.
 * - `max_body`: bytes of the body read at most (1 MiB); the rest is not downloaded and the content
 *   is matched against what was read.
 * - `tls_verify` (https): check the certificate (false: competition boxes are self-signed).
 * - `tls_fingerprint` (https): the certificate's SHA-256 fingerprint must be this one (pinning).
 *
 * Stages: `connect`, `tls` (https), `auth` (basic auth refused), `action` (the request and the
 * status), `match` (the content). Redirects are not followed: a 301 fails the status unless listed.
 *
 * @example
 * # competition.yaml
 * - { name: www, type: http, url: /index.html, http_string: Welcome, options: { vhost: www.team1.local } }
 */
import { isIP, type Socket } from 'node:net'
import type { Client } from 'undici'
import {
  failureOf,
  flag,
  integer,
  listOf,
  matchExpected,
  tlsCertificateOptions,
  lazily,
} from '../src/check-options.ts'
import { CheckFailure, ServiceType, z, type CheckContext, type Service, type Stage } from '../src/sdk.ts'
import { loadUndici } from './client-libraries.ts'
import { connectTcp, startTls, type TlsSettings } from './socket.ts'

export const DEFAULT_MAX_BODY = 1024 * 1024
export const USER_AGENT = 'scanner (cyber defense competition service check)'

export const httpOptions = lazily(() =>
  z
    .object({
      status: listOf(integer(100, 599)).default([200]),
      vhost: z.string().min(1).optional(),
      basic_auth: flag().default(false),
      max_body: integer(1, 256 * 1024 * 1024).default(DEFAULT_MAX_BODY),
      ...tlsCertificateOptions(),
    })
    .strict(),
)

export type HttpOptions = z.output<ReturnType<typeof httpOptions>>

/** A GET of one page, as a browser would do it, over plain HTTP. */
export class HttpCheck extends ServiceType<HttpOptions> {
  static override shortName = 'http'
  static override description = 'GET a page; status, then http_string / http_regex in the body'
  static override defaultPort = 80
  static override options = httpOptions

  /** Whether this type speaks TLS from the first byte. */
  protected readonly secure: boolean = false

  override async doCheck(service: Service<HttpOptions>, ctx: CheckContext): Promise<void> {
    const path = requestPath(service.url)
    try {
      await this.get(service, path, ctx)
    } catch (err) {
      this.log(service, `GET ${path}`, false)
      throw failureOf(err, 'connect')
    }
    this.reportScore(service, service.points, null)
    this.log(service, `GET ${path}`, true)
  }

  private async get(service: Service<HttpOptions>, path: string, ctx: CheckContext): Promise<void> {
    const { options } = service
    let stage: Stage = 'connect'
    const mark = (next: Stage) => ctx.stage((stage = next))
    mark('connect')
    const headers = this.headers(service)
    const name = serverName(options.vhost ?? service.host)
    const target = {
      host: service.host,
      port: service.port,
      secure: this.secure,
      tls: { name, verify: options.tls_verify, fingerprint: options.tls_fingerprint },
    }
    const client = await httpClient(target, ctx.signal, {
      tls: () => mark('tls'),
      connected: () => mark('action'),
    })
    try {
      const res = await client.request({ path, method: 'GET', headers, signal: ctx.signal })
      ctx.debug(`HTTP ${res.statusCode} for GET ${path}`)
      if (options.basic_auth && (res.statusCode === 401 || res.statusCode === 403)) {
        throw new CheckFailure('auth', `login refused: HTTP ${res.statusCode} for GET ${path}`)
      }
      if (!options.status.includes(res.statusCode)) {
        throw new CheckFailure(
          'action',
          `HTTP ${res.statusCode} for GET ${path}, expected ${options.status.join(' or ')}`,
        )
      }
      const { body, truncated } = await readCapped(res.body, options.max_body)
      ctx.debug(`read ${body.length} bytes of body${truncated ? ' (cut at max_body)' : ''}`)
      mark('match')
      const expectations = {
        expect: service.httpString === null || service.httpString === '' ? undefined : [service.httpString],
        expect_regex: service.httpRegex === null || service.httpRegex === '' ? undefined : service.httpRegex,
      }
      matchExpected(
        body.toString('utf8'),
        expectations,
        truncated ? `page (first ${options.max_body} bytes)` : 'page',
      )
    } catch (err) {
      throw httpFailure(err, stage)
    } finally {
      await client.destroy().catch(() => undefined)
    }
  }

  private headers(service: Service<HttpOptions>): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: '*/*' }
    if (service.options.vhost !== undefined) headers.host = service.options.vhost
    if (service.options.basic_auth) {
      const { username, password } = this.getCredentials(service)
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
    }
    return headers
  }
}

/** The same over TLS. */
export class HttpsCheck extends HttpCheck {
  static override shortName = 'https'
  static override description = 'GET a page over TLS; status, then http_string / http_regex in the body'
  static override defaultPort = 443
  protected override readonly secure: boolean = true
}

/** Where an `httpClient` connects: the service's address, and TLS settings when `secure`. */
export interface HttpTarget {
  host: string
  port: number
  secure: boolean
  tls: TlsSettings
}

/** Called by the connector of an `httpClient`: before a TLS handshake, and once connected. */
export interface ConnectHooks {
  tls(): void
  connected(): void
}

/**
 * An undici client for one origin whose connections are made with `connectTcp` and `startTls`:
 * undici's own connector cannot be cancelled while connecting, and this one reports its stages
 * through `hooks` (on every connection the client opens).
 */
export async function httpClient(
  target: HttpTarget,
  signal: AbortSignal,
  hooks: ConnectHooks,
): Promise<Client> {
  const undici = await loadUndici()
  return new undici.Client(origin(target.secure, target.host, target.port), {
    connect: (_opts, callback) => {
      const open = async (): Promise<Socket> => {
        const socket = await connectTcp(target.host, target.port, signal)
        if (!target.secure) return socket
        hooks.tls()
        return startTls(socket, { ...target.tls, alpn: ['http/1.1'] }, signal)
      }
      open().then(
        (socket) => {
          hooks.connected()
          callback(null, socket)
        },
        (err: Error) => callback(err, null),
      )
    },
    headersTimeout: 0,
    bodyTimeout: 0,
  })
}

/** The path to request: the service's `url`, `/` when empty; a full URL gives its path. */
export function requestPath(url: string): string {
  const trimmed = url.trim()
  if (trimmed === '') return '/'
  if (/^https?:\/\//i.test(trimmed)) {
    const parsed = new URL(trimmed)
    return `${parsed.pathname}${parsed.search}`
  }
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`
}

/** undici's errors in words a blue team understands. */
export function httpFailure(err: unknown, stage: Stage): CheckFailure {
  if (err instanceof CheckFailure || !(err instanceof Error)) return failureOf(err, stage)
  const code = (err as { code?: unknown }).code
  if (code === 'UND_ERR_SOCKET') {
    return new CheckFailure(stage, `the server closed the connection (${err.message})`, {
      cause: err,
      debug: err.stack,
    })
  }
  if (err.name === 'HTTPParserError' || code === 'UND_ERR_HEADERS_OVERFLOW') {
    return new CheckFailure(stage, `the answer is not valid HTTP: ${err.message}`, {
      cause: err,
      debug: err.stack,
    })
  }
  return failureOf(err, stage)
}

/** The TLS server name of a host or Host header: without its port or IPv6 brackets. */
export function serverName(host: string): string {
  if (isIP(host)) return host
  const bracketed = /^\[(.+)\](?::\d+)?$/.exec(host)
  if (bracketed?.[1]) return bracketed[1]
  return host.replace(/:\d+$/, '')
}

function origin(secure: boolean, host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host
  return `${secure ? 'https' : 'http'}://${h}:${port}`
}

/** Reads at most `max` bytes of a body; past that it stops, and undici drops the connection. */
export async function readCapped(
  body: AsyncIterable<Buffer>,
  max: number,
): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    if (chunk.length > max - size) {
      chunks.push(chunk.subarray(0, max - size))
      return { body: Buffer.concat(chunks), truncated: true }
    }
    chunks.push(chunk)
    size += chunk.length
  }
  return { body: Buffer.concat(chunks), truncated: false }
}
