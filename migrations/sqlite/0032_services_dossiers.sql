-- Dossiers of the public service portal (issue 14): filed online (a draft first) or recorded at
-- the one-stop desk, processed through the national statuses 1–10 (0 is a draft, never sent to
-- the national portal), with every step on the dossier's timeline, its files (papers and the
-- result, by SHA-256 in platform::files) and a per-agency, per-day counter for its code.
CREATE TABLE svc_dossiers (
    id               INTEGER PRIMARY KEY,
    code             TEXT    UNIQUE,              -- set at submission
    secret_hash      TEXT,                        -- SHA-256 of the receipt's lookup secret
    version_id       INTEGER NOT NULL REFERENCES svc_procedure_versions(id),
    procedure_code   TEXT    NOT NULL,
    procedure_name   TEXT    NOT NULL,
    field_code       TEXT    NOT NULL,
    agency_id        INTEGER NOT NULL REFERENCES agencies(id),
    channel          INTEGER NOT NULL CHECK (channel IN (1, 2, 3)),
    status           INTEGER NOT NULL CHECK (status BETWEEN 0 AND 10),
    applicant_user_id INTEGER REFERENCES users(id),
    applicant_kind   TEXT    NOT NULL CHECK (applicant_kind IN ('citizen', 'business')),
    applicant_id     TEXT    NOT NULL DEFAULT '',
    applicant_name   TEXT    NOT NULL,
    phone            TEXT    NOT NULL DEFAULT '',
    email            TEXT    NOT NULL DEFAULT '',
    address          TEXT    NOT NULL DEFAULT '',
    lang             TEXT    NOT NULL DEFAULT 'vi',
    summary          TEXT    NOT NULL DEFAULT '',
    form_data        TEXT    NOT NULL DEFAULT '{}',
    fee_vnd          INTEGER NOT NULL DEFAULT 0,
    fee_paid         INTEGER NOT NULL DEFAULT 0,
    holder_user_id   INTEGER REFERENCES users(id),
    holder_note      TEXT    NOT NULL DEFAULT '',
    reason           TEXT    NOT NULL DEFAULT '',
    received_at      INTEGER,
    due_date         TEXT,                        -- the appointment, yyyy-mm-dd (Việt Nam)
    stopped_on       TEXT,                        -- the clock stands still since (yyyy-mm-dd)
    finished_at      INTEGER,
    returned_at      INTEGER,
    on_time          INTEGER,                     -- settled by the appointment (1) or late (0)
    result_sha256    TEXT,
    result_name      TEXT,
    events           INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
-- The desk's worklist: an agency's dossiers in a status, by appointment (keyset paging).
CREATE INDEX svc_dossiers_desk ON svc_dossiers (agency_id, status, due_date, id);
CREATE INDEX svc_dossiers_applicant ON svc_dossiers (applicant_user_id, id);
CREATE INDEX svc_dossiers_received ON svc_dossiers (agency_id, received_at);

CREATE TABLE svc_dossier_events (
    id          INTEGER PRIMARY KEY,
    dossier_id  INTEGER NOT NULL REFERENCES svc_dossiers(id),
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    status_from INTEGER NOT NULL,
    status_to   INTEGER NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    UNIQUE (dossier_id, seq)
);

CREATE TABLE svc_dossier_files (
    id          INTEGER PRIMARY KEY,
    dossier_id  INTEGER NOT NULL REFERENCES svc_dossiers(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('paper', 'result')),
    name        TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    added_at    INTEGER NOT NULL,
    added_by    INTEGER
);
CREATE INDEX svc_dossier_files_dossier ON svc_dossier_files (dossier_id, id);

-- The next sequence number of an agency's dossiers received on a day (its code's tail).
CREATE TABLE svc_dossier_counters (
    agency_id INTEGER NOT NULL,
    day       TEXT    NOT NULL,
    next      INTEGER NOT NULL,
    PRIMARY KEY (agency_id, day)
);
