-- Fees of dossiers paid through a payment gateway (issue 14). One row per attempt; the
-- gateway's callbacks (the server-to-server IPN and the browser's return, in either order, any
-- number of times) settle it once. `dossier_id` names a row of svc_dossiers (0032).
CREATE TABLE svc_payments (
    id            INTEGER PRIMARY KEY,
    txn_ref       TEXT    NOT NULL UNIQUE,
    dossier_id    INTEGER NOT NULL,
    agency_id     INTEGER REFERENCES agencies(id),
    amount_vnd    INTEGER NOT NULL CHECK (amount_vnd > 0),
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
    gateway_txn   TEXT    NOT NULL DEFAULT '',
    bank_code     TEXT    NOT NULL DEFAULT '',
    response_code TEXT    NOT NULL DEFAULT '',
    callbacks     INTEGER NOT NULL DEFAULT 0,
    created_by    INTEGER REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    paid_at       INTEGER,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX svc_payments_dossier ON svc_payments (dossier_id, id);
CREATE INDEX svc_payments_paid ON svc_payments (paid_at) WHERE status = 'paid';
-- One attempt at a time per dossier.
CREATE UNIQUE INDEX svc_payments_pending ON svc_payments (dossier_id) WHERE status = 'pending';
