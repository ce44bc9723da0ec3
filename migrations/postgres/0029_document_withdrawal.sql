-- Taking a sent document back through the axis (documents crate): the sender revokes it
-- (business type 1, the recipient withdraws it and answers 15), asks for it back (status 13,
-- the recipient agrees with 15 or refuses with 16) or replaces it by a new document (business
-- type 3, the recipient withdraws the old entry). An incoming entry records the request and
-- whether it was withdrawn; an outgoing one, the sender's last request and what it replaces.
ALTER TABLE doc_incoming ADD COLUMN withdrawn TEXT CHECK (withdrawn IN ('revoked', 'taken_back', 'replaced'));
ALTER TABLE doc_incoming ADD COLUMN withdrawn_at BIGINT;
ALTER TABLE doc_incoming ADD COLUMN withdraw_reason TEXT;
ALTER TABLE doc_incoming ADD COLUMN take_back_requested_at BIGINT;
ALTER TABLE doc_incoming ADD COLUMN take_back_reason TEXT;
ALTER TABLE doc_outgoing ADD COLUMN take_back_requested_at BIGINT;
ALTER TABLE doc_outgoing ADD COLUMN take_back_reason TEXT;
ALTER TABLE doc_outgoing ADD COLUMN replaces_id BIGINT;
ALTER TABLE doc_outgoing ADD COLUMN replace_reason TEXT;
-- An update the sender sent (business type 2), waiting for the recipient's 15 or 16.
ALTER TABLE doc_incoming ADD COLUMN update_subject TEXT;
ALTER TABLE doc_incoming ADD COLUMN update_due_date TEXT;
ALTER TABLE doc_incoming ADD COLUMN update_reason TEXT;
ALTER TABLE doc_incoming ADD COLUMN update_received_at BIGINT;
