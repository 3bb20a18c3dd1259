import type { CommonArgs } from './common.ts'
import { loadCompetition, loadTypes } from './load-competition.ts'

/** `scanner validate`: loads the services files and the config; every problem is reported. */
export async function validateCommand(args: CommonArgs, out: (text: string) => void): Promise<void> {
  const { registry, compiled } = await loadTypes(args)
  const competition = loadCompetition(args, registry)
  const external = competition.services.filter((s) => s.external).length
  out(
    `${args.config}: OK — "${competition.name}", ${competition.teams.length} teams, ${competition.services.length} services` +
      (external ? ` (${external} external)` : '') +
      (compiled.entries.length ? `, ${compiled.entries.length} services file(s)` : ''),
  )
}
