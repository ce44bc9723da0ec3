-- Reporting: indicator catalogue, report templates, holidays, submissions, values and their history.

CREATE TABLE indicators (
    id                INTEGER PRIMARY KEY,
    code              TEXT    NOT NULL UNIQUE,
    name_vi           TEXT    NOT NULL,
    name_en           TEXT    NOT NULL,
    unit_vi           TEXT    NOT NULL,
    unit_en           TEXT    NOT NULL,
    domain            INTEGER NOT NULL CHECK (domain BETWEEN 1 AND 9),
    value_type        TEXT    NOT NULL CHECK (value_type IN ('number', 'percent', 'index', 'integer')),
    decimals          INTEGER NOT NULL CHECK (decimals BETWEEN 0 AND 6),
    periodicity       TEXT    NOT NULL CHECK (periodicity IN ('month', 'quarter', 'year')),
    agg_units         TEXT    NOT NULL CHECK (agg_units IN ('sum', 'avg', 'wavg', 'min', 'max', 'none')),
    agg_weight        TEXT,
    agg_time          TEXT    NOT NULL CHECK (agg_time IN ('sum', 'avg', 'last', 'none')),
    formula           TEXT,
    agency_code       TEXT,
    is_public         INTEGER NOT NULL DEFAULT 1,
    monthly_provincial INTEGER NOT NULL DEFAULT 0,
    lower_bound       REAL,
    valid_from        TEXT,
    valid_to          TEXT
);

-- A report template (biểu mẫu): which indicators, for which level of reporting unit, how often,
-- and the deadline in working days after the data cut-off.
CREATE TABLE report_templates (
    id             INTEGER PRIMARY KEY,
    code           TEXT    NOT NULL UNIQUE,
    name_vi        TEXT    NOT NULL,
    name_en        TEXT    NOT NULL,
    period_kind    TEXT    NOT NULL,
    unit_level     TEXT    NOT NULL,
    deadline_days  INTEGER NOT NULL
);

CREATE TABLE template_indicators (
    template_id  INTEGER NOT NULL REFERENCES report_templates(id),
    indicator_id INTEGER NOT NULL REFERENCES indicators(id),
    position     INTEGER NOT NULL,
    PRIMARY KEY (template_id, indicator_id)
);

CREATE TABLE holidays (
    day  TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

-- One report of one unit for one period (báo cáo), with its workflow state.
CREATE TABLE submissions (
    id             INTEGER PRIMARY KEY,
    template_id    INTEGER NOT NULL REFERENCES report_templates(id),
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    period         TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    version        INTEGER NOT NULL DEFAULT 1,
    submitted_at   INTEGER,
    submitted_by   TEXT,
    decided_at     INTEGER,
    decided_by     TEXT,
    return_reason  TEXT,
    updated_at     INTEGER NOT NULL,
    UNIQUE (template_id, unit_id, period)
);
CREATE INDEX submissions_period ON submissions (period, status);

-- The current value of an indicator for a unit and period. `approved` mirrors the submission's
-- state so that aggregates read one table.
CREATE TABLE data_values (
    indicator_id   INTEGER NOT NULL REFERENCES indicators(id),
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    period         TEXT    NOT NULL,
    value          REAL    NOT NULL,
    submission_id  INTEGER REFERENCES submissions(id),
    approved       INTEGER NOT NULL DEFAULT 0,
    explanation    TEXT,
    updated_at     INTEGER NOT NULL,
    updated_by     TEXT    NOT NULL,
    PRIMARY KEY (indicator_id, period, unit_id)
);
CREATE INDEX data_values_unit ON data_values (unit_id, period);

-- Every change of every value: who, when, old, new, why.
CREATE TABLE value_history (
    id           INTEGER PRIMARY KEY,
    indicator_id INTEGER NOT NULL,
    unit_id      INTEGER NOT NULL,
    period       TEXT    NOT NULL,
    old_value    REAL,
    new_value    REAL,
    action       TEXT    NOT NULL,
    reason       TEXT,
    at           INTEGER NOT NULL,
    actor        TEXT    NOT NULL
);
CREATE INDEX value_history_key ON value_history (indicator_id, unit_id, period, id);
