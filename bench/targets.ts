/**
 * The bench's target servers, in a process of their own so that their CPU is not the scanner's:
 * HTTP, TCP, SSH (ssh2's server, Nagle off), DNS, a blackhole that accepts and never answers, and
 * a TCP port whose first connection tells when a freshly started scanner made its first check.
 * Prints one JSON line with the ports, then waits for the parent to go away.
 */
import { createServer, type Socket } from 'node:net'
import { startHttpServer } from '../src/demo/http-server.ts'
import { startSshServer } from '../src/demo/ssh-server.ts'
import { startDnsServer } from '../src/demo/dns-server.ts'
import { startBlackhole } from '../src/demo/blackhole.ts'
import { listen } from '../src/demo/running-server.ts'

import {
  BENCH_HOST,
  BENCH_PAGE,
  BENCH_PASSWORD,
  BENCH_USER,
  type StartupSeen,
  type TargetPorts,
} from './target-settings.ts'

async function tcpServer(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy())
    onConnection(socket)
  })
  return listen(server, BENCH_HOST, 0)
}

async function main(): Promise<void> {
  const http = await startHttpServer({ routes: { '/': { body: BENCH_PAGE } } })
  const ssh = await startSshServer({ users: { [BENCH_USER]: BENCH_PASSWORD } })
  const dns = await startDnsServer()
  const blackhole = await startBlackhole()
  const tcp = await tcpServer((socket) => socket.end())
  const startup = await tcpServer((socket) => {
    process.send?.({ firstConnectionAt: Date.now() } satisfies StartupSeen)
    socket.end()
  })
  const ports: TargetPorts = {
    http: http.port,
    tcp,
    ssh: ssh.port,
    dns: dns.port,
    blackhole: blackhole.port,
    startup,
  }
  process.stdout.write(`${JSON.stringify(ports)}\n`)
  process.on('disconnect', () => process.exit(0))
}

await main()
