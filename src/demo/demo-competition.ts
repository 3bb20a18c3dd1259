import { createServer } from 'node:net'
import { startDnsServer } from './dns-server.ts'
import { startHttpServer } from './http-server.ts'
import { listen, type RunningServer } from './running-server.ts'
import { startSshServer } from './ssh-server.ts'

/** The demo targets of three teams on loopback, and the competition.yaml that checks them. */
export interface DemoCompetition {
  yaml: string
  servers: RunningServer[]
  close(): Promise<void>
}

const HOST = '127.0.0.1'

/** A loopback port nobody listens on: a stopped daemon. */
async function closedPort(): Promise<number> {
  const server = createServer()
  const port = await listen(server, HOST, 0)
  await new Promise((resolve) => server.close(resolve))
  return port
}

const welcome = { '/': { body: '<html><h1>Welcome to Team Web</h1><p>Online store</p></html>\n' } }
const defaced = { '/': { body: '<html><h1>pwned by red team</h1></html>\n' } }

/**
 * Starts demo target services for three teams, some deliberately broken the way a competition
 * breaks them: team 1 healthy; team 2 with a defaced web page and a changed SSH password; team 3
 * with its SSH daemon stopped and a DNS record pointing elsewhere.
 */
export async function startDemoCompetition(): Promise<DemoCompetition> {
  const servers: RunningServer[] = []
  const start = async <T extends RunningServer>(server: Promise<T>): Promise<T> => {
    const s = await server
    servers.push(s)
    return s
  }
  try {
    const web = [
      await start(startHttpServer({ routes: welcome })),
      await start(startHttpServer({ routes: defaced })),
      await start(startHttpServer({ routes: welcome })),
    ]
    const ssh1 = await start(startSshServer({ users: { alice: 'Winter2026!', bob: 'Summer2026!' } }))
    const ssh2 = await start(startSshServer({ users: { alice: 'changed-by-red', bob: 'Summer2026!' } }))
    const ssh3 = await closedPort()
    const dns = [
      await start(startDnsServer()),
      await start(startDnsServer()),
      await start(startDnsServer({ records: [{ name: 'www.demo.scanner', type: 'A', value: '10.66.6.6' }] })),
    ]
    const port = (team: number, ports: number[]) => `${team}: { port: ${ports[team - 1]} }`
    const overrides = (ports: number[]) => `{ ${[1, 2, 3].map((t) => port(t, ports)).join(', ')} }`
    const sshPorts = [ssh1.port, ssh2.port, ssh3]
    const yaml = `# The demo competition of "scanner demo": three teams on loopback, some services broken.
name: Scanner demo
defaults: { timeout: 3s, points: 5 }
teams:
  - { number: 1, name: Blue One, pools: { users: [ "alice:Winter2026!" ] } }
  - { number: 2, name: Blue Two, pools: { users: [ "alice:Winter2026!" ] } }
  - { number: 3, name: Blue Three, pools: { users: [ "alice:Winter2026!" ] } }
services:
  - name: web
    type: http
    host: ${HOST}
    port: 80
    url: /
    http_string: Welcome
    overrides: ${overrides(web.map((s) => s.port))}
  - name: ssh
    type: ssh
    host: ${HOST}
    credential_pool: users
    options: { command: "id -un", expect: "{username}" }
    overrides: ${overrides(sshPorts)}
  - name: dns
    type: dns
    host: ${HOST}
    options: { record: www.demo.scanner, qtype: A, expect: "127.0.0.1" }
    overrides: ${overrides(dns.map((s) => s.port))}
  - name: ssh-port
    type: tcp
    host: ${HOST}
    options: { expect_regex: "^SSH-2\\\\.0-" }
    overrides: ${overrides(sshPorts)}
`
    const close = async () => {
      await Promise.all(servers.map((s) => s.close()))
    }
    return { yaml, servers, close }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()))
    throw err
  }
}
