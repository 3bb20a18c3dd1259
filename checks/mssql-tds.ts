/**
 * What the `mssql` check adds around tedious at the TDS level: a watch on the PRELOGIN answer
 * (the end of stage `connect`, a server that is not SQL Server, a server that will not encrypt
 * when encryption was asked for), an `error` listener on tedious's token parsers, and the TDS 8
 * hook that leaves the TLS handshake to the check.
 */
import type { Socket } from 'node:net'
import type { Readable } from 'node:stream'
import type { Connection } from 'tedious'
import { excerpt } from '../src/check-options.ts'
import { CheckFailure } from '../src/sdk.ts'
import { malformedReply, type SqlSession } from './sql-query.ts'

/** A TDS packet header, and the largest PRELOGIN answer worth waiting for. */
const TDS_HEADER_BYTES = 8
const MAX_PRELOGIN_BYTES = 4096
const TDS_REPLY = 0x04
const PRELOGIN_ENCRYPTION = 0x01
const ENCRYPT_ON = 0x01
const ENCRYPT_REQUIRED = 0x03

/** The parts of tedious's connection that its typings mark private. */
interface TediousInternals {
  createTokenStreamParser(...args: unknown[]): { parser: Readable }
  wrapWithTls(socket: Socket): Promise<Socket>
}

/**
 * tedious parses each reply with a stream that has no `error` listener: a malformed token (an
 * unknown type, a length past the end) would be an uncaught exception that takes the worker down.
 * This gives every such stream one, which fails the check and drops the connection.
 */
export function guardTokenParser(
  connection: Connection,
  session: SqlSession,
  socket: () => Socket | undefined,
): void {
  const factory = connection as unknown as TediousInternals
  const create = factory.createTokenStreamParser.bind(connection)
  factory.createTokenStreamParser = (...args) => {
    const tokens = create(...args)
    tokens.parser.on('error', (err: Error) => {
      session.fail(malformedReply(session.stage, err), socket() ?? { destroy: () => connection.close() })
    })
    return tokens
  }
}

/**
 * Ends stage `connect` once the server's first packet, its PRELOGIN answer, has come; fails at
 * once when it is not one, and, when encryption was asked for (`starttls`), when the server does
 * not agree to it: tedious would then log in without TLS, password included.
 */
export function watchPrelogin(
  socket: Socket,
  session: SqlSession,
  next: 'tls' | 'auth',
  needTls: boolean,
): void {
  let packet = Buffer.alloc(0)
  const onData = (chunk: Buffer) => {
    packet = Buffer.concat([packet, chunk]).subarray(0, MAX_PRELOGIN_BYTES)
    if (packet.length < TDS_HEADER_BYTES) return
    const length = packet.readUInt16BE(2)
    if (packet[0] !== TDS_REPLY || length < TDS_HEADER_BYTES || length > MAX_PRELOGIN_BYTES) {
      socket.off('data', onData)
      const said = excerpt(chunk.subarray(0, 40).toString('latin1'), 40)
      return session.fail(
        new CheckFailure('connect', `the server did not answer as SQL Server: ${said}`),
        socket,
      )
    }
    if (packet.length < length) return
    socket.off('data', onData)
    const encryption = needTls ? preloginEncryption(packet.subarray(TDS_HEADER_BYTES, length)) : undefined
    if (needTls && encryption !== ENCRYPT_ON && encryption !== ENCRYPT_REQUIRED) {
      return session.fail(
        new CheckFailure(
          'tls',
          'the server does not offer encryption (set tls: none, or give it a certificate)',
        ),
        socket,
      )
    }
    session.mark(next)
  }
  // Ahead of the library's parser, which may choke on what this rejects.
  socket.prependListener('data', onData)
}

/** The ENCRYPTION option of a PRELOGIN answer (MS-TDS 2.2.6.5), when it has one. */
function preloginEncryption(payload: Buffer): number | undefined {
  for (let i = 0; i + 5 <= payload.length && payload[i] !== 0xff; i += 5) {
    if (payload[i] === PRELOGIN_ENCRYPTION) return payload[payload.readUInt16BE(i + 1)]
  }
  return undefined
}

/**
 * TDS 8 (strict encryption): the check's connector has done the TLS handshake itself (tedious's
 * own would always verify the certificate, which competition boxes' self-signed ones fail), so
 * tedious must not wrap the socket again.
 */
export function skipTediousTls(connection: Connection): void {
  ;(connection as unknown as TediousInternals).wrapWithTls = (socket) => Promise.resolve(socket)
}
