/** A database with external services, synced from a real config, for the tests of external checks. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { Store } from '../../db/store.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { loadCheckTypes } from '../../src/engine/load-types.ts'
import { tempDir } from '../helpers/temp-dir.ts'

/**
 * Two teams; `ssh` is checked by rounds, `plant` (10 points) is external; an SLA of 7 points
 * after 2 failed checks in a row.
 */
export const EXTERNAL_YAML = `
name: External checks
defaults: { timeout: 2s, points: 5 }
sla: { threshold: 2, penalty: 7 }
teams: [ { number: 1, name: Blue Herons }, { number: 2, name: Night Owls } ]
services:
  - { name: ssh, type: tcp, host: 127.0.0.1, port: 1 }
  - { name: plant, type: http, host: 127.0.0.1, port: 8000, url: /plants, external: true, points: 10 }
`

export interface ExternalCompetition {
  dir: string
  db: string
  /** Service ids by `team/name`. */
  ids: Record<string, number>
}

/** Writes `yaml` as competition.yaml in a temp dir and syncs it into scanner.db there. */
export async function externalCompetition(
  t: TestContext,
  yaml = EXTERNAL_YAML,
): Promise<ExternalCompetition> {
  const dir = tempDir(t)
  const config = join(dir, 'competition.yaml')
  writeFileSync(config, yaml)
  const { registry } = await loadCheckTypes([])
  const db = join(dir, 'scanner.db')
  const store = Store.open(db)
  try {
    store.syncCompetition(loadConfig(config, registry))
    const ids = Object.fromEntries(store.activeServices().map((s) => [`${s.team}/${s.name}`, s.id]))
    return { dir, db, ids }
  } finally {
    store.close()
  }
}

/** Every row a score can change, as text: equal before and after means nothing was written. */
export function snapshot(dbFile: string): string {
  const db = new Database(dbFile, { readonly: true })
  try {
    const tables = ['scores', 'service_errors', 'service_state', 'penalties', 'rounds']
    return JSON.stringify(tables.map((table) => db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all()))
  } finally {
    db.close()
  }
}
