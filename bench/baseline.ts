/**
 * Child process of the bench: the same protocol operations as the headline round, with the same
 * libraries (undici, node:net, ssh2), as a bare async loop on one thread: no engine, no worker
 * threads, no database. What the protocols themselves cost here.
 *
 * Usage: node bench/baseline.ts PORTS_JSON TEAMS PASSES [all|http|ssh]
 */
import { connect, type Socket } from 'node:net'
import { cpuUsage } from 'node:process'
import ssh2 from '../checks/ssh2-library.ts'
import { Client } from 'undici'
import { HEADLINE_MIX } from './competition.ts'
import { BENCH_HOST, BENCH_PASSWORD, BENCH_USER, type TargetPorts } from './target-settings.ts'

const IN_FLIGHT = 256

function tcpConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: BENCH_HOST, port, noDelay: true })
    socket.once('error', reject)
    socket.once('connect', () => resolve(socket))
  })
}

async function httpGet(port: number): Promise<void> {
  const client = new Client(`http://${BENCH_HOST}:${port}`, { pipelining: 0 })
  try {
    const res = await client.request({ path: '/', method: 'GET', headers: { connection: 'close' } })
    const body = await res.body.text()
    if (res.statusCode !== 200 || !body.includes('Welcome')) throw new Error('bad page')
  } finally {
    await client.destroy()
  }
}

async function tcpCheck(port: number): Promise<void> {
  const socket = await tcpConnect(port)
  socket.destroy()
}

async function sshCheck(port: number): Promise<void> {
  const socket = await tcpConnect(port)
  const client = new ssh2.Client()
  await new Promise<void>((resolve, reject) => {
    client.once('error', reject)
    client.once('ready', () => {
      client.exec('id -un', (err, stream) => {
        if (err) return reject(err)
        let out = ''
        stream.on('data', (d: Buffer) => (out += d.toString()))
        stream.stderr.resume()
        stream.once('close', () => (out.trim() === BENCH_USER ? resolve() : reject(new Error('bad output'))))
      })
    })
    // The login as the ssh check does it: the method named up front, no `none` probe first.
    client.connect({
      sock: socket,
      username: BENCH_USER,
      password: BENCH_PASSWORD,
      authHandler: ['password'],
      readyTimeout: 10_000,
    })
  }).finally(() => client.end())
}

async function runAll(tasks: (() => Promise<void>)[]): Promise<number> {
  let next = 0
  let failures = 0
  const lane = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!
      await task().catch(() => failures++)
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
  return failures
}

const [portsJson, teamsArg, passesArg, which = 'all'] = process.argv.slice(2)
const ports = JSON.parse(portsJson!) as TargetPorts
const teams = Number(teamsArg)
const tasks: (() => Promise<void>)[] = []
const wanted = (kind: string) => which === 'all' || which === kind
for (let team = 0; team < teams; team++) {
  if (wanted('http')) for (let i = 0; i < (HEADLINE_MIX.http ?? 0); i++) tasks.push(() => httpGet(ports.http))
  if (wanted('tcp')) for (let i = 0; i < (HEADLINE_MIX.tcp ?? 0); i++) tasks.push(() => tcpCheck(ports.tcp))
  if (wanted('ssh')) for (let i = 0; i < (HEADLINE_MIX.ssh ?? 0); i++) tasks.push(() => sshCheck(ports.ssh))
}
const passes: { s: number; cpuMs: number; checks: number; failures: number }[] = []
for (let p = 0; p < Number(passesArg); p++) {
  const cpu = cpuUsage()
  const started = performance.now()
  const failures = await runAll(tasks)
  const used = cpuUsage(cpu)
  passes.push({
    s: (performance.now() - started) / 1000,
    cpuMs: (used.user + used.system) / 1000,
    checks: tasks.length,
    failures,
  })
}
process.stdout.write(`${JSON.stringify({ passes })}\n`)
process.exit(0)
