/**
 * Dry runs: checks run now, in this thread, with nothing recorded (`scanner check`). The services
 * are built exactly as a round builds them (the config synced into a database in memory), so a
 * dry run tests the same hosts, ports, options and credentials a round would.
 */
import { Store } from '../../db/store.ts'
import type { Competition } from '../config/competition.ts'
import type { Stage } from '../errors.ts'
import { isMassType, type ServiceRegistry } from '../registry.ts'
import type { Service } from '../service.ts'
import type { CheckResult } from './check-result.ts'
import { runMassCheck, runStandardCheck } from './check-runner.ts'
import { fillCredentials } from './credentials.ts'

/** A stage the check entered, and when (milliseconds after it started). */
export interface StageMark {
  stage: Stage
  atMs: number
}

export interface DryRun {
  service: Service
  result: CheckResult
  stages: StageMark[]
  logs: string[]
}

/** The services a round of `competition` would check, with their teams' credentials. */
export function servicesOf(competition: Competition): {
  services: Service[]
  teams: ReturnType<Store['teams']>
} {
  const store = Store.open(':memory:')
  try {
    store.syncCompetition(competition)
    return { services: store.activeServices(), teams: store.teams() }
  } finally {
    store.close()
  }
}

/** Runs the check of `service` now (a mass type checks every team's instance of it, as in a round). */
export async function dryRun(
  registry: ServiceRegistry,
  service: Service,
  all: Service[],
  teams: ReturnType<Store['teams']>,
): Promise<DryRun> {
  const stages: StageMark[] = []
  const logs: string[] = []
  const sink = {
    threadName: `TeamWorker-${service.team}`,
    log: (line: string) => logs.push(line),
    stageEntered: (stage: Stage, atMs: number) => {
      if (stages.at(-1)?.stage !== stage) stages.push({ stage, atMs })
    },
  }
  const withCredentials = (s: Service) => {
    const team = teams.get(s.team)
    return team ? fillCredentials(s, team) : s
  }
  const cls = registry.get(service.subtype)
  if (cls && isMassType(cls)) {
    const group = all.filter((s) => s.subtype === service.subtype && !s.external)
    const results = await runMassCheck(registry, group.map(withCredentials), sink)
    const result = results.find((r) => r.serviceId === service.id)!
    return { service, result, stages, logs }
  }
  const result = await runStandardCheck(registry, withCredentials(service), sink)
  return { service, result, stages, logs }
}
