import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parsePing, pingArguments } from '../../checks/icmp.ts'
import { eventually, runCheck } from '../support/check.ts'
import { makeService } from '../support/service.ts'

const icmp = (host: string, options: Record<string, unknown> = {}, timeoutMs = 2000) =>
  makeService({ subtype: 'icmp', host, timeoutMs, options })

/** Whether this machine lets an unprivileged process make a network namespace of its own. */
const canUnshare = spawnSync('unshare', ['-rn', 'true']).status === 0

/**
 * The checks run the system `ping` (Debian's iputils-ping). CI installs it and must run these
 * tests; on a developer machine without it they are skipped, saying what to install.
 */
const hasPing = spawnSync('ping', ['-V']).error === undefined
const needsPing = {
  skip:
    hasPing || process.env.CI === 'true' ? false : 'skipped: no system ping (apt-get install iputils-ping)',
}

/**
 * Runs an icmp check of 127.0.0.1 inside a new network namespace prepared by `setup` (shell), and
 * returns its result: the namespace is the test's own, so nothing outside it is pinged.
 */
function runInNamespace(setup: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url))
  const script = `
    import { runCheck } from ${JSON.stringify(root('test/support/check.ts'))}
    import { makeService } from ${JSON.stringify(root('test/support/service.ts'))}
    const service = makeService({ subtype: 'icmp', host: '127.0.0.1', timeoutMs: ${timeoutMs}, options: { count: 2 } })
    const { result } = await runCheck(service)
    process.stdout.write(JSON.stringify(result))
  `
  const command = `${setup}; exec "$0" --input-type=module -e "$1"`
  return new Promise((resolve, reject) => {
    execFile('unshare', ['-rn', 'sh', '-c', command, process.execPath, script], (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`))
      resolve(JSON.parse(stdout) as Record<string, unknown>)
    })
  })
}

/** Whether a `ping` with `host` in its arguments is still running. */
function pingRunning(host: string): boolean {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .some((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
        return args[0]?.endsWith('ping') === true && args.includes(host)
      } catch {
        return false
      }
    })
}

test('icmp: up when 127.0.0.1 answers the echo request', needsPing, async () => {
  const { result, logs } = await runCheck(icmp('127.0.0.1'))
  assert.equal(result.up, true, result.error ?? '')
  assert.equal(result.stage, null)
  assert.deepEqual(logs, ['TeamWorker-1: Success Team1 : ICMP ping to 127.0.0.1'])
  assert.match(result.detail ?? '', /1 of 1 echo requests answered, rtt min\/avg\/max\/mdev [\d.]+\//)
})

test('icmp: count sends that many requests, spread within the timeout', needsPing, async () => {
  const { result } = await runCheck(icmp('127.0.0.1', { count: 3 }))
  assert.equal(result.up, true, result.error ?? '')
  assert.match(result.detail ?? '', /3 of 3 echo requests answered/)
  assert.ok(result.durationMs < 2000, `took ${result.durationMs} ms`)
})

test('icmp: count is a whole number from 1 to 20, numeric strings accepted', () => {
  assert.deepEqual(makeService({ subtype: 'icmp', options: { count: '4' } }).options, { count: 4 })
  assert.deepEqual(makeService({ subtype: 'icmp' }).options, { count: 1 })
  assert.throws(() => makeService({ subtype: 'icmp', options: { count: 0 } }), /at least 1/)
  assert.throws(() => makeService({ subtype: 'icmp', options: { count: 21 } }), /at most 20/)
})

test('icmp: ping gets a fixed argument list that ends before the timeout, and no option-like host', () => {
  assert.deepEqual(pingArguments('10.0.1.1', 1, 2000), [
    '-n',
    '-c',
    '1',
    '-i',
    '1',
    '-W',
    '1.7',
    '--',
    '10.0.1.1',
  ])
  assert.deepEqual(pingArguments('h', 3, 5000), ['-n', '-c', '3', '-i', '1', '-W', '2.7', '--', 'h'])
  assert.throws(() => pingArguments('-f', 1, 2000), /invalid host/)
  assert.throws(() => pingArguments('a b', 1, 2000), /invalid host/)
})

test('icmp: ping statistics are read from its output', () => {
  const out = [
    '3 packets transmitted, 2 received, 33.3333% packet loss, time 402ms',
    'rtt min/avg/max/mdev = 0.032/0.228/0.566/0.239 ms',
  ].join('\n')
  assert.deepEqual(parsePing(out), { sent: 3, received: 2, rtt: '0.032/0.228/0.566/0.239' })
  assert.deepEqual(parsePing('2 packets transmitted, 0 received, 100% packet loss'), {
    sent: 2,
    received: 0,
    rtt: undefined,
  })
  assert.equal(parsePing('garbage'), undefined)
})

test('icmp: down with stage "connect" when the host name does not resolve', needsPing, async () => {
  const { result } = await runCheck(icmp('no-such-host.invalid'))
  assert.equal(result.up, false)
  assert.equal(result.stage, 'connect')
  assert.equal(result.error, 'host name "no-such-host.invalid" not found')
})

test(
  'icmp: down with stage "connect", before the timeout, when the host does not answer (a namespace of its own that ignores echo requests)',
  { skip: !canUnshare ? 'skipped: this machine does not allow unshare -rn' : needsPing.skip },
  async () => {
    const result = await runInNamespace(
      'ip link set lo up && echo 1 > /proc/sys/net/ipv4/icmp_echo_ignore_all',
      1000,
    )
    assert.equal(result.up, false)
    assert.equal(result.stage, 'connect')
    assert.match(String(result.error), /^no echo reply from 127\.0\.0\.1 \(\d+ sent, 0 received\)$/)
    assert.ok(Number(result.durationMs) < 1000, `took ${String(result.durationMs)} ms`)
  },
)

test(
  'icmp: down with stage "connect" when the network is unreachable (a namespace of its own with loopback down)',
  { skip: !canUnshare ? 'skipped: this machine does not allow unshare -rn' : needsPing.skip },
  async () => {
    const result = await runInNamespace('true', 1000)
    assert.equal(result.stage, 'connect')
    assert.equal(result.error, 'network unreachable')
  },
)

test(
  'icmp: times out on time when the count cannot fit in the timeout, and kills ping',
  needsPing,
  async () => {
    const host = '127.0.3.77'
    const { result } = await runCheck(icmp(host, { count: 20 }, 1000))
    assert.equal(result.stage, 'connect')
    assert.equal(result.error, 'timed out after 1 s')
    assert.ok(result.durationMs >= 1000 && result.durationMs < 1300, `took ${result.durationMs} ms`)
    await eventually(() => !pingRunning(host), 1000, 'ping killed')
  },
)
