/** What every daemon module of the integration suite provides. */
import type { Lab } from '../support/lab.ts'
import type { Protocol } from '../support/sockets.ts'
import type { Box, DaemonName } from '../scenario.ts'

export interface Endpoint {
  protocol: Protocol
  port: number
}

export interface DaemonModule {
  name: DaemonName
  /** Programs that must be installed (absolute paths). */
  binaries: string[]
  /** What the daemon listens on, on a box that runs it. */
  endpoints(box: Box): Endpoint[]
  /** Writes the configuration and starts the daemon on every box that runs it; resolves once all listen. */
  start(lab: Lab, boxes: Box[]): Promise<void>
}

/** The boxes on which `name` runs (not stopped by the scenario). */
export function runningOn(boxes: Box[], name: DaemonName): Box[] {
  return boxes.filter((box) => !box.stopped.has(name))
}

/** Starts `fn` for each box at once. */
export async function eachBox(boxes: Box[], fn: (box: Box) => Promise<void>): Promise<void> {
  await Promise.all(boxes.map(fn))
}
