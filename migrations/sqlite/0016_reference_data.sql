-- Reference data shipped with egov (provinces, lineage, agencies, indicator catalogue, report
-- templates, validation rules, holidays): which version of each set was applied, and per record
-- the hash of the shipped value last applied, so that a later version can tell a record an
-- operator changed (its value no longer hashes to what was shipped) from one it may correct.
CREATE TABLE reference_versions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    set_name      TEXT    NOT NULL,
    version       TEXT    NOT NULL,
    content_hash  TEXT    NOT NULL,
    applied_at    INTEGER NOT NULL,
    applied_by    TEXT    NOT NULL,
    inserted      INTEGER NOT NULL,
    updated       INTEGER NOT NULL,
    conflicts     INTEGER NOT NULL
);
CREATE INDEX reference_versions_set ON reference_versions (set_name, id);

CREATE TABLE reference_records (
    set_name      TEXT    NOT NULL,
    record_key    TEXT    NOT NULL,
    shipped_hash  TEXT    NOT NULL,
    version       TEXT    NOT NULL,
    applied_at    INTEGER NOT NULL,
    PRIMARY KEY (set_name, record_key)
) WITHOUT ROWID;
