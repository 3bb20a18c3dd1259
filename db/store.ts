import type { Competition } from '../src/config/competition.ts'
import type { CheckResult } from '../src/engine/check-result.ts'
import type { Credentials, Service, TeamData, TeamInfoValue } from '../src/service.ts'
import type { CheckDatabase } from '../src/service-type.ts'
import type Database from 'better-sqlite3'
import {
  finishExternalCheck,
  insertExternalScore,
  reportExternalError,
  startExternalCheck,
  type Score,
} from './external-scores.ts'
import { isoTime } from './iso-time.ts'
import { openDatabase, type OpenOptions, type SqliteDatabase } from './open-database.ts'
import {
  applyPasswordChanges,
  passwordChangeHistory,
  recordPasswordChanges,
  type PasswordChange,
  type PasswordChangeEntry,
} from './password-changes.ts'
import {
  externalScoreCount,
  externalScoreRows,
  roundScoreRows,
  type ExportedExternalScore,
  type RoundScoreRow,
} from './score-export.ts'
import { pauseRounds, readPause, resumeRounds, type PauseState } from './pause-setting.ts'
import { serviceFromRow, type ServiceRow } from './rows.ts'
import { acquireRunLock, liveRunner, releaseRunLock } from './run-lock.ts'
import { scoreTotals, type TeamTotals } from './score-totals.ts'
import { controlLog, setCap, setDown, type ControlLogEntry } from './service-controls.ts'
import { syncCompetition, type SyncSummary } from './sync-competition.ts'

/** A result ready to be written: the check result with the score after the cap. */
export interface ScoreToRecord extends CheckResult {
  rawScore: number
  /** Scored 0 because the white team took the service down: not a failure for the SLA. */
  administrativelyDown: boolean
}

/** Service level agreement: `penalty` points each time `threshold` checks in a row fail. */
export interface Sla {
  threshold: number
  penalty: number
}

/** Latest state of one service, as `scanner status` shows it. */
export interface StatusRow {
  team: number
  team_name: string
  service: string
  id: number
  type: string
  host: string
  port: number
  up: boolean | null
  score: number | null
  stage: string | null
  error: string | null
  last_scan_time: string | null
  in_progress: boolean
  administratively_down: boolean
  down_reason: string | null
  score_cap: number | null
}

const SERVICE_COLUMNS = `s.*, t.name AS team_name`

/** A service's latest state and running totals after one more score (see `#recordScore`). */
const UPDATE_STATE = `UPDATE service_state SET last_scan = ?, last_scan_time = ?, last_scan_error = ?,
    last_score_id = ?, points = points + ?, checks = checks + 1, up_checks = up_checks + ?,
    failures_in_a_row = CASE WHEN ? THEN 0 WHEN ? THEN failures_in_a_row + 1 ELSE failures_in_a_row END
  WHERE service_id = ?`
/** The same, for a service with an SLA: the failures in a row decide its penalty. */
const UPDATE_STATE_RETURNING_RUN = `${UPDATE_STATE} RETURNING failures_in_a_row`

/** The scanner's database: the only module that talks SQL to the engine and the CLI. */
export class Store implements CheckDatabase {
  readonly db: SqliteDatabase
  readonly #statements = new Map<string, Database.Statement>()

  constructor(db: SqliteDatabase) {
    this.db = db
  }

  /** A prepared statement, prepared once per store (preparing costs more than running). */
  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql)
      this.#statements.set(sql, statement)
    }
    return statement
  }

  static open(file: string, options: OpenOptions = {}): Store {
    return new Store(openDatabase(file, options))
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  syncCompetition(competition: Competition): SyncSummary {
    return syncCompetition(this.db, competition)
  }

  /** Takes the run lock (one round at a time per database) and repairs what a killed run left. */
  acquireRunLock(): { repaired: number } {
    return acquireRunLock(this.db)
  }

  releaseRunLock(): void {
    releaseRunLock(this.db)
  }

  /** Active (not retired) services with their team names, in team and name order. */
  activeServices(): Service[] {
    const rows = this.db
      .prepare<[], ServiceRow>(
        `SELECT ${SERVICE_COLUMNS} FROM services s JOIN teams t ON t.number = s.team
         WHERE s.retired_at IS NULL ORDER BY s.team, s.id`,
      )
      .all()
    return rows.map(serviceFromRow)
  }

  /** Team info and credential pools of the active teams, password changes (PCRs) applied. */
  teams(): Map<number, TeamData> {
    const teams = new Map<number, TeamData>()
    for (const t of this.db
      .prepare<[], { number: number; name: string }>(
        'SELECT number, name FROM teams WHERE retired_at IS NULL ORDER BY number',
      )
      .all()) {
      teams.set(t.number, { number: t.number, name: t.name, info: {}, pools: {} })
    }
    for (const row of this.db
      .prepare<[], { team: number; key: string; value: string }>('SELECT * FROM team_info')
      .all()) {
      const team = teams.get(row.team)
      if (team) team.info[row.key] = JSON.parse(row.value) as TeamInfoValue
    }
    for (const row of this.db
      .prepare<[], { team: number; pool: string; username: string; password: string }>(
        'SELECT team, pool, username, password FROM pool_credentials ORDER BY team, pool, position',
      )
      .all()) {
      const team = teams.get(row.team)
      if (!team) continue
      const pool: Credentials[] = (team.pools[row.pool] ??= [])
      pool.push({ username: row.username, password: row.password })
    }
    applyPasswordChanges(this.db, teams)
    return teams
  }

  beginRound(): number {
    const info = this.db
      .prepare(`INSERT INTO rounds (started_at, status, pid) VALUES (?, 'running', ?)`)
      .run(new Date().toISOString(), process.pid)
    return Number(info.lastInsertRowid)
  }

  markInProgress(serviceId: number): void {
    this.#statement('UPDATE service_state SET in_progress = 1 WHERE service_id = ?').run(serviceId)
  }

  markFinished(serviceId: number): void {
    this.#statement('UPDATE service_state SET in_progress = 0 WHERE service_id = ?').run(serviceId)
  }

  /** Runs `fn` in one write transaction. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate()
  }

  /**
   * Writes a round's scores in one transaction (see `recordRoundScores`), with foreign-key checks
   * off for it: they cost 40% of the write, and the rows reference the round just begun and
   * services just read, which are never deleted (only retired).
   */
  writeRound(roundId: number, scores: readonly ScoreToRecord[]): void {
    this.db.pragma('foreign_keys = OFF')
    try {
      this.transaction(() => this.recordRoundScores(roundId, scores))
    } finally {
      this.db.pragma('foreign_keys = ON')
    }
  }

  /**
   * Writes every score of a round, the admin details of the failed checks (ServiceErrors), the
   * latest state and running totals of each service (SLA penalties included), and marks the round
   * complete: all in the caller's transaction, so a round is never half written.
   */
  recordRoundScores(roundId: number, scores: readonly ScoreToRecord[]): void {
    const now = new Date().toISOString()
    const slas = this.#slas()
    for (const s of scores) this.#recordScore(roundId, s, slas.get(s.serviceId), now)
    this.#statement(`UPDATE rounds SET status = 'complete', finished_at = ? WHERE id = ?`).run(now, roundId)
  }

  /** The SLA of every active service that has one. */
  #slas(): Map<number, Sla> {
    const rows = this.#statement(
      `SELECT id, sla_threshold, sla_penalty FROM services
       WHERE retired_at IS NULL AND sla_threshold IS NOT NULL`,
    ).all() as { id: number; sla_threshold: number; sla_penalty: number }[]
    return new Map(rows.map((r) => [r.id, { threshold: r.sla_threshold, penalty: r.sla_penalty }]))
  }

  /**
   * Writes one score outside `recordRoundScores` (an external check's, `roundId` null) through the
   * same path as a round's scores: ServiceError, latest state, running totals, SLA penalty. In the
   * caller's transaction. Returns the score id.
   */
  recordScore(roundId: number | null, score: ScoreToRecord): number {
    const sla = this.#statement(
      'SELECT sla_threshold, sla_penalty FROM services WHERE id = ? AND sla_threshold IS NOT NULL',
    ).get(score.serviceId) as { sla_threshold: number; sla_penalty: number } | undefined
    const slaOf = sla && { threshold: sla.sla_threshold, penalty: sla.sla_penalty }
    return this.#recordScore(roundId, score, slaOf, new Date().toISOString())
  }

  /** External checks (see db/external-scores.ts): shows the in-progress spinner of an external service. */
  insertServiceScoreInProgress(serviceId: number): void {
    startExternalCheck(this, serviceId)
  }

  /** External checks: records the result of an external service, capped, outside any round. */
  insertServiceScore(serviceId: number, result: number, errorMsg: string | null): Score {
    return insertExternalScore(this, serviceId, result, errorMsg)
  }

  /** External checks: hides the in-progress spinner of an external service. */
  insertServiceScoreDone(serviceId: number): void {
    finishExternalCheck(this, serviceId)
  }

  /** External checks: keeps the admin detail of an external score (a ServiceError); returns its id. */
  reportServiceError(scoreId: number, error: string): number {
    return reportExternalError(this, scoreId, error)
  }

  /**
   * Writes one score (of a round, or external when `roundId` is null) with its ServiceError, and
   * updates the service's latest state and totals. A failed check lengthens the run of failures,
   * one that is up ends it; each time the run reaches a multiple of the SLA threshold, a penalty
   * is recorded. An administratively down service neither lengthens nor ends the run: the white
   * team's decision is not the team's outage. Returns the score id.
   */
  #recordScore(roundId: number | null, s: ScoreToRecord, sla: Sla | undefined, now: string): number {
    const time = isoTime(s.startedAt + s.durationMs)
    const { lastInsertRowid } = this.#statement(
      `INSERT INTO scores (round_id, service_id, score, raw_score, up, stage, error, duration_ms, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(roundId, s.serviceId, s.score, s.rawScore, s.up ? 1 : 0, s.stage, s.error, s.durationMs, time)
    const scoreId = Number(lastInsertRowid)
    if (!s.up && s.detail !== null) {
      this.#statement('INSERT INTO service_errors (score_id, detail, created_at) VALUES (?, ?, ?)').run(
        scoreId,
        s.detail,
        now,
      )
    }
    const failed = !s.up && !s.administrativelyDown ? 1 : 0
    const up = s.up ? 1 : 0
    const values = [up, time, s.error, scoreId, s.score, up, up, failed, s.serviceId]
    if (sla === undefined) {
      this.#statement(UPDATE_STATE).run(values)
      return scoreId
    }
    const state = this.#statement(UPDATE_STATE_RETURNING_RUN).get(values) as
      { failures_in_a_row: number } | undefined
    const run = state?.failures_in_a_row ?? 0
    if (failed === 1 && run > 0 && run % sla.threshold === 0) {
      this.#statement(
        'INSERT INTO penalties (service_id, score_id, points, reason, created_at) VALUES (?, ?, ?, ?, ?)',
      ).run(s.serviceId, scoreId, sla.penalty, `SLA: ${run} failed checks in a row`, time)
      this.#statement('UPDATE service_state SET penalties = penalties + ? WHERE service_id = ?').run(
        sla.penalty,
        s.serviceId,
      )
    }
    return scoreId
  }

  abortRound(roundId: number): void {
    this.db
      .prepare(`UPDATE rounds SET status = 'aborted', finished_at = ? WHERE id = ? AND status = 'running'`)
      .run(new Date().toISOString(), roundId)
    // External services keep theirs: their scripts run apart from rounds and clear their own.
    this.db
      .prepare(
        `UPDATE service_state SET in_progress = 0
         WHERE in_progress = 1 AND service_id IN (SELECT id FROM services WHERE external = 0)`,
      )
      .run()
  }

  /** Latest state of every active team x service. */
  status(): StatusRow[] {
    type Row = Pick<
      ServiceRow,
      | 'id'
      | 'team'
      | 'team_name'
      | 'name'
      | 'subtype'
      | 'host'
      | 'port'
      | 'administratively_down'
      | 'down_reason'
      | 'score_cap'
    > & {
      last_scan: number | null
      last_scan_error: string | null
      last_scan_time: string | null
      in_progress: number | null
      score: number | null
      stage: string | null
    }
    const rows = this.#statement(
      `SELECT s.id, s.team, t.name AS team_name, s.name, s.subtype, s.host, s.port, st.last_scan,
              st.last_scan_error, st.last_scan_time, st.in_progress, s.administratively_down,
              s.down_reason, s.score_cap, sc.score AS score, sc.stage AS stage
       FROM services s JOIN teams t ON t.number = s.team
       LEFT JOIN service_state st ON st.service_id = s.id
       LEFT JOIN scores sc ON sc.id = st.last_score_id
       WHERE s.retired_at IS NULL ORDER BY s.team, s.id`,
    ).all() as Row[]
    return rows.map((r) => ({
      team: r.team,
      team_name: r.team_name,
      service: r.name,
      id: r.id,
      type: r.subtype,
      host: r.host,
      port: r.port,
      up: r.last_scan === null ? null : r.last_scan === 1,
      score: r.score,
      stage: r.stage,
      error: r.last_scan_error,
      last_scan_time: r.last_scan_time,
      in_progress: r.in_progress === 1,
      administratively_down: r.administratively_down === 1,
      down_reason: r.down_reason,
      score_cap: r.score_cap,
    }))
  }

  /**
   * White-team control: takes a service administratively down with `reason` (or back up), logged
   * with `actor` in the same transaction. False when the service was already so (nothing written).
   */
  setAdministrativelyDown(serviceId: number, down: boolean, reason: string | null, actor = 'cli'): boolean {
    return setDown(this.db, serviceId, down, reason, actor)
  }

  /** White-team control: sets (or clears, with null) the score cap, logged like `setAdministrativelyDown`. */
  setScoreCap(serviceId: number, cap: number | null, actor = 'cli'): boolean {
    return setCap(this.db, serviceId, cap, actor)
  }

  /** The white-team control log, oldest first; of one service when `serviceId` is given. */
  controlLog(serviceId?: number): ControlLogEntry[] {
    return controlLog(this.db, serviceId)
  }

  /** Every service, retired ones included, by id: what the commands look TEAM/SERVICE up in. */
  serviceNames(): { id: number; team: number; teamName: string; name: string; retired: boolean }[] {
    return this.db
      .prepare<[], { id: number; team: number; teamName: string; name: string; retired: number }>(
        `SELECT s.id, s.team, t.name AS teamName, s.name, s.retired_at IS NOT NULL AS retired
         FROM services s JOIN teams t ON t.number = s.team ORDER BY s.team, s.id`,
      )
      .all()
      .map((r) => ({ ...r, retired: r.retired === 1 }))
  }

  /** Totals per team and service (caps applied, SLA penalties taken off), from the running totals. */
  scoreTotals(): TeamTotals[] {
    return scoreTotals(this.db)
  }

  /** Records password change requests in one transaction; `teams()` applies them from then on. */
  recordPasswordChanges(changes: readonly PasswordChange[], actor = 'cli'): void {
    recordPasswordChanges(this.db, changes, actor)
  }

  /** The history of password changes, without passwords. */
  passwordChanges(): PasswordChangeEntry[] {
    return passwordChangeHistory(this.db)
  }

  /** `scanner export`: every score of the finished rounds (or of round `roundId`), row by row. */
  exportRoundScores(roundId?: number): Generator<RoundScoreRow> {
    return roundScoreRows(this.db, roundId)
  }

  /** `scanner export --external`: every score of the external checks, row by row. */
  exportExternalScores(): Generator<ExportedExternalScore> {
    return externalScoreRows(this.db)
  }

  externalScoreCount(): number {
    return externalScoreCount(this.db)
  }

  /** The pause of rounds in force, or null when rounds run. */
  pause(): PauseState | null {
    return readPause(this.db)
  }

  /** Pauses rounds (a running scanner finishes its round in flight and starts no new one). */
  pauseRounds(reason: string | null, actor: string): { state: PauseState; changed: boolean } {
    return pauseRounds(this.db, reason, actor)
  }

  /** Resumes rounds; returns the pause lifted, or null when rounds were not paused. */
  resumeRounds(): PauseState | null {
    return resumeRounds(this.db)
  }

  /** The scanner process running rounds on this database, if one is alive. */
  runner(): { pid: number; host: string; started_at: string } | null {
    return liveRunner(this.db)
  }

  rounds(): { id: number; started_at: string; finished_at: string | null; status: string }[] {
    return this.db
      .prepare<[], { id: number; started_at: string; finished_at: string | null; status: string }>(
        'SELECT id, started_at, finished_at, status FROM rounds ORDER BY id',
      )
      .all()
  }
}
