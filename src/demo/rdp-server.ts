/**
 * A demo RDP endpoint: enough of a Remote Desktop server for the `rdp` check. It answers an X.224
 * Connection Request with a Connection Confirm selecting TLS, CredSSP (NLA) or standard RDP
 * security, or refusing, then does the TLS handshake (the demo certificate) and waits: no session
 * follows.
 */
import { createServer, type Socket } from 'node:net'
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls'
import {
  DEFAULT_HOST,
  SocketSet,
  closeServer,
  listen,
  type ListenOptions,
  type RunningServer,
} from './running-server.ts'
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from './tls-cert.ts'

/** What the server selects; a number refuses the request with that RDP_NEG_FAILURE code. */
export type RdpSelection = 'tls' | 'credssp' | 'rdp' | number

export interface RdpServerOptions extends ListenOptions {
  /** `tls` unless set. */
  select?: RdpSelection
}

const SSL = 1
const HYBRID = 2
const NEG_RESPONSE = 0x02
const NEG_FAILURE = 0x03
const SSL_REQUIRED = 1
const HYBRID_REQUIRED = 5
const MAX_REQUEST_BYTES = 1024

export async function startRdpServer(options: RdpServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST
  const select = options.select ?? 'tls'
  const context = createSecureContext({ key: DEMO_TLS_KEY, cert: DEMO_TLS_CERT })
  const sockets = new SocketSet()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => socket.destroy())
    let request = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      request = Buffer.concat([request, chunk])
      if (request.length < 4) return
      const length = request.readUInt16BE(2)
      if (request[0] !== 3 || length < 11 || length > MAX_REQUEST_BYTES) return socket.destroy()
      if (request.length < length) return
      socket.off('data', onData)
      socket.pause()
      confirm(socket, request.subarray(0, length), select, context)
    }
    socket.on('data', onData)
  })
  const port = await listen(server, host, options.port ?? 0)
  return { host, port, close: () => closeServer(server, sockets) }
}

/** Answers a Connection Request, then starts TLS when it selected it. */
function confirm(socket: Socket, request: Buffer, select: RdpSelection, context: SecureContext): void {
  if ((request.readUInt8(5) & 0xf0) !== 0xe0) {
    socket.destroy()
    return
  }
  const requested = negotiationRequest(request)
  const wanted = select === 'tls' ? SSL : select === 'credssp' ? HYBRID : 0
  if (typeof select === 'number') {
    socket.end(connectionConfirm(NEG_FAILURE, select))
  } else if (wanted !== 0 && (requested & wanted) === 0) {
    socket.end(connectionConfirm(NEG_FAILURE, wanted === SSL ? SSL_REQUIRED : HYBRID_REQUIRED))
  } else if (select === 'rdp') {
    socket.write(connectionConfirm())
  } else {
    socket.write(connectionConfirm(NEG_RESPONSE, wanted))
    const tls = new TLSSocket(socket, { isServer: true, secureContext: context })
    tls.on('error', () => socket.destroy())
    tls.resume()
  }
}

/** The requested protocols of the RDP_NEG_REQ at the end of a request, 0 when there is none. */
function negotiationRequest(request: Buffer): number {
  const neg = request.subarray(request.length - 8)
  return request.length >= 19 && neg[0] === 0x01 ? neg.readUInt32LE(4) : 0
}

/** A Connection Confirm, with an RDP_NEG_RSP or RDP_NEG_FAILURE when `type` is given. */
function connectionConfirm(type?: number, value = 0): Buffer {
  const negotiation = Buffer.alloc(type === undefined ? 0 : 8)
  if (type !== undefined) {
    negotiation.writeUInt8(type, 0)
    negotiation.writeUInt16LE(8, 2)
    negotiation.writeUInt32LE(value, 4)
  }
  const x224 = Buffer.concat([Buffer.from([6 + negotiation.length, 0xd0, 0, 0, 0x12, 0x34, 0]), negotiation])
  const tpkt = Buffer.from([3, 0, 0, 0])
  tpkt.writeUInt16BE(4 + x224.length, 2)
  return Buffer.concat([tpkt, x224])
}
