/**
 * How the imap check connects imapflow: its settings (its own timers out of the way of the
 * check's, reply limits low, compression and the extras a check does not need off) and a
 * `transport` that hands it the socket the check opened, paced and capped, and does the STARTTLS
 * handshake with the scanner's TLS settings and pinning.
 */
import type { Socket } from 'node:net'
import type { ImapFlowOptions, ImapTransport } from 'imapflow'
import { CheckFailure, type Service, type Stage } from '../../src/sdk.ts'
import { PacedSocket } from '../paced-socket.ts'
import { checkPinned, wrapTls, type TlsSettings } from '../socket.ts'

/** The longest reply line read. */
export const MAX_LINE_BYTES = 64 * 1024
/** The largest reply read (a literal at most half of it). */
export const MAX_REPLY_BYTES = 1024 * 1024
/** The most a server may send in one check: far more than a login, a SELECT and 50 envelopes. */
export const MAX_SESSION_BYTES = 4 * 1024 * 1024

/** imapflow's settings: its timers out of the way of the check's, its limits low, its extras off. */
export function clientOptions(service: Service<{ tls: string }>, timeoutMs: number): ImapFlowOptions {
  const late = timeoutMs + 60_000
  return {
    host: service.host,
    port: service.port,
    secure: service.options.tls === 'implicit',
    doSTARTTLS: service.options.tls === 'starttls',
    logger: false,
    clientInfo: { name: 'scanner' },
    disableAutoIdle: true,
    disableCompression: true,
    disableAutoEnable: true,
    connectionTimeout: late,
    greetingTimeout: late,
    socketTimeout: late,
    maxLineLength: MAX_LINE_BYTES,
    maxLiteralSize: MAX_REPLY_BYTES / 2,
    maxResponseSize: MAX_REPLY_BYTES,
    maxResponseTokens: 50_000,
  }
}

export interface Marks {
  /** The server sent its first line (the greeting). */
  greeted(): void
  /** STARTTLS is about to be sent. */
  upgrading(): void
  /** The STARTTLS handshake is done. */
  secured(): void
}

/**
 * Hands imapflow the socket the check opened (already through TLS for `implicit`), paced and
 * capped, and does the STARTTLS handshake with the scanner's TLS settings; every socket is
 * destroyed on a timeout.
 */
export function transport(
  socket: Socket,
  tls: TlsSettings,
  ctx: { signal: AbortSignal; stage: () => Stage },
  marks: Marks,
): ImapTransport {
  const pace = (raw: Socket, onFirstLine?: () => void) => {
    const paced = new PacedSocket(raw, {
      maxBytes: MAX_SESSION_BYTES,
      tooMuch: () =>
        new CheckFailure(ctx.stage(), `the server sent more than ${MAX_SESSION_BYTES / 1024 / 1024} MiB`),
      onFirstLine,
    })
    paced.on('error', () => undefined)
    return paced
  }
  return {
    connect(_options, onConnect) {
      setImmediate(onConnect)
      return pace(socket, () => marks.greeted())
    },
    prepareUpgrade: () => marks.upgrading(),
    upgrade(plain, _options, onSecure) {
      const raw = plain instanceof PacedSocket ? plain.release() : (plain as Socket)
      const secure = wrapTls(raw, tls, ctx.signal)
      secure.once('secureConnect', () => {
        try {
          checkPinned(secure, tls.fingerprint)
        } catch (err) {
          secure.destroy(err as Error)
          return
        }
        marks.secured()
        onSecure()
      })
      return pace(secure)
    },
  }
}
