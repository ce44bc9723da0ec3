-- Delivering the notifications outbox: retries with backoff, the last error, and a claim so that
-- one node sends each message (the others skip it until the claim lapses).
ALTER TABLE notifications ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN last_error TEXT;
ALTER TABLE notifications ADD COLUMN claimed_until INTEGER;
CREATE INDEX notifications_pending ON notifications (next_attempt_at) WHERE sent_at IS NULL;
