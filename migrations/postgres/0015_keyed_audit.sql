-- A tamper-evident audit trail (issue 9, item 14).
--
-- key_id: NULL for an entry sealed with plain SHA-256 (written before an audit key was
-- configured); otherwise the id of the key whose HMAC-SHA256 seals it. The key itself is never
-- stored in the database.
ALTER TABLE audit_log ADD COLUMN key_id TEXT;

-- Each change set of the value history names the audit entry that recorded its digest. NULL for
-- change sets written before this migration; the reporting trail start anchors them.
ALTER TABLE value_changes ADD COLUMN audit_seq BIGINT;
CREATE INDEX value_changes_audit ON value_changes (audit_seq, id);

-- Whether the reporting trail start (one audit entry with the digests of the approved values
-- and of the older value history) is still to be written: only a database that already held
-- approved reports or value history before this migration needs one.
CREATE TABLE reporting_trail_start (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    pending BOOLEAN NOT NULL
);
INSERT INTO reporting_trail_start (id, pending)
    SELECT 1, TRUE WHERE EXISTS (SELECT 1 FROM submissions WHERE status = 'approved')
                      OR EXISTS (SELECT 1 FROM value_changes);
