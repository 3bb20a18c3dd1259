/**
 * A demo web server: fixed routes with fixed bodies, optional basic authentication, optional TLS
 * (the demo certificate), and an endless route to show that the `http` check caps what it reads.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Socket } from 'node:net'
import {
  DEFAULT_HOST,
  SocketSet,
  closeServer,
  listen,
  type ListenOptions,
  type RunningServer,
} from './running-server.ts'
import { DEMO_TLS_CERT, DEMO_TLS_KEY } from './tls-cert.ts'

/** What the server answers on one path. */
export interface HttpRoute {
  /** 200 unless set. */
  status?: number
  body?: string | Buffer
  headers?: Record<string, string>
  /** Require basic authentication with one of the server's `users`. */
  auth?: boolean
  /** Send `body` over and over until the client goes away. */
  endless?: boolean
}

export interface HttpServerOptions extends ListenOptions {
  /** Routes by path (the query string is ignored); `/` says welcome unless set. */
  routes?: Record<string, HttpRoute>
  /** Users for basic authentication: name -> password. */
  users?: Record<string, string>
  /** Serve HTTPS with the demo certificate. */
  tls?: boolean
}

export const DEFAULT_ROUTES: Record<string, HttpRoute> = {
  '/': { body: '<html><body><h1>Welcome to the scanner demo</h1></body></html>\n' },
}

export async function startHttpServer(options: HttpServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST
  const routes = options.routes ?? DEFAULT_ROUTES
  const users = options.users ?? {}
  const handler = (req: IncomingMessage, res: ServerResponse) => respond(req, res, routes, users)
  const server = options.tls
    ? createHttpsServer({ key: DEMO_TLS_KEY, cert: DEMO_TLS_CERT }, handler)
    : createHttpServer(handler)
  const sockets = new SocketSet()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('error', () => socket.destroy())
  })
  const port = await listen(server, host, options.port ?? 0)
  return { host, port, close: () => closeServer(server, sockets) }
}

function respond(
  req: IncomingMessage,
  res: ServerResponse,
  routes: Record<string, HttpRoute>,
  users: Record<string, string>,
): void {
  const path = (req.url ?? '/').split('?')[0] ?? '/'
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined
  if (!route) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
    return
  }
  if (route.auth && !authorised(req.headers.authorization, users)) {
    res
      .writeHead(401, { 'www-authenticate': 'Basic realm="demo"', 'content-type': 'text/plain' })
      .end('login required\n')
    return
  }
  const body = Buffer.from(route.body ?? '')
  res.writeHead(route.status ?? 200, { 'content-type': 'text/html; charset=utf-8', ...route.headers })
  if (!route.endless) {
    res.end(body)
    return
  }
  const chunk = body.length > 0 ? body : Buffer.from('x'.repeat(16 * 1024))
  const pour = (): void => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pour)
  }
  pour()
}

function authorised(header: string | undefined, users: Record<string, string>): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
  if (!match?.[1]) return false
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return false
  const name = decoded.slice(0, colon)
  return Object.hasOwn(users, name) && users[name] === decoded.slice(colon + 1)
}
