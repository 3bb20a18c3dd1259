/**
 * Schema migrations, applied in order at start-up; `PRAGMA user_version` holds the last applied.
 * Kept as TypeScript strings so that they are part of the single-file bundle.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE teams (
    number      INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    retired_at  TEXT
  );
  CREATE TABLE team_info (
    team   INTEGER NOT NULL REFERENCES teams(number),
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,            -- JSON: a string, or {username, password}
    PRIMARY KEY (team, key)
  );
  CREATE TABLE pool_credentials (
    team      INTEGER NOT NULL REFERENCES teams(number),
    pool      TEXT NOT NULL,
    position  INTEGER NOT NULL,
    username  TEXT NOT NULL,
    password  TEXT NOT NULL,
    PRIMARY KEY (team, pool, position)
  );
  CREATE TABLE services (
    id                    INTEGER PRIMARY KEY,
    team                  INTEGER NOT NULL REFERENCES teams(number),
    name                  TEXT NOT NULL,
    subtype               TEXT NOT NULL,
    host                  TEXT NOT NULL,
    port                  INTEGER NOT NULL,
    url                   TEXT NOT NULL DEFAULT '/',
    external              INTEGER NOT NULL DEFAULT 0,
    username              TEXT,
    password              TEXT,
    credential_pool       TEXT,
    team_specific_info    TEXT,
    team_specific         INTEGER NOT NULL DEFAULT 0,
    protocol              TEXT,
    http_string           TEXT,
    http_regex            TEXT,
    points                INTEGER NOT NULL,
    timeout_ms            INTEGER NOT NULL,
    options               TEXT NOT NULL DEFAULT '{}',
    public_visibility     INTEGER NOT NULL DEFAULT 1,
    blue_visibility       INTEGER NOT NULL DEFAULT 1,
    green_visibility      INTEGER NOT NULL DEFAULT 1,
    red_visibility        INTEGER NOT NULL DEFAULT 0,
    administratively_down INTEGER NOT NULL DEFAULT 0,
    down_reason           TEXT,
    score_cap             INTEGER,
    last_scan             INTEGER,   -- 1 up, 0 down, NULL never scanned
    last_scan_time        TEXT,
    last_scan_error       TEXT,
    last_score_id         INTEGER,
    in_progress           INTEGER NOT NULL DEFAULT 0,
    retired_at            TEXT,
    UNIQUE (team, name)
  );
  CREATE TABLE rounds (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    status       TEXT NOT NULL CHECK (status IN ('running', 'complete', 'aborted')),
    pid          INTEGER
  );
  CREATE TABLE scores (
    id          INTEGER PRIMARY KEY,
    round_id    INTEGER REFERENCES rounds(id),
    service_id  INTEGER NOT NULL REFERENCES services(id),
    score       INTEGER NOT NULL,
    raw_score   INTEGER NOT NULL,
    up          INTEGER NOT NULL,
    stage       TEXT,
    error       TEXT,
    duration_ms INTEGER,
    created_at  TEXT NOT NULL
  );
  CREATE INDEX scores_by_round ON scores (round_id, service_id);
  CREATE INDEX scores_by_service ON scores (service_id, id);
  CREATE TABLE service_errors (
    id          INTEGER PRIMARY KEY,
    score_id    INTEGER NOT NULL REFERENCES scores(id),
    detail      TEXT NOT NULL,
    created_at  TEXT NOT NULL
  );
  CREATE INDEX service_errors_by_score ON service_errors (score_id);
  CREATE TABLE runner (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    pid         INTEGER NOT NULL,
    host        TEXT NOT NULL,
    started_at  TEXT NOT NULL
  );
  `,
  // 2: the latest state of each service moves to a narrow table of its own (a round rewrites it
  // whole: narrow rows are fewer pages to write), and scores lose their by-service index (each
  // round's inserts landed on as many index pages as there are services: 6x the write time).
  `
  CREATE TABLE service_state (
    service_id      INTEGER PRIMARY KEY REFERENCES services(id),
    last_scan       INTEGER,   -- 1 up, 0 down, NULL never scanned
    last_scan_time  TEXT,
    last_scan_error TEXT,
    last_score_id   INTEGER,
    in_progress     INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO service_state (service_id, last_scan, last_scan_time, last_scan_error, last_score_id, in_progress)
    SELECT id, last_scan, last_scan_time, last_scan_error, last_score_id, in_progress FROM services;
  ALTER TABLE services DROP COLUMN last_scan;
  ALTER TABLE services DROP COLUMN last_scan_time;
  ALTER TABLE services DROP COLUMN last_scan_error;
  ALTER TABLE services DROP COLUMN last_score_id;
  ALTER TABLE services DROP COLUMN in_progress;
  DROP INDEX scores_by_service;
  `,
  // 3: competition-day operations. Running totals per service kept in service_state as scores are
  // written (never recomputed from every score), SLA penalties with the score that triggered
  // them, the log of white-team controls, password change requests, and settings shared by the
  // processes on one database (pause).
  `
  ALTER TABLE services ADD COLUMN sla_threshold INTEGER;   -- NULL: no SLA for this service
  ALTER TABLE services ADD COLUMN sla_penalty REAL;
  ALTER TABLE service_state ADD COLUMN points REAL NOT NULL DEFAULT 0;        -- sum of recorded (capped) scores
  ALTER TABLE service_state ADD COLUMN penalties REAL NOT NULL DEFAULT 0;     -- sum of SLA penalties
  ALTER TABLE service_state ADD COLUMN checks INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE service_state ADD COLUMN up_checks INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE service_state ADD COLUMN failures_in_a_row INTEGER NOT NULL DEFAULT 0;
  UPDATE service_state SET
    points = COALESCE((SELECT SUM(score) FROM scores WHERE service_id = service_state.service_id), 0),
    checks = (SELECT COUNT(*) FROM scores WHERE service_id = service_state.service_id),
    up_checks = (SELECT COUNT(*) FROM scores WHERE service_id = service_state.service_id AND up = 1);
  CREATE TABLE penalties (
    id          INTEGER PRIMARY KEY,
    service_id  INTEGER NOT NULL REFERENCES services(id),
    score_id    INTEGER NOT NULL REFERENCES scores(id),
    points      REAL NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL
  );
  CREATE INDEX penalties_by_service ON penalties (service_id);
  CREATE TABLE service_control_log (
    id          INTEGER PRIMARY KEY,
    service_id  INTEGER NOT NULL REFERENCES services(id),
    action      TEXT NOT NULL CHECK (action IN ('down', 'up', 'cap', 'uncap')),
    value       INTEGER,            -- the cap, for 'cap'
    reason      TEXT,
    actor       TEXT NOT NULL,      -- 'cli' or the name of the white-team user of the pages
    created_at  TEXT NOT NULL
  );
  CREATE TABLE password_changes (
    id          INTEGER PRIMARY KEY,
    team        INTEGER NOT NULL REFERENCES teams(number),
    source      TEXT NOT NULL CHECK (source IN ('pool', 'info')),
    key         TEXT NOT NULL,      -- the pool name or the team info key
    username    TEXT NOT NULL,
    password    TEXT NOT NULL,      -- the new password: the checks log in with it
    old_hash    TEXT,               -- scrypt hash of the password it replaced, never the password
    actor       TEXT NOT NULL,
    created_at  TEXT NOT NULL
  );
  CREATE INDEX password_changes_by_team ON password_changes (team, source, key, username, id);
  CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
  );
  `,
]
