import { UsageError } from '../errors.ts'

/** `HOST:PORT`, `[IPv6]:PORT`, or a port alone (on 127.0.0.1). */
export function parseListen(text: string): { host: string; port: number } {
  const trimmed = text.trim()
  const match = /^\d+$/.test(trimmed)
    ? ['', '127.0.0.1', trimmed]
    : (/^\[([^\]]+)\]:(\d+)$/.exec(trimmed) ?? /^([^:[\]]+):(\d+)$/.exec(trimmed))
  const port = Number(match?.[2])
  if (!match || !(port >= 0 && port <= 65535))
    throw new UsageError(`--listen must be HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), got "${text}"`)
  return { host: match[1]!, port }
}
