-- Taking a sent document back through the axis (documents crate): the sender revokes it
-- (business type 1, the recipient withdraws it and answers 15) or asks for it back (status 13,
-- the recipient agrees with 15 or refuses with 16). An incoming entry records the request and
-- whether it was withdrawn; an outgoing one, the sender's last request.
ALTER TABLE doc_incoming ADD COLUMN withdrawn TEXT CHECK (withdrawn IN ('revoked', 'taken_back'));
ALTER TABLE doc_incoming ADD COLUMN withdrawn_at BIGINT;
ALTER TABLE doc_incoming ADD COLUMN withdraw_reason TEXT;
ALTER TABLE doc_incoming ADD COLUMN take_back_requested_at BIGINT;
ALTER TABLE doc_incoming ADD COLUMN take_back_reason TEXT;
ALTER TABLE doc_outgoing ADD COLUMN take_back_requested_at BIGINT;
ALTER TABLE doc_outgoing ADD COLUMN take_back_reason TEXT;
