import { createServer } from 'node:net'
import { startHttpServer } from '../../src/demo/http-server.ts'
import { listen, type RunningServer } from '../../src/demo/running-server.ts'

/** Targets of the check types of examples/services.ts for three teams, and the competition that checks them. */
export interface ExampleTargets {
  yaml: string
  close(): Promise<void>
}

const HOST = '127.0.0.1'
const json = (value: unknown) => ({
  body: JSON.stringify(value),
  headers: { 'content-type': 'application/json' },
})
const page = (text: string) => ({ body: `<html><h1>${text}</h1></html>\n` })

async function closedPort(): Promise<number> {
  const server = createServer()
  const port = await listen(server, HOST, 0)
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Team 1 healthy; team 2 with a degraded API, its web server over HTTPS, its plant tripped;
 * team 3 with its API down, a defaced page and a plant the controller does not know.
 */
export async function startExampleTargets(): Promise<ExampleTargets> {
  const servers: RunningServer[] = []
  const start = async (server: Promise<RunningServer>) => {
    const s = await server
    servers.push(s)
    return s.port
  }
  const api1 = await start(startHttpServer({ routes: { '/health': json({ status: 'ok' }) } }))
  const api2 = await start(startHttpServer({ routes: { '/health': json({ status: 'degraded' }) } }))
  const api3 = await closedPort()
  const web1 = await start(startHttpServer({ routes: { '/': page('Welcome') } }))
  const web2 = await start(startHttpServer({ routes: { '/': page('Welcome') }, tls: true }))
  const web3 = await start(startHttpServer({ routes: { '/': page('hacked') } }))
  const grid = await start(startHttpServer({ routes: { '/plants': json({ 1: 'running', 2: 'tripped' }) } }))
  const yaml = `
name: Example checks
defaults: { timeout: 3s, points: 10 }
teams: [ { number: 1 }, { number: 2 }, { number: 3 } ]
services:
  - name: api
    type: status-api
    host: ${HOST}
    url: /health
    overrides: { 1: { port: ${api1} }, 2: { port: ${api2} }, 3: { port: ${api3} } }
  - name: www
    type: web-any
    host: ${HOST}
    http_string: Welcome
    overrides: { 1: { port: ${web1} }, 2: { port: ${web2}, protocol: https }, 3: { port: ${web3} } }
  - { name: plant, type: grid, host: ${HOST}, port: ${grid}, url: /plants }
`
  return { yaml, close: async () => void (await Promise.all(servers.map((s) => s.close()))) }
}

/** What a round over the example targets must record: [up, stage, error] by `team/service`. */
export const EXAMPLE_EXPECTED: Record<string, [boolean, string | null, RegExp | null]> = {
  '1/api': [true, null, null],
  '2/api': [false, 'match', /^"status" is "degraded", expected "ok"$/],
  '3/api': [false, 'connect', /^cannot reach http:\/\/127\.0\.0\.1:\d+\/health: connection refused$/],
  '1/www': [true, null, null],
  '2/www': [true, null, null],
  '3/www': [false, 'match', /^page does not contain "Welcome"/],
  '1/plant': [true, null, null],
  '2/plant': [false, 'match', /^the controller reports the plant tripped$/],
  '3/plant': [false, 'match', /^the controller reports the plant offline$/],
}
