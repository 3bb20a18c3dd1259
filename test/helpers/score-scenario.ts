/**
 * A known sequence of rounds for the score totals: written through the Store's round write path,
 * results built as a round builds them (administratively down scores 0, caps applied by `capped`),
 * with a cap and an administratively down stretch set between rounds by the white-team controls.
 */
import type { Store } from '../../db/store.ts'
import type { Competition, ServiceSpec } from '../../src/config/competition.ts'
import { failure, type CheckResult } from '../../src/engine/check-result.ts'
import { capped } from '../../src/engine/round.ts'
import type { Service } from '../../src/service.ts'
import { serviceSpec } from './service-spec.ts'

function spec(team: number, name: string, points: number, sla: ServiceSpec['sla']): ServiceSpec {
  return serviceSpec(team, name, { points, ...(sla === undefined ? {} : { sla }) })
}

/**
 * Two teams, three services each: www (5 points, its own SLA: 3 points each 2 failures in a row),
 * dns (4 points, `sla: null`), mail (3 points, the competition's SLA: 10 points each 3 in a row).
 */
export function scenarioCompetition(): Competition {
  const services: ServiceSpec[] = []
  for (const team of [1, 2]) {
    services.push(spec(team, 'www', 5, { threshold: 2, penalty: 3 }))
    services.push(spec(team, 'dns', 4, null))
    services.push(spec(team, 'mail', 3, undefined))
  }
  return {
    file: 'competition.yaml',
    name: 'Scores',
    round: { intervalMs: 120_000, jitterMs: 15_000 },
    teams: [
      { number: 1, name: 'Blue Herons', info: {}, pools: {} },
      { number: 2, name: 'Team 2', info: {}, pools: {} },
    ],
    services,
    users: [],
    sla: { threshold: 3, penalty: 10 },
  }
}

/** Up (true) or down in rounds 1..8, as the checks would find them. */
const OUTCOMES: Record<string, boolean[]> = {
  '1/www': [true, false, false, false, false, true, false, false],
  '1/dns': [false, false, false, false, false, false, false, false],
  '1/mail': [false, false, true, true, true, false, true, true],
  '2/www': [true, true, true, true, true, true, true, true],
  '2/dns': [true, false, true, false, true, false, true, false],
  '2/mail': [false, false, false, false, false, false, false, true],
}

/**
 * What the scenario must total, worked out by hand:
 * - 1/www: up in rounds 1 (5) and 6 (capped at 2 from round 6): 7 points; failures in a row
 *   2-5 give penalties at 2 and 4 in a row, 7-8 one more: 3 x 3 = 9. 7 - 9 = -2.
 * - 1/dns: never up, no SLA: 0.
 * - 1/mail: down 1-2, administratively down 3-5 (neither a failure nor a success: the run stays
 *   at 2 though the check would have passed), down in 6 (3 in a row: 10), up 7-8: 6 - 10 = -4.
 * - 2/www: up in every round, capped at 3 in rounds 4-6: 15 + 9 + 10 = 34.
 * - 2/dns: up in rounds 1, 3, 5, 7: 16.
 * - 2/mail: down 1-7 (penalties at 3 and 6 in a row), up in 8: 3 - 20 = -17.
 */
export const SCENARIO_TOTALS = [
  { team: 1, team_name: 'Blue Herons', total: -6, services: { www: -2, dns: 0, mail: -4 }, penalties: 19 },
  { team: 2, team_name: 'Team 2', total: 33, services: { www: 34, dns: 16, mail: -17 }, penalties: 20 },
]

/** Plays the eight rounds, with the white-team controls between them. */
export function playScenario(store: Store): void {
  store.syncCompetition(scenarioCompetition())
  const id = (key: string) => store.activeServices().find((s) => `${s.team}/${s.name}` === key)!.id
  for (let round = 1; round <= 8; round++) {
    if (round === 3) store.setAdministrativelyDown(id('1/mail'), true, 'red team kept the mail server')
    if (round === 4) store.setScoreCap(id('2/www'), 3)
    if (round === 6) store.setAdministrativelyDown(id('1/mail'), false, null)
    if (round === 6) store.setScoreCap(id('1/www'), 2)
    if (round === 7) store.setScoreCap(id('2/www'), null)
    const roundId = store.beginRound()
    store.writeRound(
      roundId,
      store.activeServices().map((service) => capped(service, resultOf(service, round))),
    )
  }
}

/** The result a round gives `service` in `round` (1-based). */
function resultOf(service: Service, round: number): CheckResult {
  const now = Date.now()
  if (service.administrativelyDown)
    return failure(service.id, null, `Administratively down: ${service.downReason}`, now, 0)
  const up = OUTCOMES[`${service.team}/${service.name}`]?.[round - 1] ?? false
  if (!up) return failure(service.id, 'connect', 'connection refused', now, 1)
  const result: CheckResult = {
    serviceId: service.id,
    score: service.points,
    up: true,
    stage: null,
    error: null,
    detail: null,
    startedAt: now,
    durationMs: 1,
  }
  return result
}
