/**
 * The browser side of the `http-form` check: requests to one site with its cookies kept and sent
 * back, redirects followed (at most 5, on the same server), every page read up to 1 MiB.
 */
import type { Client } from 'undici'
import { excerpt } from '../../src/check-options.ts'
import { CheckFailure, type CheckContext } from '../../src/sdk.ts'
import { DEFAULT_MAX_BODY, USER_AGENT, readCapped } from '../http.ts'
import { CookieJar } from './cookie-jar.ts'

export const MAX_REDIRECTS = 5

/** A page as the check read it. */
export interface Page {
  status: number
  /** The path it was read from, after redirects. */
  path: string
  body: string
  truncated: boolean
}

/** Where the client talks: the scheme, the Host header and the port. */
export interface Site {
  secure: boolean
  host: string
  port: number
  vhost: string | undefined
}

/**
 * Requests as a browser makes them on one site: cookies kept and sent, redirects followed (at
 * most 5, on the same server), every page read up to 1 MiB.
 */
export class Browser {
  private readonly jar = new CookieJar()
  private readonly client: Client
  private readonly site: Site
  private readonly ctx: CheckContext

  constructor(client: Client, site: Site, ctx: CheckContext) {
    this.client = client
    this.site = site
    this.ctx = ctx
  }

  /** The site's origin as a browser writes it (`Origin` header, base of relative URLs). */
  get origin(): string {
    const { secure, host, port } = this.site
    const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
    const defaultPort = secure ? 443 : 80
    const withPort = this.site.vhost !== undefined || port === defaultPort ? name : `${name}:${port}`
    return `${secure ? 'https' : 'http'}://${withPort}`
  }

  /** The path of `url` (resolved against the page at `from`); it must stay on this server. */
  sameServer(url: string, from: string): string {
    let resolved: URL
    try {
      resolved = new URL(url, `${this.origin}${from}`)
    } catch {
      throw new Error(`cannot follow the address ${excerpt(url, 100)}`)
    }
    const ours = new URL(this.origin)
    const scheme = resolved.protocol
    const port = Number(resolved.port || (scheme === 'https:' ? 443 : 80))
    const ourPort =
      this.site.vhost === undefined ? this.site.port : Number(ours.port || (this.site.secure ? 443 : 80))
    if (scheme !== ours.protocol || (port !== ourPort && port !== this.site.port)) {
      throw new Error(
        `the site sends the browser to ${excerpt(resolved.href, 100)}, another server than ${this.origin} (set tls, port or login_url)`,
      )
    }
    return `${resolved.pathname}${resolved.search}`
  }

  /** A request and the redirects that follow it; 307 and 308 repeat a POST, others become GETs. */
  async fetch(method: 'GET' | 'POST', path: string, body?: string, referer?: string): Promise<Page> {
    let request = { method, path, body, referer }
    for (let hop = 0; ; hop++) {
      const response = await this.client.request({
        path: request.path,
        method: request.method,
        headers: this.headers(request.method, request.referer),
        body: request.body,
        signal: this.ctx.signal,
      })
      this.jar.take(response.headers['set-cookie'])
      const location = response.headers.location
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
        await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined)
        this.ctx.debug(`HTTP ${response.statusCode} for ${request.method} ${request.path} -> ${location}`)
        if (hop >= MAX_REDIRECTS) {
          throw new CheckFailure(
            'action',
            `more than ${MAX_REDIRECTS} redirects (the last to ${excerpt(location, 100)})`,
          )
        }
        const next = this.sameServer(location, request.path)
        const keep = response.statusCode === 307 || response.statusCode === 308
        request = keep
          ? { ...request, path: next, referer: request.path }
          : { method: 'GET', path: next, body: undefined, referer: request.path }
        continue
      }
      const read = await readCapped(response.body, DEFAULT_MAX_BODY)
      return {
        status: response.statusCode,
        path: request.path,
        body: read.body.toString('utf8'),
        truncated: read.truncated,
      }
    }
  }

  private headers(method: string, referer: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      'user-agent': USER_AGENT,
      accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
    }
    if (this.site.vhost !== undefined) headers.host = this.site.vhost
    const cookie = this.jar.header()
    if (cookie !== undefined) headers.cookie = cookie
    if (referer !== undefined) headers.referer = `${this.origin}${referer}`
    if (method === 'POST') {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      headers.origin = this.origin
    }
    return headers
  }
}
