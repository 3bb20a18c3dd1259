/**
 * Worker threads started before the command has read its config: `scanner run` starts them first
 * thing, so that their start (a thread, then the engine and the check types loaded in it) runs on
 * another core while the main thread parses the command line, loads the config and opens the
 * database. The pool takes them and hands each its settings (`WorkerInit`) as a message; those
 * it does not take are ended when it has started.
 */
import { Worker } from 'node:worker_threads'
import { embeddedWorkerCode } from '../runtime/embedded.ts'
import { WORKER_LIMITS, type WorkerSource } from './check-thread.ts'

/** The worker script: embedded in the single binary, a file when running from the sources. */
export function defaultWorkerSource(): WorkerSource {
  const code = embeddedWorkerCode()
  if (code !== undefined) return { code }
  return { file: new URL('./worker-entry.ts', import.meta.url) }
}

/** What a pre-started worker gets as `workerData`: it waits for its `WorkerInit` message. */
export const DEFERRED_INIT = { deferred: true } as const

interface Spare {
  worker: Worker
  exited: boolean
}

const spares: Spare[] = []

/** Starts `count` worker threads with the default worker script, for the pool to take. */
export function prestartWorkers(count: number): void {
  const source = defaultWorkerSource()
  for (let i = 0; i < count; i++) {
    const worker =
      'file' in source
        ? new Worker(source.file, { workerData: DEFERRED_INIT, resourceLimits: WORKER_LIMITS })
        : new Worker(source.code, { eval: true, workerData: DEFERRED_INIT, resourceLimits: WORKER_LIMITS })
    const spare: Spare = { worker, exited: false }
    // A spare never keeps the process alive, and its failure is the pool's to see (it starts a
    // thread of its own instead).
    worker.unref()
    worker.on('error', () => undefined)
    worker.on('exit', () => (spare.exited = true))
    spares.push(spare)
  }
}

/** A pre-started worker still alive, or undefined. */
export function takePrestartedWorker(): Worker | undefined {
  for (let spare = spares.shift(); spare; spare = spares.shift()) {
    if (spare.exited) continue
    spare.worker.ref()
    return spare.worker
  }
  return undefined
}

/** Ends the pre-started workers nobody took. */
export function dropPrestartedWorkers(): void {
  for (const spare of spares.splice(0)) void spare.worker.terminate()
}
