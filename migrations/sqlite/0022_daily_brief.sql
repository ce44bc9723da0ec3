-- The daily brief (điểm tin hàng ngày) of the operations center: one per day, composed by a job
-- (or on demand) as a draft, edited and published by an editor; news items the editor adds; the
-- e-mail subscribers who receive it when published.
CREATE TABLE briefs (
    id            INTEGER PRIMARY KEY,
    day           TEXT    NOT NULL UNIQUE,               -- YYYY-MM-DD (Vietnam)
    status        TEXT    NOT NULL CHECK (status IN ('draft', 'published')),
    content       TEXT    NOT NULL,                      -- the composed sections (JSON)
    lead          TEXT    NOT NULL DEFAULT '',           -- the editor's opening paragraph
    composed_at   INTEGER NOT NULL,
    published_at  INTEGER,
    published_by  TEXT,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE brief_news (
    id         INTEGER PRIMARY KEY,
    brief_id   INTEGER NOT NULL REFERENCES briefs (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    summary    TEXT    NOT NULL,
    link       TEXT,
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL
);
CREATE INDEX brief_news_brief ON brief_news (brief_id, id);
CREATE TABLE brief_subscribers (
    id         INTEGER PRIMARY KEY,
    email      TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL
);
