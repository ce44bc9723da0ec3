-- An agency's document office (documents crate, Decree 30/2020): the office's abbreviation for
-- notations, one counter per agency, register and year (numbers from 01 each 1 January), the
-- outgoing register (drafts, numbered, sent, revoked), the incoming register (linked to the axis
-- package when the document came through the axis) with the history of its statuses, and the
-- attachments of both, referenced by file key (platform::files, SHA-256).
CREATE TABLE doc_offices (
    agency_code   TEXT    PRIMARY KEY,          -- Decision 20/2020 form: G22, H41
    abbreviation  TEXT    NOT NULL,             -- UBND, VPCP: the notation's last part
    updated_at    INTEGER NOT NULL
);

CREATE TABLE doc_number_counters (
    agency_code  TEXT    NOT NULL,
    register     TEXT    NOT NULL CHECK (register IN ('outgoing', 'incoming')),
    year         INTEGER NOT NULL,
    last_number  INTEGER NOT NULL CHECK (last_number >= 1),
    PRIMARY KEY (agency_code, register, year)
);

CREATE TABLE doc_outgoing (
    id                 INTEGER PRIMARY KEY,
    agency_code        TEXT    NOT NULL,
    doc_type           INTEGER NOT NULL CHECK (doc_type BETWEEN 1 AND 29),
    subject            TEXT    NOT NULL,
    subject_search     TEXT    NOT NULL,        -- folded: lower case, no diacritics
    summary            TEXT    NOT NULL,
    signer_name        TEXT    NOT NULL,
    signer_position    TEXT    NOT NULL,
    recipients         TEXT    NOT NULL,        -- JSON array of agency codes
    urgency            INTEGER NOT NULL CHECK (urgency BETWEEN 0 AND 3),
    due_date           TEXT,                    -- yyyy-mm-dd
    state              TEXT    NOT NULL CHECK (state IN ('draft', 'numbered', 'sent', 'revoked')),
    year               INTEGER,
    number             INTEGER,
    notation           TEXT,
    notation_search    TEXT,                    -- folded notation
    promulgation_date  TEXT,                    -- yyyy-mm-dd, the day it was numbered
    package_id         INTEGER,                 -- the axis's package, once sent
    created_by         TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    numbered_at        INTEGER,
    sent_at            INTEGER,
    revoked_at         INTEGER,
    revoke_reason      TEXT,
    CHECK ((state = 'draft') = (number IS NULL)),
    UNIQUE (agency_code, year, number),
    UNIQUE (agency_code, year, number, notation)
);
CREATE INDEX doc_outgoing_agency ON doc_outgoing (agency_code, id);

CREATE TABLE doc_incoming (
    id                 INTEGER PRIMARY KEY,
    agency_code        TEXT    NOT NULL,        -- the receiving agency
    package_id         INTEGER,                 -- the axis's package, when it came through the axis
    document_id        TEXT    NOT NULL,        -- the axis's name: G22,2026/12/02,15/QĐ-UBND
    sender_code        TEXT    NOT NULL,
    sender_name        TEXT    NOT NULL,
    sender_search      TEXT    NOT NULL,
    doc_type           INTEGER CHECK (doc_type BETWEEN 1 AND 29),
    type_name          TEXT    NOT NULL,
    number             TEXT    NOT NULL,
    notation           TEXT    NOT NULL,
    notation_search    TEXT    NOT NULL,
    promulgation_date  TEXT    NOT NULL,
    subject            TEXT    NOT NULL,
    subject_search     TEXT    NOT NULL,
    urgency            INTEGER NOT NULL CHECK (urgency BETWEEN 0 AND 3),
    due_date           TEXT,
    status             TEXT    NOT NULL CHECK (status IN ('01', '02', '03', '04', '05', '06')),
    year               INTEGER NOT NULL,        -- the year it arrived
    incoming_number    INTEGER,                 -- số đến, given at registration
    assignee           TEXT,
    received_at        INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (agency_code, document_id),
    UNIQUE (agency_code, year, incoming_number)
);
CREATE INDEX doc_incoming_agency ON doc_incoming (agency_code, id);

CREATE TABLE doc_incoming_history (
    id           INTEGER PRIMARY KEY,
    incoming_id  INTEGER NOT NULL REFERENCES doc_incoming(id),
    status       TEXT    NOT NULL,
    actor        TEXT    NOT NULL,
    note         TEXT,
    at           INTEGER NOT NULL
);
CREATE INDEX doc_incoming_history_entry ON doc_incoming_history (incoming_id, id);

CREATE TABLE doc_register_files (
    id            INTEGER PRIMARY KEY,
    register      TEXT    NOT NULL CHECK (register IN ('outgoing', 'incoming')),
    entry_id      INTEGER NOT NULL,
    file_key      TEXT    NOT NULL,             -- SHA-256 of the bytes (platform::files)
    name          TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (register, entry_id, file_key)
);
