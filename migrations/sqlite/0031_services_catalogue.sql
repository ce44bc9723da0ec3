-- The National Public Service Portal (issue 14): the procedure catalogue. A procedure (its code
-- is stable) has versions; a version is drafted, published (dossiers are filed under it, and it
-- cannot change any more) and retired. Its online form is data: a JSON Schema and a UI layout,
-- versioned with it. Fees are whole đồng.
-- The fields (lĩnh vực) procedures are filed under: reference data (services.fields).
CREATE TABLE svc_fields (
    code        TEXT    PRIMARY KEY,
    name_vi     TEXT    NOT NULL,
    name_en     TEXT    NOT NULL
);

CREATE TABLE svc_procedures (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE svc_procedure_versions (
    id              INTEGER PRIMARY KEY,
    procedure_id    INTEGER NOT NULL REFERENCES svc_procedures(id),
    version         INTEGER NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    name_vi         TEXT    NOT NULL,
    name_en         TEXT    NOT NULL,
    name_search     TEXT    NOT NULL,
    field_code      TEXT    NOT NULL,
    level           TEXT    NOT NULL CHECK (level IN ('central', 'province', 'commune')),
    agency_id       INTEGER REFERENCES agencies(id),
    processing_days INTEGER NOT NULL CHECK (processing_days >= 0),
    fee_vnd         INTEGER NOT NULL DEFAULT 0 CHECK (fee_vnd >= 0),
    fees_note       TEXT    NOT NULL DEFAULT '',
    papers          TEXT    NOT NULL DEFAULT '[]',
    result_vi       TEXT    NOT NULL DEFAULT '',
    result_en       TEXT    NOT NULL DEFAULT '',
    legal_basis     TEXT    NOT NULL DEFAULT '',
    online_level    TEXT    NOT NULL CHECK (online_level IN ('full', 'partial', 'none')),
    min_assurance   INTEGER NOT NULL DEFAULT 1 CHECK (min_assurance IN (1, 2)),
    form_schema     TEXT    NOT NULL DEFAULT '{}',
    form_layout     TEXT    NOT NULL DEFAULT '[]',
    published_at    INTEGER,
    retired_at      INTEGER,
    created_by      INTEGER REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (procedure_id, version)
);
CREATE INDEX svc_procedure_versions_status ON svc_procedure_versions (status, procedure_id);
-- At most one published version of a procedure.
CREATE UNIQUE INDEX svc_procedure_versions_published ON svc_procedure_versions (procedure_id) WHERE status = 'published';
-- The public catalogue filters published versions by field, agency, level and online level.
CREATE INDEX svc_procedure_versions_pub_field ON svc_procedure_versions (field_code) WHERE status = 'published';
CREATE INDEX svc_procedure_versions_pub_agency ON svc_procedure_versions (agency_id) WHERE status = 'published';
CREATE INDEX svc_procedure_versions_pub_level ON svc_procedure_versions (level, online_level) WHERE status = 'published';
