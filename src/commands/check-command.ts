import { UsageError } from '../errors.ts'
import { dryRun, servicesOf, type DryRun } from '../engine/dry-run.ts'
import type { Service } from '../service.ts'
import type { CommonArgs } from './common.ts'
import { loadCompetition, loadTypes } from './load-competition.ts'

export interface CheckArgs extends CommonArgs {
  target: string
}

/** Finds TEAM/SERVICE: the team by number or name (`3`, `Team3`, `Team 3`), the service by name. */
export function findService(services: Service[], target: string): Service {
  const slash = target.indexOf('/')
  if (slash <= 0 || slash === target.length - 1)
    throw new UsageError(`name the service as TEAM/SERVICE (for example 3/www), got "${target}"`)
  const teamPart = target.slice(0, slash).trim()
  const name = target.slice(slash + 1).trim()
  const squash = (s: string) => s.toLowerCase().replace(/\s+/g, '')
  const teamNumbers = [...new Set(services.map((s) => s.team))]
  const team = teamNumbers.find((n) => {
    const teamName = services.find((s) => s.team === n)!.teamName
    return (
      String(n) === teamPart ||
      squash(teamName) === squash(teamPart) ||
      squash(`team${n}`) === squash(teamPart)
    )
  })
  if (team === undefined)
    throw new UsageError(`no team "${teamPart}" in the config; teams: ${teamNumbers.slice(0, 20).join(', ')}`)
  const service = services.find((s) => s.team === team && s.name === name)
  if (!service) {
    const names = services.filter((s) => s.team === team).map((s) => s.name)
    throw new UsageError(`team ${team} has no service "${name}"; its services: ${names.join(', ')}`)
  }
  return service
}

/** `scanner check TEAM/SERVICE`: runs one check now and prints each stage; records nothing. */
export async function checkCommand(args: CheckArgs, out: (text: string) => void): Promise<void> {
  const { registry } = await loadTypes(args)
  const competition = loadCompetition(args, registry)
  const { services, teams } = servicesOf(competition)
  const service = findService(services, args.target)
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
