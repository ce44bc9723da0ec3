-- The sync records of dossiers to the national public service portal (issue 14): each change of a
-- dossier queues the record the national portal receives, in the transaction of the change; the
-- job `services.sync` posts them in order, one dossier's records never overtaking each other,
-- retrying with exponential backoff. `dossier_id` names a row of svc_dossiers (0032).
CREATE TABLE svc_sync_outbox (
    id          INTEGER PRIMARY KEY,
    dossier_id  INTEGER NOT NULL,
    dossier_code TEXT   NOT NULL,
    record      TEXT    NOT NULL,             -- the JSON record, as it will be posted
    state       TEXT    NOT NULL CHECK (state IN ('queued', 'sent')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,             -- not before (ms)
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
);
CREATE INDEX svc_sync_outbox_due ON svc_sync_outbox (state, id);
CREATE INDEX svc_sync_outbox_dossier ON svc_sync_outbox (dossier_id, id);
