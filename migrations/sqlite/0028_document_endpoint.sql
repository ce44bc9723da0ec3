-- An agency endpoint of the document axis (documents crate, engine::endpoint): the outbox of
-- packages waiting to reach the axis (documents sent from the outgoing register, statuses
-- answering incoming documents, queued in the transaction of the register's change), delivered by the job `documents.deliver` with retries and
-- exponential backoff, and the statuses each recipient sent back about an outgoing document
-- (its timeline on /documents/outgoing/{id}).
CREATE TABLE doc_outbox (
    id            INTEGER PRIMARY KEY,
    agency_code   TEXT    NOT NULL,             -- the sending agency (Decision 20/2020 form)
    kind          TEXT    NOT NULL CHECK (kind IN ('document', 'status')),
    outgoing_id   INTEGER,                      -- the outgoing register entry (a document)
    incoming_id   INTEGER,                      -- the incoming register entry (a status)
    document_id   TEXT    NOT NULL,             -- the document (or the one the status answers)
    status_code   TEXT,                         -- a status: 01..06
    dedupe_key    TEXT    NOT NULL UNIQUE,      -- one package per document, per status
    file_key      TEXT,                         -- a document: its unsigned edXML (platform::files)
    description   TEXT,                         -- a status: its description and who acted
    staff         TEXT,
    state         TEXT    NOT NULL CHECK (state IN ('queued', 'accepted', 'rejected')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       INTEGER NOT NULL,             -- not before (ms)
    last_error    TEXT,
    package_id    INTEGER,                      -- the axis's package, once accepted
    created_at    INTEGER NOT NULL,
    done_at       INTEGER
);
CREATE INDEX doc_outbox_due ON doc_outbox (agency_code, state, next_at);
CREATE INDEX doc_outbox_document ON doc_outbox (agency_code, document_id);

CREATE TABLE doc_outgoing_statuses (
    id            INTEGER PRIMARY KEY,
    agency_code   TEXT    NOT NULL,             -- the sender of the document
    outgoing_id   INTEGER NOT NULL REFERENCES doc_outgoing(id),
    recipient     TEXT    NOT NULL,             -- who sent the status
    status        TEXT    NOT NULL,
    description   TEXT,
    staff         TEXT,
    at            INTEGER NOT NULL,             -- the status's own time stamp (ms)
    package_id    INTEGER NOT NULL,             -- the axis's status package
    received_at   INTEGER NOT NULL,
    UNIQUE (agency_code, package_id)
);
CREATE INDEX doc_outgoing_statuses_entry ON doc_outgoing_statuses (outgoing_id, at, id);
