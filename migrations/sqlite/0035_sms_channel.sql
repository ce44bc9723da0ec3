-- The notifications outbox carries text messages too (channel 'sms', issue 14): queued in the
-- transaction of what caused them, delivered through the configured SMS hook (platform::sms).
-- SQLite cannot change a CHECK constraint: the table is rebuilt with the same rows.
CREATE TABLE notifications_new (
    id              INTEGER PRIMARY KEY,
    channel         TEXT    NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    dedupe_key      TEXT    NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    claimed_until   INTEGER
);
INSERT INTO notifications_new (id, channel, recipient, subject, body, dedupe_key, created_at,
                               sent_at, attempts, next_attempt_at, last_error, claimed_until)
SELECT id, channel, recipient, subject, body, dedupe_key, created_at,
       sent_at, attempts, next_attempt_at, last_error, claimed_until FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_pending ON notifications (next_attempt_at) WHERE sent_at IS NULL;
