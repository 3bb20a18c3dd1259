import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'
import type { Store } from '../../db/store.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { loadCheckTypes } from '../../src/engine/load-types.ts'
import type { RoundSummary } from '../../src/engine/round.ts'
import { runSingleRound } from '../../src/engine/scanner-run.ts'
import { tempDir } from './temp-dir.ts'

export { tempDir }

export const LIFECYCLE_CHECKS = fileURLToPath(new URL('../fixtures/lifecycle-checks.ts', import.meta.url))

export interface RoundRun {
  summary: RoundSummary
  store: Store
  logs: string[]
  dir: string
  /** Result of a service by team number and service name. */
  result(team: number, name: string): RoundSummary['outcomes'][number]['result']
}

/** Writes `yaml` as competition.yaml in a temp dir and runs one round through the real engine. */
export async function runRoundWith(
  t: TestContext,
  yaml: string,
  options: { workers?: number; servicesFiles?: string[]; maxInFlight?: number; dir?: string } = {},
): Promise<RoundRun> {
  const dir = options.dir ?? tempDir(t)
  const configFile = join(dir, 'competition.yaml')
  writeFileSync(configFile, yaml)
  const servicesFiles = options.servicesFiles ?? [LIFECYCLE_CHECKS]
  const { registry, compiled } = await loadCheckTypes(servicesFiles)
  const competition = loadConfig(configFile, registry)
  const logs: string[] = []
  const { summary, store } = await runSingleRound(join(dir, 'scanner.db'), competition, registry, {
    workers: options.workers,
    maxInFlight: options.maxInFlight,
    services: compiled,
    log: (line) => logs.push(line),
  })
  t.after(() => store.close())
  return {
    summary,
    store,
    logs,
    dir,
    result(team, name) {
      const o = summary.outcomes.find((x) => x.service.team === team && x.service.name === name)
      if (!o) throw new Error(`no outcome for team ${team} service ${name}`)
      return o.result
    },
  }
}
