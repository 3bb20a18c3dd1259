/**
 * A demo VNC endpoint: enough of an RFB server for the `vnc` check. It greets with its protocol
 * version, offers its security types, checks the VNC authentication response against its
 * password, answers ClientInit with a ServerInit naming the desktop, and then waits: no frame
 * buffer updates follow.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Socket } from 'node:net'
import { StreamReader } from '../../checks/stream-reader.ts'
import { vncAuthResponse } from '../../checks/vnc/vnc.ts'
import {
  DEFAULT_HOST,
  SocketSet,
  closeServer,
  listen,
  type ListenOptions,
  type RunningServer,
} from './running-server.ts'

export interface VncServerOptions extends ListenOptions {
  /** The version announced (`3.8` unless set): `3.3`, `3.7`, `3.8`, or any 12-byte greeting. */
  version?: '3.3' | '3.7' | '3.8' | Buffer
  /** Security types offered (VNC authentication only unless set); an empty list refuses. */
  securityTypes?: number[]
  /** The VNC password (`secret` unless set). */
  password?: string
  /** The desktop name sent in the ServerInit. */
  desktopName?: string
}

const NONE = 1
const VNC_AUTH = 2

export interface VncServer extends RunningServer {
  readonly openConnections: number
}

export async function startVncServer(options: VncServerOptions = {}): Promise<VncServer> {
  const host = options.host ?? DEFAULT_HOST
  const sockets = new SocketSet()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => socket.destroy())
    serve(socket, options).catch(() => socket.destroy())
  })
  const port = await listen(server, host, options.port ?? 0)
  return {
    host,
    port,
    get openConnections() {
      return sockets.size
    },
    close: () => closeServer(server, sockets),
  }
}

function reason(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8')
  const length = Buffer.alloc(4)
  length.writeUInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}

async function serve(socket: Socket, options: VncServerOptions): Promise<void> {
  const reader = new StreamReader(socket, new AbortController().signal)
  const version = options.version ?? '3.8'
  socket.write(typeof version === 'string' ? `RFB 003.00${version.slice(2)}\n` : version)
  const client = (await reader.read(12)).toString('latin1')
  const minor = Number(/^RFB 003\.00([378])\n$/.exec(client)?.[1] ?? NaN)
  if (Number.isNaN(minor)) return void socket.destroy()
  const offered = options.securityTypes ?? [VNC_AUTH]
  let type: number
  if (minor === 3) {
    type = offered[0] ?? 0
    socket.write(uint32(type))
    if (type === 0) return void socket.end(reason('no security type configured'))
  } else {
    socket.write(Buffer.from([offered.length, ...offered]))
    if (offered.length === 0) return void socket.end(reason('Too many security failures'))
    type = await reader.uint8()
    if (!offered.includes(type)) return void socket.destroy()
  }
  if (type === VNC_AUTH) {
    const challenge = randomBytes(16)
    socket.write(challenge)
    const response = await reader.read(16)
    if (!response.equals(vncAuthResponse(options.password ?? 'secret', challenge))) {
      socket.write(uint32(1))
      if (minor === 8) socket.write(reason('Authentication failed'))
      return void socket.end()
    }
    socket.write(uint32(0))
  } else if (type === NONE) {
    if (minor === 8) socket.write(uint32(0))
  } else {
    return void socket.destroy()
  }
  await reader.uint8()
  const init = Buffer.alloc(24)
  init.writeUInt16BE(1024, 0)
  init.writeUInt16BE(768, 2)
  // 32 bits per pixel, depth 24, little endian, true colour, 8 bits per channel.
  Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0]).copy(init, 4)
  const name = Buffer.from(options.desktopName ?? 'demo:1', 'utf8')
  init.writeUInt32BE(name.length, 20)
  socket.write(Buffer.concat([init, name]))
}
