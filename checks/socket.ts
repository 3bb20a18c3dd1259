/**
 * Sockets tied to a check's abort signal, shared by the checks that speak their protocol by hand
 * (tcp, rdp, dns over TCP) and by those whose library takes a socket (http, ssh). A socket made
 * here is destroyed the moment the check times out, whatever it is doing, and never throws an
 * unhandled `error` event whatever the server does.
 */
import { connect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls'
import { CheckFailure } from '../src/sdk.ts'

const ignore = (): void => undefined

/**
 * Plain sockets now carried by a TLS session. On abort only the TLS socket is destroyed, which
 * closes the plain one: destroying the plain socket and then, in the same tick, the TLS socket
 * over it crashes Node 24.21 with a segmentation fault when it happens soon after the handshake
 * (a check timing out, or failing a pinned fingerprint, just then). Close the TLS socket first.
 */
const wrapped = new WeakSet<Socket>()

/** Destroys `socket` when `signal` aborts, for as long as the socket lives. */
function bindToSignal(socket: Socket, signal: AbortSignal): void {
  const onAbort = () => {
    if (!wrapped.has(socket)) socket.destroy()
  }
  signal.addEventListener('abort', onAbort, { once: true })
  socket.once('close', () => signal.removeEventListener('abort', onAbort))
}

/** A TCP connection with Nagle off (a check sends small requests and waits for the answer). */
export function connectTcp(host: string, port: number, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error)
    const socket = connect({ host, port, noDelay: true })
    socket.on('error', ignore)
    bindToSignal(socket, signal)
    const fail = (err: Error) => reject(signal.aborted ? (signal.reason as Error) : err)
    // Once connected, a close is the caller's business: no error is built for it.
    const closed = () => fail(new Error('connection closed while connecting'))
    socket.once('error', fail)
    socket.once('close', closed)
    socket.once('connect', () => {
      socket.off('error', fail)
      socket.off('close', closed)
      resolve(socket)
    })
  })
}

export interface TlsSettings {
  /** Server name for SNI and, when verifying, the certificate (an IP address is checked as such). */
  name: string
  /** Check the certificate chain and name. When off, legacy protocol versions are accepted too. */
  verify: boolean
  /** SHA-256 fingerprint (upper-case hex with colons) the certificate must have, when pinned. */
  fingerprint?: string | undefined
  alpn?: string[]
}

/**
 * The `node:tls` options for `settings`, for client libraries that take TLS options of their own
 * (imapflow, basic-ftp, ldapts, pg, mysql2...): verification as asked, and old protocol versions
 * accepted when not verifying. A pinned fingerprint is NOT enforced by these options (Node only
 * calls `checkServerIdentity` for a chain it trusts): call `checkPinned` on the library's socket.
 */
export function tlsClientOptions(settings: TlsSettings): ConnectionOptions {
  const { name, verify } = settings
  return {
    servername: isIP(name) ? undefined : name,
    rejectUnauthorized: verify,
    // Competition boxes run old systems: when not verifying, talk to them as their clients do.
    ...(verify ? {} : { minVersion: 'TLSv1' as const, ciphers: 'DEFAULT:@SECLEVEL=0' }),
  }
}

/** Fails at stage `tls` when a fingerprint is pinned and the server's certificate has another one. */
export function checkPinned(socket: TLSSocket, fingerprint: string | undefined): void {
  if (fingerprint === undefined) return
  const actual = socket.getPeerCertificate().fingerprint256
  if (actual !== fingerprint) {
    throw new CheckFailure(
      'tls',
      actual
        ? `the server's certificate has fingerprint ${actual}, not the pinned ${fingerprint}`
        : `the server sent no certificate; pinned ${fingerprint}`,
    )
  }
}

/** A TLS session over a connected socket; the handshake is done when it resolves. */
export function startTls(socket: Socket, settings: TlsSettings, signal: AbortSignal): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error)
    wrapped.add(socket)
    const tls = tlsConnect({
      ...tlsClientOptions(settings),
      socket,
      host: settings.name,
      ALPNProtocols: settings.alpn,
    })
    tls.on('error', ignore)
    bindToSignal(tls, signal)
    const fail = (err: Error) => reject(signal.aborted ? (signal.reason as Error) : tlsFailure(err))
    const closed = () => fail(new Error('the server closed the connection'))
    tls.once('error', fail)
    tls.once('close', closed)
    tls.once('secureConnect', () => {
      tls.off('error', fail)
      tls.off('close', closed)
      try {
        checkPinned(tls, settings.fingerprint)
      } catch (err) {
        tls.destroy()
        return reject(err instanceof Error ? err : new Error(String(err)))
      }
      resolve(tls)
    })
  })
}

/**
 * A TLS session over a connected socket, returned before its handshake, for a client library that
 * takes the TLS socket at once (imapflow's STARTTLS `transport`): bound to `signal` like the
 * others, the plain socket under it left for it to close. Watch `secureConnect` and call
 * `checkPinned` there; a failed handshake is an `error` event on it.
 */
export function wrapTls(socket: Socket, settings: TlsSettings, signal: AbortSignal): TLSSocket {
  wrapped.add(socket)
  const tls = tlsConnect({
    ...tlsClientOptions(settings),
    socket,
    host: settings.name,
    ALPNProtocols: settings.alpn,
  })
  tls.on('error', ignore)
  bindToSignal(tls, signal)
  return tls
}

/** A failed handshake in words: OpenSSL's reason without its file and line, Node's hints dropped. */
export function tlsFailure(err: Error): CheckFailure {
  if (err instanceof CheckFailure) return err
  const openssl = /:SSL routines:[^:]*:([^:]+):/.exec(err.message)
  let reason = openssl?.[1] ?? err.message.replace(/; if the root CA is installed locally.*$/s, '')
  if (reason === 'wrong version number' || reason === 'packet length too long') {
    reason = `the server does not speak TLS (${reason})`
  }
  return new CheckFailure('tls', `TLS handshake failed: ${reason}`, { cause: err, debug: err.stack })
}

/** What `readUpTo` got: at most `max` bytes, and whether the server closed its side. */
export interface ReadResult {
  data: Buffer
  ended: boolean
}

/**
 * Reads until `enough(data)` says so, `max` bytes have come, or the server closes; never keeps
 * more than `max` bytes. Rejects with the abort reason when the check times out.
 */
export function readUpTo(
  socket: Socket,
  max: number,
  signal: AbortSignal,
  enough: (data: Buffer) => boolean = () => false,
): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0)
    const done = (ended: boolean, err?: Error) => {
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('close', onEnd)
      socket.off('error', onError)
      socket.pause()
      if (signal.aborted) reject(signal.reason as Error)
      else if (err) reject(err)
      else resolve({ data, ended })
    }
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk.subarray(0, max - data.length)])
      if (data.length >= max || enough(data)) done(false)
    }
    const onEnd = () => done(true)
    const onError = (err: Error) => done(true, err)
    if (socket.destroyed || socket.readableEnded) return done(true)
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.once('close', onEnd)
    socket.once('error', onError)
    socket.resume()
  })
}
