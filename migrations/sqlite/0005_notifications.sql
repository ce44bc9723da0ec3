-- Outgoing notifications (the email hook): written in the transaction of what caused them and
-- delivered by a relay that drains this table (SMTP delivery is not part of egov yet).
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    channel     TEXT    NOT NULL CHECK (channel IN ('email')),
    recipient   TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    dedupe_key  TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
);
