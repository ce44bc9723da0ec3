-- Live updates: what changed, in commit order, so that every node pushes it to its open pages and
-- a reconnecting page resumes after the last event it saw (Last-Event-ID). Kept for a day.
-- Ids follow commit order: publishers take a transaction-level advisory lock (platform::live).
CREATE TABLE live_events (
    id     BIGSERIAL PRIMARY KEY,
    topic  TEXT      NOT NULL,
    data   TEXT      NOT NULL,
    at     BIGINT    NOT NULL
);
CREATE INDEX live_events_at ON live_events (at);
