/** Runs a check the way the engine does, and ports for tests that need nothing to listen. */
import { createServer, type AddressInfo } from 'node:net'
import { builtinTypes } from '../../checks/builtin-types.ts'
import type { CheckResult } from '../../src/engine/check-result.ts'
import { runStandardCheck } from '../../src/engine/check-runner.ts'
import type { Service } from '../../src/service.ts'

export interface CheckRun {
  result: CheckResult
  /** The scan log lines the check wrote. */
  logs: string[]
}

/** Runs one check of a service (see `makeService`) through the engine's check runner. */
export async function runCheck(service: Service): Promise<CheckRun> {
  const logs: string[] = []
  const sink = { threadName: 'TeamWorker-1', log: (line: string) => logs.push(line) }
  const result = await runStandardCheck(builtinTypes(), service, sink)
  return { result, logs }
}

/** A TCP port on 127.0.0.1 that nothing listens on: listened on, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Waits until `condition` holds, or fails after `ms`. */
export async function eventually(condition: () => boolean, ms = 1000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + ms
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
