-- The axis's transport API (documents crate): the signatures of agencies' requests seen in the
-- last minutes, so that a replayed request is refused (RFC 9421 signatures, docs/documents.md).
-- Rows live ten minutes (twice the allowed clock skew) and are purged as new ones arrive.
CREATE TABLE doc_request_signatures (
    signature_hash TEXT    PRIMARY KEY,      -- SHA-256 of the signature bytes, hexadecimal
    agency_code    TEXT    NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX doc_request_signatures_expiry ON doc_request_signatures (expires_at);
