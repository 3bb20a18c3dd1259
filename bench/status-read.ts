/**
 * Fills a database with many rounds of scores through the store and times the "latest status of
 * every service" read the status command and pages make.
 */
import { Store } from '../db/store.ts'
import type { Competition } from '../src/config/competition.ts'
import { scoreToRecord } from '../test/helpers/score-to-record.ts'

export interface StatusReadFigures {
  rows: number
  fillS: number
  statusReadMs: number
}

export function measureStatusRead(
  dbFile: string,
  competition: Competition,
  rounds: number,
): StatusReadFigures {
  const store = Store.open(dbFile)
  try {
    store.syncCompetition(competition)
    const services = store.activeServices()
    const started = performance.now()
    for (let r = 0; r < rounds; r++) {
      const roundId = store.beginRound()
      const now = Date.now()
      store.transaction(() =>
        store.recordRoundScores(
          roundId,
          services.map((s, i) => {
            const up = (i + r) % 7 !== 0
            return scoreToRecord(s.id, up ? s.points : 0, { startedAt: now, durationMs: 3 })
          }),
        ),
      )
    }
    const fillS = (performance.now() - started) / 1000
    const times: number[] = []
    for (let i = 0; i < 7; i++) {
      const t = performance.now()
      const rows = store.status()
      times.push(performance.now() - t)
      if (process.env.BENCH_DEBUG) console.error('status read', (performance.now() - t).toFixed(2))
      if (rows.length !== services.length) throw new Error('status does not list every service')
    }
    return { rows: rounds * services.length, fillS, statusReadMs: median(times) }
  } finally {
    store.close()
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
