-- Values stored in key order and value history kept per change set.
--
-- data_values becomes a WITHOUT ROWID table clustered on its key (indicator, period, unit): a
-- national roll-up reads one contiguous range, and an insert touches one B-tree instead of two.
-- The workflow finds a report's values through (unit_id, period).
CREATE TABLE data_values_clustered (
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
) WITHOUT ROWID;
INSERT INTO data_values_clustered
    SELECT indicator_id, unit_id, period, value, submission_id, approved, explanation, updated_at, updated_by
    FROM data_values;
DROP TABLE data_values;
ALTER TABLE data_values_clustered RENAME TO data_values;
CREATE INDEX data_values_unit ON data_values (unit_id, period);

-- One row per change set (a report saved, submitted or corrected) instead of one per value: who,
-- when, why, and every value's old and new figure as JSON [[indicator_id, old, new], ...]. The
-- history of one value is read from its unit and period's change sets.
CREATE TABLE value_changes (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL,
    period        TEXT    NOT NULL,
    submission_id INTEGER,
    action        TEXT    NOT NULL,
    reason        TEXT,
    at            INTEGER NOT NULL,
    actor         TEXT    NOT NULL,
    changes       TEXT    NOT NULL
);
CREATE INDEX value_changes_key ON value_changes (unit_id, period, id);
INSERT INTO value_changes (unit_id, period, action, reason, at, actor, changes)
    SELECT unit_id, period, action, reason, at, actor,
           json_array(json_array(indicator_id, old_value, new_value))
    FROM value_history ORDER BY id;
DROP TABLE value_history;

-- Approved values of communes rolled up to their parent unit, kept current in the transaction
-- that approves or corrects them (no batch rebuild): a national roll-up of a commune-reported
-- indicator reads one row per province and period instead of every commune's.
CREATE TABLE area_totals (
    indicator_id  BIGINT  NOT NULL,
    period        TEXT    NOT NULL,
    unit_id       BIGINT  NOT NULL,
    n             BIGINT  NOT NULL,
    total         DOUBLE PRECISION NOT NULL,
    min_value     DOUBLE PRECISION NOT NULL,
    max_value     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (indicator_id, period, unit_id)
) WITHOUT ROWID;
