-- Alerts of the operations center (issue 12): rules kept in the database and managed on
-- /operations/alerts/rules, and the alerts they raised, each once (dedupe_key: rule + subject +
-- period), with what was found and who acknowledged it. `kind` is not constrained here: the
-- model parses it, so kinds to come (a site down or back up) need no migration.
CREATE TABLE alert_rules (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    indicator   TEXT,
    template    TEXT,
    threshold   REAL,
    recipients  TEXT    NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    created_by  TEXT    NOT NULL
);

CREATE TABLE alerts (
    id                  INTEGER PRIMARY KEY,
    rule_id             INTEGER REFERENCES alert_rules(id),
    kind                TEXT    NOT NULL,
    subject             TEXT    NOT NULL,
    period              TEXT    NOT NULL,
    dedupe_key          TEXT    NOT NULL UNIQUE,
    value               REAL,
    threshold           REAL,
    detail              TEXT    NOT NULL DEFAULT '{}',
    raised_at           INTEGER NOT NULL,
    acknowledged_at     INTEGER,
    acknowledged_by     TEXT,
    acknowledged_by_id  INTEGER
);
CREATE INDEX alerts_raised ON alerts (raised_at);
