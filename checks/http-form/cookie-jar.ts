/**
 * The cookies of one login, as a browser keeps them for a single site: set by `Set-Cookie`,
 * removed when expired, sent back with every request. Domain and path are not looked at (every
 * request goes to the same server). Bounded: a hostile server cannot make it grow.
 */

const MAX_COOKIES = 50
const MAX_COOKIE_BYTES = 4096

export class CookieJar {
  private readonly cookies = new Map<string, string>()

  /** Takes the `Set-Cookie` headers of a response, as undici gives them. */
  take(header: string | string[] | undefined): void {
    if (header === undefined) return
    for (const line of Array.isArray(header) ? header : [header]) this.takeOne(line)
  }

  /** The `Cookie` header to send, or undefined when there is none. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  get size(): number {
    return this.cookies.size
  }

  private takeOne(line: string): void {
    if (line.length > MAX_COOKIE_BYTES) return
    const [pair = '', ...attributes] = line.split(';')
    const eq = pair.indexOf('=')
    if (eq <= 0) return
    const name = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    if (name === '' || /[\s,;]/.test(name)) return
    if (expired(attributes)) {
      this.cookies.delete(name)
      return
    }
    if (!this.cookies.has(name) && this.cookies.size >= MAX_COOKIES) return
    this.cookies.set(name, value)
  }
}

function expired(attributes: string[]): boolean {
  for (const attribute of attributes) {
    const [key = '', ...rest] = attribute.split('=')
    const value = rest.join('=').trim()
    if (/^\s*max-age\s*$/i.test(key) && /^-?\d+$/.test(value)) return Number(value) <= 0
    if (/^\s*expires\s*$/i.test(key)) {
      const when = Date.parse(value)
      if (!Number.isNaN(when) && when <= Date.now()) return true
    }
  }
  return false
}
