/**
 * The reads of the web pages (`scanner serve`), on a read-only connection beside a running
 * scanner. Every query here is bounded by the number of services or by an index range: a page
 * never scans the whole `scores` table (500 rounds x 1500 services is 750 000 rows).
 */
import type Database from 'better-sqlite3'
import type { SqliteDatabase } from './open-database.ts'
import { readPause } from './pause-setting.ts'
import type { ServiceRow } from './rows.ts'

/** The latest state of one active service, with what the pages need to decide who sees it. */
export type ServiceStateRow = Pick<
  ServiceRow,
  | 'id'
  | 'team'
  | 'team_name'
  | 'name'
  | 'subtype'
  | 'host'
  | 'port'
  | 'external'
  | 'public_visibility'
  | 'blue_visibility'
  | 'green_visibility'
  | 'red_visibility'
  | 'administratively_down'
  | 'down_reason'
  | 'score_cap'
> & {
  last_scan: number | null
  last_scan_time: string | null
  last_scan_error: string | null
  last_score_id: number | null
  in_progress: number
  score: number | null
  stage: string | null
  points: number
  penalties: number
  checks: number
  up_checks: number
}

/** One team's totals over all its services, retired ones included (their points were earned). */
export interface TeamTotalRow {
  team: number
  team_name: string
  points: number
  penalties: number
}

export interface RoundRow {
  id: number
  started_at: string
  finished_at: string | null
  status: string
}

/** One recorded score, with its service (and the service's visibility flags). */
export interface ScoreRow {
  id: number
  round_id: number | null
  service_id: number
  team: number
  team_name: string
  service: string
  public_visibility: number
  blue_visibility: number
  green_visibility: number
  red_visibility: number
  score: number
  raw_score: number
  up: number
  stage: string | null
  error: string | null
  duration_ms: number | null
  created_at: string
}

/** Points (and penalties) a team got in one round. */
export interface RoundTeamSum {
  round_id: number
  team: number
  points: number
}

export interface ServiceErrorRow {
  id: number
  score_id: number
  detail: string
  created_at: string
  round_id: number | null
  team: number
  service: string
  stage: string | null
  error: string | null
}

export interface ControlLogRow {
  id: number
  team: number
  service: string
  action: string
  value: number | null
  reason: string | null
  actor: string
  created_at: string
}

/** A password change request, without its password. */
export interface PasswordChangeRow {
  id: number
  team: number
  source: string
  key: string
  username: string
  actor: string
  created_at: string
}

const STATE_SQL = `
  SELECT s.id, s.team, t.name AS team_name, s.name, s.subtype, s.host, s.port, s.external,
         s.public_visibility, s.blue_visibility, s.green_visibility, s.red_visibility,
         s.administratively_down, s.down_reason, s.score_cap,
         st.last_scan, st.last_scan_time, st.last_scan_error, st.last_score_id,
         COALESCE(st.in_progress, 0) AS in_progress, sc.score, sc.stage,
         COALESCE(st.points, 0) AS points, COALESCE(st.penalties, 0) AS penalties,
         COALESCE(st.checks, 0) AS checks, COALESCE(st.up_checks, 0) AS up_checks
  FROM services s JOIN teams t ON t.number = s.team
  LEFT JOIN service_state st ON st.service_id = s.id
  LEFT JOIN scores sc ON sc.id = st.last_score_id
  WHERE s.retired_at IS NULL AND t.retired_at IS NULL`

const SCORE_COLUMNS = `sc.id, sc.round_id, sc.service_id, s.team, t.name AS team_name, s.name AS service,
  s.public_visibility, s.blue_visibility, s.green_visibility, s.red_visibility,
  sc.score, sc.raw_score, sc.up, sc.stage, sc.error, sc.duration_ms, sc.created_at`

/** Read queries of the web pages; statements prepared once. */
export class WebQueries {
  readonly #db: SqliteDatabase
  readonly #statements = new Map<string, Database.Statement>()

  constructor(db: SqliteDatabase) {
    this.#db = db
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql)
    if (!statement) {
      statement = this.#db.prepare(sql)
      this.#statements.set(sql, statement)
    }
    return statement
  }

  /**
   * Changes whenever another connection commits: the live updates re-read the state only then.
   * (SQLite's `PRAGMA data_version`, per connection, costs no table read.)
   */
  dataVersion(): number {
    return this.#db.pragma('data_version', { simple: true }) as number
  }

  /** Latest state of every active team x service, in team and service order. */
  serviceStates(): ServiceStateRow[] {
    return this.#statement(`${STATE_SQL} ORDER BY s.team, s.id`).all() as ServiceStateRow[]
  }

  serviceState(id: number): ServiceStateRow | undefined {
    return this.#statement(`${STATE_SQL} AND s.id = ?`).get(id) as ServiceStateRow | undefined
  }

  teams(): { number: number; name: string }[] {
    return this.#statement(
      'SELECT number, name FROM teams WHERE retired_at IS NULL ORDER BY number',
    ).all() as {
      number: number
      name: string
    }[]
  }

  teamTotals(): TeamTotalRow[] {
    return this.#statement(
      `SELECT t.number AS team, t.name AS team_name,
              COALESCE(SUM(st.points), 0) AS points, COALESCE(SUM(st.penalties), 0) AS penalties
       FROM teams t LEFT JOIN services s ON s.team = t.number
       LEFT JOIN service_state st ON st.service_id = s.id
       WHERE t.retired_at IS NULL GROUP BY t.number ORDER BY t.number`,
    ).all() as TeamTotalRow[]
  }

  /** Rounds, newest first. */
  rounds(limit: number): RoundRow[] {
    return this.#statement(
      'SELECT id, started_at, finished_at, status FROM rounds ORDER BY id DESC LIMIT ?',
    ).all(limit) as RoundRow[]
  }

  round(id: number): RoundRow | undefined {
    return this.#statement('SELECT id, started_at, finished_at, status FROM rounds WHERE id = ?').get(id) as
      RoundRow | undefined
  }

  /** The round before which every round is over (none running): the chart stops there. */
  lastSettledRound(): number {
    const row = this.#statement(
      `SELECT COALESCE((SELECT MIN(id) - 1 FROM rounds WHERE status = 'running'), (SELECT MAX(id) FROM rounds), 0) AS id`,
    ).get() as { id: number }
    return row.id
  }

  /** Points per team in each round after `after` up to `upTo` (by the round index). */
  roundPoints(after: number, upTo: number): RoundTeamSum[] {
    return this.#statement(
      `SELECT sc.round_id, s.team, SUM(sc.score) AS points
       FROM scores sc CROSS JOIN services s ON s.id = sc.service_id
       WHERE sc.round_id > ? AND sc.round_id <= ? GROUP BY sc.round_id, s.team`,
    ).all(after, upTo) as RoundTeamSum[]
  }

  /** SLA penalties per team in each round after `after` up to `upTo` (few rows). */
  roundPenalties(after: number, upTo: number): RoundTeamSum[] {
    return this.#statement(
      `SELECT sc.round_id, s.team, SUM(p.points) AS points
       FROM penalties p JOIN scores sc ON sc.id = p.score_id JOIN services s ON s.id = p.service_id
       WHERE sc.round_id > ? AND sc.round_id <= ? GROUP BY sc.round_id, s.team`,
    ).all(after, upTo) as RoundTeamSum[]
  }

  /** Every score of a round (through the round index). */
  roundScores(roundId: number): ScoreRow[] {
    return this.#statement(
      `SELECT ${SCORE_COLUMNS} FROM scores sc CROSS JOIN services s ON s.id = sc.service_id
       JOIN teams t ON t.number = s.team
       WHERE sc.round_id = ? ORDER BY s.team, s.id`,
    ).all(roundId) as ScoreRow[]
  }

  /** A team's scores in the rounds from `fromRound` on (through the round index), newest first. */
  teamScoresSince(team: number, fromRound: number): ScoreRow[] {
    return this.#statement(
      `SELECT ${SCORE_COLUMNS} FROM scores sc CROSS JOIN services s ON s.id = sc.service_id
       JOIN teams t ON t.number = s.team
       WHERE sc.round_id >= ? AND s.team = ? ORDER BY sc.round_id DESC, s.id`,
    ).all(fromRound, team) as ScoreRow[]
  }

  /** Durations of the checks of a round, in milliseconds. */
  roundDurations(roundId: number): number[] {
    return (
      this.#statement('SELECT duration_ms FROM scores WHERE round_id = ? AND duration_ms IS NOT NULL').all(
        roundId,
      ) as { duration_ms: number }[]
    ).map((r) => r.duration_ms)
  }

  roundCounts(): { status: string; count: number }[] {
    return this.#statement('SELECT status, COUNT(*) AS count FROM rounds GROUP BY status').all() as {
      status: string
      count: number
    }[]
  }

  /** The admin details of failed checks, newest first (optionally of one team). */
  serviceErrors(limit: number, team: number | null): ServiceErrorRow[] {
    return this.#statement(
      `SELECT se.id, se.score_id, se.detail, se.created_at, sc.round_id, s.team, s.name AS service,
              sc.stage, sc.error
       FROM service_errors se JOIN scores sc ON sc.id = se.score_id JOIN services s ON s.id = sc.service_id
       WHERE ? IS NULL OR s.team = ? ORDER BY se.id DESC LIMIT ?`,
    ).all(team, team, limit) as ServiceErrorRow[]
  }

  controlLog(limit: number): ControlLogRow[] {
    return this.#statement(
      `SELECT l.id, s.team, s.name AS service, l.action, l.value, l.reason, l.actor, l.created_at
       FROM service_control_log l JOIN services s ON s.id = l.service_id ORDER BY l.id DESC LIMIT ?`,
    ).all(limit) as ControlLogRow[]
  }

  passwordChanges(limit: number): PasswordChangeRow[] {
    return this.#statement(
      `SELECT id, team, source, key, username, actor, created_at FROM password_changes ORDER BY id DESC LIMIT ?`,
    ).all(limit) as PasswordChangeRow[]
  }

  /** Whether rounds are paused (`scanner pause`, or the admin page). */
  paused(): boolean {
    return readPause(this.#db) !== null
  }
}
