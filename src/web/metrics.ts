/**
 * `/metrics` in the Prometheus text format (version 0.0.4): rounds, the last round's duration and
 * check durations, and whether each service is up.
 */
import type { ServiceStateRow, WebQueries } from '../../db/web-queries.ts'

const QUANTILES = [0.5, 0.9, 0.99]

export function renderMetrics(queries: WebQueries, states: readonly ServiceStateRow[]): string {
  const lines: string[] = []
  const metric = (name: string, type: string, help: string) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
  }

  metric('scanner_rounds_total', 'counter', 'Rounds recorded, by status.')
  const counts = new Map(queries.roundCounts().map((r) => [r.status, r.count]))
  for (const status of ['complete', 'aborted', 'running']) {
    lines.push(`scanner_rounds_total{status="${status}"} ${counts.get(status) ?? 0}`)
  }

  const last = queries.rounds(20).find((r) => r.status === 'complete' && r.finished_at !== null)
  metric('scanner_last_round_duration_seconds', 'gauge', 'Duration of the last complete round.')
  if (last)
    lines.push(
      `scanner_last_round_duration_seconds ${(Date.parse(last.finished_at!) - Date.parse(last.started_at)) / 1000}`,
    )
  metric('scanner_last_round_id', 'gauge', 'Id of the last complete round.')
  if (last) lines.push(`scanner_last_round_id ${last.id}`)
  metric('scanner_check_duration_seconds', 'summary', 'Durations of the checks of the last complete round.')
  if (last) {
    const durations = queries.roundDurations(last.id).sort((a, b) => a - b)
    for (const q of QUANTILES) {
      const index = Math.min(durations.length - 1, Math.floor(q * durations.length))
      const value = durations.length === 0 ? NaN : durations[index]! / 1000
      lines.push(`scanner_check_duration_seconds{quantile="${q}"} ${value}`)
    }
    lines.push(
      `scanner_check_duration_seconds_sum ${durations.reduce((a, b) => a + b, 0) / 1000}`,
      `scanner_check_duration_seconds_count ${durations.length}`,
    )
  }

  metric(
    'scanner_service_up',
    'gauge',
    '1 when the last check of the service was up, 0 down (NaN: never scanned).',
  )
  for (const s of states)
    lines.push(`scanner_service_up${labels(s)} ${s.last_scan === null ? 'NaN' : s.last_scan}`)
  metric('scanner_service_in_progress', 'gauge', '1 while the service is being checked.')
  for (const s of states) lines.push(`scanner_service_in_progress${labels(s)} ${s.in_progress}`)
  metric('scanner_service_administratively_down', 'gauge', '1 when the white team took the service down.')
  for (const s of states)
    lines.push(`scanner_service_administratively_down${labels(s)} ${s.administratively_down}`)
  metric('scanner_service_points', 'gauge', 'Points of the service after caps, minus SLA penalties.')
  for (const s of states) lines.push(`scanner_service_points${labels(s)} ${s.points - s.penalties}`)
  return `${lines.join('\n')}\n`
}

function labels(s: ServiceStateRow): string {
  return `{team="${s.team}",team_name="${escapeLabel(s.team_name)}",service="${escapeLabel(s.name)}"}`
}

/** Label values escape backslash, double quote and line feed (the exposition format's rule). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}
