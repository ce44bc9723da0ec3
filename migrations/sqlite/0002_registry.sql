-- Registry: administrative units (with validity and lineage) and agencies.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL,
    level       TEXT    NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    name_search TEXT    NOT NULL,
    parent_id   INTEGER REFERENCES units(id),
    valid_from  TEXT,
    valid_to    TEXT,
    CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to)
);
CREATE UNIQUE INDEX units_identity ON units (level, code, COALESCE(valid_from, ''));
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_code ON units (code);

CREATE TABLE unit_lineage (
    id           INTEGER PRIMARY KEY,
    from_unit_id INTEGER NOT NULL REFERENCES units(id),
    to_unit_id   INTEGER NOT NULL REFERENCES units(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('merge', 'split', 'rename', 'transfer')),
    effective    TEXT    NOT NULL,
    UNIQUE (from_unit_id, to_unit_id, kind)
);
CREATE INDEX lineage_to ON unit_lineage (to_unit_id);

CREATE TABLE agencies (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name_vi     TEXT    NOT NULL,
    name_en     TEXT    NOT NULL,
    name_search TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('ministry', 'ministry_level', 'government_agency', 'provincial_committee')),
    unit_id     INTEGER REFERENCES units(id),
    edoc_qcvn   TEXT    UNIQUE,
    edoc_2020   TEXT    UNIQUE,
    valid_from  TEXT,
    valid_to    TEXT
);
