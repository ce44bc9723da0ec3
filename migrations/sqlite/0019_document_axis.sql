-- The National Document Interconnection Axis (documents crate): the directory of connected
-- agencies, the packages the axis accepted (files outside the rows, by SHA-256), one delivery per
-- recipient, the trace of every hop, and the first outcome of every package received (a resend is
-- answered with it).
CREATE TABLE doc_agencies (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,   -- Decision 20/2020 form: G22, H41, G09.01
    qcvn_code    TEXT    UNIQUE,            -- QCVN 102 form: 000.00.00.G22 (where the levels fit)
    name         TEXT    NOT NULL,
    endpoint     TEXT,
    certificate  BLOB,                      -- DER of the agency's signing certificate
    fingerprint  TEXT,                      -- SHA-256 of the certificate, hexadecimal
    state        TEXT    NOT NULL CHECK (state IN ('pending', 'active', 'suspended')),
    created_at   INTEGER NOT NULL,
    decided_at   INTEGER,
    decided_by   TEXT
);

CREATE TABLE doc_packages (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('document', 'status')),
    document_id  TEXT    NOT NULL,
    sender_code  TEXT    NOT NULL REFERENCES doc_agencies(code),
    status_code  TEXT,
    dedupe_key   TEXT    NOT NULL UNIQUE,
    file_key     TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    signer       TEXT,                      -- fingerprint of the certificate that signed it
    received_at  INTEGER NOT NULL
);
CREATE INDEX doc_packages_document ON doc_packages (document_id, kind);

CREATE TABLE doc_deliveries (
    id              INTEGER PRIMARY KEY,
    package_id      INTEGER NOT NULL REFERENCES doc_packages(id),
    recipient_code  TEXT    NOT NULL REFERENCES doc_agencies(code),
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'acknowledged', 'expired')),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    acknowledged_at INTEGER,
    UNIQUE (package_id, recipient_code)
);
CREATE INDEX doc_deliveries_pending ON doc_deliveries (recipient_code, state, id);

CREATE TABLE doc_traces (
    id          INTEGER PRIMARY KEY,
    package_id  INTEGER NOT NULL REFERENCES doc_packages(id),
    organ_code  TEXT    NOT NULL,
    event       TEXT    NOT NULL CHECK (event IN ('received', 'acknowledged', 'expired', 'status')),
    detail      TEXT,
    at          INTEGER NOT NULL
);
CREATE INDEX doc_traces_package ON doc_traces (package_id, id);

-- Every package received, accepted or not: a resend (same bytes, or the same document again) is
-- answered with the first outcome instead of being processed twice.
CREATE TABLE doc_receipts (
    dedupe_key   TEXT    PRIMARY KEY,
    sender_code  TEXT    NOT NULL,
    package_id   INTEGER REFERENCES doc_packages(id),
    outcome      TEXT    NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
    problems     TEXT,                      -- JSON, for a rejection
    received_at  INTEGER NOT NULL
);
