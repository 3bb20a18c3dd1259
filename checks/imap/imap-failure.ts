/** imapflow's errors in words a blue team understands. */
import { excerpt, failureOf } from '../../src/check-options.ts'
import { CheckFailure, type Stage } from '../../src/sdk.ts'
import { tlsFailure } from '../socket.ts'
import { MAX_LINE_BYTES, MAX_REPLY_BYTES } from './imap-client.ts'

/** The fields imapflow puts on its errors. */
interface ImapError extends Error {
  code?: string
  authenticationFailed?: boolean
  tlsFailed?: boolean
  responseStatus?: string
  responseText?: string
  serverResponseCode?: string
  reason?: string
}

/** The server's NO or BAD as a team reads it: `NO [NONEXISTENT] Mailbox doesn't exist: Foo`. */
function serverSaid(err: ImapError): string {
  if (err.responseStatus === undefined) return ''
  const code =
    err.serverResponseCode && !err.responseText?.includes('[') ? ` [${err.serverResponseCode}]` : ''
  const text = err.responseText ? ` ${err.responseText}` : ''
  const said = `${err.responseStatus}${code}${text}`
  return `: ${said.length > 200 ? `${said.slice(0, 200)}…` : said}`
}

const TOO_LARGE: Record<string, string> = {
  LineTooLarge: `the server sent a line longer than ${MAX_LINE_BYTES / 1024} KiB`,
  ResponseTooLarge: `the server sent a reply larger than ${MAX_REPLY_BYTES / 1024 / 1024} MiB`,
  LiteralTooLarge: `the server sent a reply larger than ${MAX_REPLY_BYTES / 1024 / 1024} MiB`,
  TooManyTokens: 'the server sent a reply of too many parts',
  TooManyResponses: 'the server sent too many replies to one command',
}

/** An error of imapflow as a failure of the stage the check was in (or the one it belongs to). */
export function imapFailure(err: unknown, stage: Stage, username: string, mailbox: string): CheckFailure {
  if (err instanceof CheckFailure || !(err instanceof Error)) return failureOf(err, stage)
  const e = err as ImapError
  const fail = (at: Stage, message: string) => new CheckFailure(at, message, { cause: err, debug: err.stack })
  if (e.message === 'Login is disabled') {
    return fail('auth', 'the server does not allow a login on this connection (LOGINDISABLED)')
  }
  if (e.authenticationFailed) return fail('auth', `login refused for user "${username}"${serverSaid(e)}`)
  if (e.code !== undefined && e.code in TOO_LARGE) return fail(stage, TOO_LARGE[e.code]!)
  if (e.code?.startsWith('ParserError') || e.code === 'InvalidResponse' || e.code === 'UnexpectedTag') {
    return fail(stage, `the server's reply is not IMAP (${e.message})`)
  }
  if (e.tlsFailed) {
    if (/does not support STARTTLS/.test(e.message)) return fail('tls', 'the server does not offer STARTTLS')
    if (e.code === 'UPGRADE_TIMEOUT') return fail('tls', 'the TLS handshake did not finish within 10 s')
    if (e.code === 'NoConnection') return fail('tls', 'the server closed the connection during STARTTLS')
    return tlsFailure(err)
  }
  if (stage === 'action' && e.responseStatus !== undefined) {
    return fail('action', `mailbox "${mailbox}" cannot be selected${serverSaid(e)}`)
  }
  if (
    e.code === 'NoConnection' ||
    e.code === 'EConnectionClosed' ||
    e.code === 'ClosedAfterConnectText' ||
    e.code === 'ClosedAfterConnectTLS'
  ) {
    return fail(stage, `the server closed the connection${e.reason ? `: ${excerpt(e.reason, 200)}` : ''}`)
  }
  if (e.responseStatus !== undefined) return fail(stage, `the server refused a command${serverSaid(e)}`)
  return failureOf(err, stage)
}
