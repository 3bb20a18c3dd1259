import { UsageError } from '../errors.ts'
import { dryRun, servicesOf, type DryRun } from '../engine/dry-run.ts'
import type { CommonArgs } from './common.ts'
import { loadCompetition, loadTypes } from './load-competition.ts'
import { findTarget } from './target.ts'

export interface CheckArgs extends CommonArgs {
  target: string
}

/** `scanner check TEAM/SERVICE`: runs one check now and prints each stage; records nothing. */
export async function checkCommand(args: CheckArgs, out: (text: string) => void): Promise<void> {
  const { registry } = await loadTypes(args)
  const competition = loadCompetition(args, registry)
  const { services, teams } = servicesOf(competition)
  const service = findTarget(services, args.target, 'the config')
  if (service.external)
    throw new UsageError(`${args.target} is an external service: outside scripts score it, not the scanner`)
  const run = await dryRun(registry, service, services, teams)
  out(args.json ? JSON.stringify(dryRunJson(run), null, 2) : dryRunText(run))
}

function dryRunJson(run: DryRun) {
  const { service, result } = run
  return {
    team: service.team,
    service: service.name,
    type: service.subtype,
    host: service.host,
    port: service.port,
    up: result.up,
    score: result.score,
    stage: result.stage,
    error: result.error,
    duration_ms: result.durationMs,
    stages: stageOutcomes(run),
    detail: result.detail,
  }
}

/** Each stage entered, with `ok` for those passed and the failure on the failing one. */
function stageOutcomes(run: DryRun): { stage: string; at_ms: number; ok: boolean; error: string | null }[] {
  const { result } = run
  const marks = [...run.stages]
  if (!result.up && result.stage !== null && !marks.some((m) => m.stage === result.stage)) {
    marks.push({ stage: result.stage, atMs: result.durationMs })
  }
  const failedAt = result.up ? -1 : marks.findLastIndex((m) => m.stage === result.stage)
  return marks.map((m, i) => ({
    stage: m.stage,
    at_ms: m.atMs,
    ok: failedAt === -1 || i < failedAt,
    error: i === failedAt ? result.error : null,
  }))
}

function dryRunText(run: DryRun): string {
  const { service, result } = run
  const where = service.port ? `${service.host}:${service.port}` : service.host
  const lines = [
    `Team ${service.team} / ${service.name}: ${service.subtype} ${where} (dry run, nothing recorded)`,
  ]
  for (const s of stageOutcomes(run)) {
    const mark = s.ok ? 'ok' : 'FAIL'
    lines.push(
      `  ${s.stage.padEnd(8)} ${mark.padEnd(5)} ${String(s.at_ms).padStart(6)} ms${s.error ? `  ${s.error}` : ''}`,
    )
  }
  if (result.up) lines.push(`UP: score ${result.score} in ${result.durationMs} ms`)
  else if (result.stage === null) lines.push(`DOWN: ${result.error}`)
  else lines.push(`DOWN at stage ${result.stage} after ${result.durationMs} ms: ${result.error}`)
  if (result.detail)
    lines.push('', 'detail (white team only):', ...result.detail.split('\n').map((l) => `  ${l}`))
  return lines.join('\n')
}
