-- Platform: identity and access, sessions, API tokens, audit chain, jobs, locks.
-- Instants are Unix milliseconds (INTEGER); dates are ISO 'YYYY-MM-DD' text.

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT    NOT NULL UNIQUE,
    display_name        TEXT    NOT NULL,
    email               TEXT,
    password_hash       TEXT    NOT NULL,
    locale              TEXT    CHECK (locale IN ('vi', 'en')),
    is_active           INTEGER NOT NULL DEFAULT 1,
    -- Accounts made by `egov demo`, whose passwords are written to a file: `egov serve` refuses
    -- to start while any of them is active.
    is_demo             INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    totp_secret         TEXT,
    totp_enabled        INTEGER NOT NULL DEFAULT 0,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE TABLE grants (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    role        TEXT    NOT NULL CHECK (role IN ('system_admin', 'agency_admin', 'reporter', 'approver', 'viewer')),
    scope_kind  TEXT    NOT NULL CHECK (scope_kind IN ('national', 'agency', 'unit')),
    scope_id    INTEGER,
    created_at  INTEGER NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    revoked_at  INTEGER,
    CHECK ((scope_kind = 'national') = (scope_id IS NULL))
);
CREATE INDEX grants_user ON grants (user_id) WHERE revoked_at IS NULL;

CREATE TABLE sessions (
    id_hash         TEXT    PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    second_factor_ok INTEGER NOT NULL DEFAULT 0,
    ip              TEXT,
    user_agent      TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    token_prefix TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('agency_admin', 'reporter', 'approver', 'viewer')),
    scope_kind   TEXT    NOT NULL CHECK (scope_kind IN ('national', 'agency', 'unit')),
    scope_id     INTEGER,
    created_by   INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER,
    CHECK ((scope_kind = 'national') = (scope_id IS NULL))
);

CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor_id     INTEGER,
    actor_name   TEXT    NOT NULL,
    ip           TEXT,
    action       TEXT    NOT NULL,
    object_type  TEXT    NOT NULL,
    object_id    TEXT    NOT NULL,
    before_json  TEXT,
    after_json   TEXT,
    prev_hash    TEXT    NOT NULL,
    hash         TEXT    NOT NULL
);
CREATE INDEX audit_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_object ON audit_log (object_type, object_id, seq);
CREATE INDEX audit_at ON audit_log (at);

-- The head of the chain: one row, updated in the same transaction as each append, which also
-- serialises appenders.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: the application never updates or deletes audit rows.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    dedupe_key   TEXT    UNIQUE,
    state        TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    run_at       INTEGER NOT NULL,
    locked_by    TEXT,
    locked_until INTEGER,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX jobs_ready ON jobs (state, run_at);

CREATE TABLE locks (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
