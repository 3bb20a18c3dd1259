import { STAGES, type Stage } from '../errors.ts'

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
])

/** The stage an error from a client library belongs to, or undefined when it does not tell. */
export function stageOfError(err: unknown): Stage | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const e = err as { code?: unknown; stage?: unknown; cause?: unknown; level?: unknown }
  if (typeof e.stage === 'string' && (STAGES as readonly string[]).includes(e.stage)) return e.stage as Stage
  if (typeof e.code === 'string') {
    if (CONNECT_CODES.has(e.code)) return 'connect'
    if (e.code.startsWith('ERR_TLS') || e.code.startsWith('ERR_SSL') || e.code.includes('CERT')) return 'tls'
  }
  if (e.level === 'client-authentication') return 'auth'
  if (e.cause !== undefined && e.cause !== err) return stageOfError(e.cause)
  return undefined
}

/** A message a blue team understands for an error from a client library. */
export function messageOfError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return messageOfError(err.errors[0])
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    const text = err.message || err.name
    if (
      typeof code === 'string' &&
      /^(E(?!RR_)[A-Z0-9_]+|UND_ERR_[A-Z_]+)$/.test(code) &&
      !text.includes(code)
    )
      return `${text} (${code})`
    return text
  }
  return String(err)
}
