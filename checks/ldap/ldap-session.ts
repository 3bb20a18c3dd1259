/**
 * What the `ldap` check needs around ldapts: StartTLS done by hand (so the shared `startTls` does
 * the handshake and the pinning), a watch on what the server sends (ldapts buffers a message
 * whatever its declared length and keeps every search entry), and its errors in plain words.
 */
import type { Socket } from 'node:net'
import type { Client, ExtendedResponse, MessageParser, ResultCodeError, SearchEntry } from 'ldapts'
import { excerpt, failureOf } from '../../src/check-options.ts'
import { CheckFailure, type Stage } from '../../src/sdk.ts'
import type { Ldapts } from '../client-libraries.ts'
import { readUpTo } from '../socket.ts'

export const MAX_LDAP_ENTRIES = 100
export const MAX_LDAP_BYTES = 1024 * 1024
const STARTTLS_OID = '1.3.6.1.4.1.1466.20037'
const MAX_STARTTLS_ANSWER = 4096
const SIZE_LIMIT_EXCEEDED = 4

/**
 * Sends the StartTLS extended operation on a fresh connection and waits for the server's yes;
 * the TLS handshake is then the caller's. Fails at stage `tls` when the server says no.
 */
export async function requestStartTls(ldapts: Ldapts, socket: Socket, signal: AbortSignal): Promise<void> {
  const request = new ldapts.ExtendedRequest({ messageId: 1, oid: STARTTLS_OID })
  socket.write(request.write())
  let response: ExtendedResponse | undefined
  const parse = (data: Buffer): boolean => {
    const parser = new ldapts.MessageParser()
    parser.on('error', () => undefined)
    parser.on('message', (message: unknown) => {
      if (message instanceof ldapts.ExtendedResponse) response = message
    })
    parser.read(data, new Map([['1', { message: request }]]))
    return response !== undefined
  }
  const { data, ended } = await readUpTo(socket, MAX_STARTTLS_ANSWER, signal, parse)
  if (response === undefined) {
    throw new CheckFailure(
      'tls',
      ended && data.length === 0
        ? 'the server closed the connection instead of answering STARTTLS'
        : `the server's answer to STARTTLS is not LDAP: ${excerpt(data.toString('latin1'), 60)}`,
    )
  }
  if (response.status !== 0) {
    const said = response.errorMessage ? `: ${excerpt(response.errorMessage, 200)}` : ''
    throw new CheckFailure('tls', `the server refused STARTTLS (result code ${response.status})${said}`)
  }
}

/** Why a search returned fewer entries than there are: our caps, or a size limit the server applied. */
export type Cut = 'entries' | 'bytes' | 'size limit'

/**
 * Watches what the server sends to an ldapts client: counts the bytes, collects search entries
 * (as LDIF, at most 100) as they are parsed, and closes the connection at a cap or when the
 * answer is not LDAP. ldapts has no abort of its own: the check's signal destroys the socket,
 * which fails the pending operation; `guard` turns that into the abort reason.
 */
export class SessionWatch {
  readonly entries: string[] = []
  cut: Cut | undefined
  private notLdap: Error | undefined
  private bytes = 0
  private readonly socket: Socket
  private readonly signal: AbortSignal
  private parser: MessageParser | undefined
  private readonly ldapts: Ldapts

  constructor(ldapts: Ldapts, socket: Socket, signal: AbortSignal) {
    this.ldapts = ldapts
    this.socket = socket
    this.signal = signal
  }

  /** Starts watching; call it in the same tick as the client's first operation (no data is missed). */
  attach(client: Client): void {
    this.socket.on('data', this.onData)
    // ldapts keeps its parser private; it is the only place search entries can be seen one by one.
    const parser: unknown = (client as unknown as { messageParser: unknown }).messageParser
    if (!(parser instanceof this.ldapts.MessageParser))
      throw new Error('ldapts has no message parser where expected')
    this.parser = parser
    parser.on('message', this.onMessage)
    parser.on('error', this.onError)
  }

  detach(): void {
    this.socket.off('data', this.onData)
    this.parser?.off('message', this.onMessage)
    this.parser?.off('error', this.onError)
  }

  /** Waits for `operation`; once the check has timed out, or the watch cut the session, says why. */
  async guard<T>(operation: Promise<T>): Promise<T> {
    try {
      return await operation
    } catch (err) {
      if (this.signal.aborted) throw this.signal.reason as Error
      if (this.notLdap !== undefined) {
        throw new LdapStreamError(`the server's answer is not LDAP (${this.notLdap.message})`, {
          cause: this.notLdap,
        })
      }
      if (this.cut === 'bytes' && this.entries.length === 0) {
        throw new LdapStreamError(
          `the server sent more than ${MAX_LDAP_BYTES / 1024} KiB without finishing its answer`,
          { cause: err },
        )
      }
      throw err
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    this.bytes += chunk.length
    if (this.bytes > MAX_LDAP_BYTES) this.stop('bytes')
  }

  private readonly onMessage = (message: unknown): void => {
    const { ldapts } = this
    if (message instanceof ldapts.SearchResponse && message.status === SIZE_LIMIT_EXCEEDED) {
      this.cut ??= 'size limit'
    }
    if (!(message instanceof ldapts.SearchEntry) || this.cut !== undefined) return
    if (this.entries.length >= MAX_LDAP_ENTRIES) return this.stop('entries')
    this.entries.push(ldif(message))
  }

  private readonly onError = (err: Error): void => {
    this.notLdap ??= err
    this.socket.destroy()
  }

  private stop(why: Cut): void {
    this.cut ??= why
    this.socket.destroy()
  }
}

/** The server's stream cannot be read as LDAP within the caps. */
class LdapStreamError extends Error {}

/** An entry as LDIF: `dn:` then one `attribute: value` line per value (`::` and base64 for binary). */
function ldif(entry: SearchEntry): string {
  const lines = [`dn: ${entry.name}`]
  for (const attribute of entry.attributes) {
    for (const value of attribute.values) {
      lines.push(
        typeof value === 'string'
          ? `${attribute.type}: ${value}`
          : `${attribute.type}:: ${value.toString('base64')}`,
      )
    }
  }
  return lines.join('\n')
}

/** ldapts's errors in words a blue team understands. */
export function ldapFailure(
  ldapts: Ldapts,
  err: unknown,
  stage: Stage,
  bindName: string | undefined,
  baseDn: string | undefined,
): CheckFailure {
  if (err instanceof CheckFailure || !(err instanceof Error)) return failureOf(err, stage)
  if (err instanceof LdapStreamError) return new CheckFailure(stage, err.message, { cause: err.cause })
  if (/^Connection closed before message response/.test(err.message)) {
    return new CheckFailure(stage, 'the server closed the connection', { cause: err, debug: err.message })
  }
  if (err instanceof ldapts.InvalidCredentialsError) {
    return new CheckFailure('auth', `login refused for "${bindName ?? ''}"`, { cause: err })
  }
  if (err instanceof ldapts.NoSuchObjectError && stage === 'action') {
    return new CheckFailure('action', `the base DN ${JSON.stringify(baseDn ?? '')} does not exist`, {
      cause: err,
    })
  }
  if (err instanceof ldapts.ResultCodeError) {
    const what = stage === 'auth' ? `bind as "${bindName ?? ''}" failed` : 'the search failed'
    return new CheckFailure(stage, `${what}: ${resultText(err)}`, { cause: err })
  }
  return failureOf(err, stage)
}

/** A result code error's message, bounded, without the `Code: 0x31` ldapts appends. */
function resultText(err: ResultCodeError): string {
  const text = err.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '')
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}
