/**
 * Every message between the main thread and a check worker thread. Plain data only: functions and
 * class instances never cross the boundary (an Error becomes `{code, message}`).
 */
import type { Service, TeamData } from '../service.ts'
import type { CheckResult } from './check-result.ts'
import type { CompiledServices } from './services-loader.ts'

/** One standard check of one team's service. */
export interface StandardJob {
  jobId: number
  kind: 'standard'
  team: number
  service: Service
}

/** One mass check over the services of every team. */
export interface MassJob {
  jobId: number
  kind: 'mass'
  services: Service[]
}

export type Job = StandardJob | MassJob

/** Given to a worker at start (`workerData`), or in its first message when it was pre-started. */
export interface WorkerInit {
  /** Custom check types, compiled by the main thread. */
  services: CompiledServices
  /** Int32 counter the worker bumps while its event loop turns. */
  heartbeat: SharedArrayBuffer
  heartbeatMs: number
  /** Checks in flight at once in this thread. */
  maxInFlight: number
}

export type ToWorker =
  /** The settings of a pre-started worker (one started without them), sent once, first. */
  { type: 'init'; init: WorkerInit } | { type: 'teams'; teams: TeamData[] } | { type: 'jobs'; jobs: Job[] }

export type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; code: string; message: string }
  | { type: 'batch'; started: number[]; done: { jobId: number; results: CheckResult[] }[]; logs: string[] }
