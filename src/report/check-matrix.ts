import type { RoundOutcome } from '../engine/round.ts'
import type { Service } from '../service.ts'
import { cell, textTable } from './text-table.ts'

/** A check that failed because it ran out of time (its own timeout, or the engine's watchdog). */
export function timedOut(outcome: RoundOutcome): boolean {
  const error = outcome.result.error ?? ''
  return (
    !outcome.result.up &&
    (/^timed out after /.test(error) || /did not finish after its .* timeout/.test(error))
  )
}

/** `up`, or the failing stage: `auth`, `connect (timeout)`. */
function state(outcome: RoundOutcome): string {
  if (outcome.result.up) return 'up'
  const stage = outcome.result.stage ?? 'down'
  return timedOut(outcome) ? `${stage} (timeout)` : stage
}

/**
 * The team x service matrix of a preflight: a row per team, a column per service (in config
 * order), each cell `up` or the failing stage; then the failures with their messages.
 */
export function checkMatrix(
  outcomes: readonly RoundOutcome[],
  external: readonly Service[],
  durationMs: number,
): string {
  const services = [...outcomes.map((o) => o.service), ...external]
  const names = [...new Set(services.toSorted((a, b) => a.id - b.id).map((s) => s.name))]
  const teams = new Map<number, string>()
  for (const s of services.toSorted((a, b) => a.team - b.team)) teams.set(s.team, s.teamName)
  const cells = new Map<string, string>()
  for (const o of outcomes) cells.set(`${o.service.team}/${o.service.name}`, state(o))
  for (const s of external) cells.set(`${s.team}/${s.name}`, 'external')
  const rows = [...teams].map(([number, name]) => [
    name,
    ...names.map((n) => cells.get(`${number}/${n}`) ?? '-'),
  ])
  const table = textTable(['team', ...names], rows)
  const failed = outcomes.filter((o) => !o.result.up)
  const lines = [
    table,
    '',
    `${outcomes.length - failed.length}/${outcomes.length} checks up in ${(durationMs / 1000).toFixed(1)} s (dry run, nothing recorded)`,
  ]
  if (failed.length > 0) {
    lines.push('', 'Failures:')
    for (const o of failed)
      lines.push(`  ${o.service.teamName} / ${o.service.name}: ${state(o)}: ${cell(o.result.error, 200)}`)
  }
  return lines.join('\n')
}
