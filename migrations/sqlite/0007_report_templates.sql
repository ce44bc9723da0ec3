-- Report templates for every reporting unit (Decree 09/2019): ministries report national figures
-- on a national unit ('nation', code VN), provinces and communes their own. A template names the
-- agency that reports it when that is a ministry; a report records the agency it was filed for.

-- units.level gains 'nation': SQLite cannot alter a CHECK, so the table is rebuilt. Foreign keys
-- from other tables point at the name `units` and hold again once the new table bears it.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE units_new (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL,
    level       TEXT    NOT NULL CHECK (level IN ('nation', 'province', 'district', 'commune')),
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    name_search TEXT    NOT NULL,
    parent_id   INTEGER REFERENCES units(id),
    valid_from  TEXT,
    valid_to    TEXT,
    CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to)
);
INSERT INTO units_new (id, code, level, kind, name, name_search, parent_id, valid_from, valid_to)
    SELECT id, code, level, kind, name, name_search, parent_id, valid_from, valid_to FROM units;
DROP TABLE units;
ALTER TABLE units_new RENAME TO units;
CREATE UNIQUE INDEX units_identity ON units (level, code, COALESCE(valid_from, ''));
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_code ON units (code);

-- The country as a reporting unit: where ministries' national figures are stored.
INSERT INTO units (code, level, kind, name, name_search)
    VALUES ('VN', 'nation', 'nation', 'Việt Nam', 'viet nam');

-- Who reports a template: for national templates, the ministry (agency) responsible.
ALTER TABLE report_templates ADD COLUMN agency_id INTEGER REFERENCES agencies(id);
-- Working days before the deadline when reminders start.
ALTER TABLE report_templates ADD COLUMN remind_days INTEGER NOT NULL DEFAULT 2;
-- The agency a report was filed for (a ministry's national report).
ALTER TABLE submissions ADD COLUMN agency_id INTEGER REFERENCES agencies(id);
