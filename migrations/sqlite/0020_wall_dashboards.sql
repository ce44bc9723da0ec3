-- The operations center's wall (issue 12): configurable dashboards (widgets as a JSON list),
-- playlists of dashboards with a duration each, wall displays signed in once with a display token
-- (stored as its SHA-256 only) and their long-lived, revocable, view-only sessions.
CREATE TABLE ops_dashboards (
    id           INTEGER PRIMARY KEY,
    builtin      TEXT    UNIQUE,            -- 'overview', 'compliance': shipped, names translated
    name         TEXT    NOT NULL,
    audience     TEXT    NOT NULL CHECK (audience IN ('public', 'signed_in', 'role')),
    audience_role TEXT,
    widgets      TEXT    NOT NULL,          -- JSON list: [{"kind": "kpi", ...}, ...]
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE ops_playlists (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE ops_playlist_entries (
    playlist_id  INTEGER NOT NULL REFERENCES ops_playlists(id),
    position     INTEGER NOT NULL,
    dashboard_id INTEGER NOT NULL REFERENCES ops_dashboards(id),
    seconds      INTEGER NOT NULL CHECK (seconds BETWEEN 5 AND 3600),
    PRIMARY KEY (playlist_id, position)
);

CREATE TABLE displays (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    playlist_id     INTEGER REFERENCES ops_playlists(id),
    scope_kind      TEXT,                   -- NULL: public figures only; else a viewer within it
    scope_id        INTEGER,
    activation_hash TEXT    UNIQUE,         -- SHA-256 of the one-time token; NULL once used
    activation_expires_at INTEGER,
    created_by      INTEGER REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    activated_at    INTEGER,
    revoked_at      INTEGER
);

CREATE TABLE display_sessions (
    id_hash      TEXT    PRIMARY KEY,
    display_id   INTEGER NOT NULL REFERENCES displays(id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX display_sessions_display ON display_sessions (display_id);

INSERT INTO ops_dashboards (builtin, name, audience, widgets, created_at, updated_at)
VALUES ('overview', 'Tổng quan quốc gia', 'public',
        '[{"kind":"kpi"},{"kind":"ranking","limit":10},{"kind":"compliance"}]', 0, 0);
INSERT INTO ops_dashboards (builtin, name, audience, widgets, created_at, updated_at)
VALUES ('compliance', 'Bảng tuân thủ báo cáo', 'public', '[{"kind":"compliance"}]', 0, 0);
INSERT INTO ops_playlists (name, created_at, updated_at) VALUES ('Mặc định', 0, 0);
INSERT INTO ops_playlist_entries (playlist_id, position, dashboard_id, seconds)
SELECT p.id, 0, d.id, 30 FROM ops_playlists p, ops_dashboards d WHERE d.builtin = 'overview';
INSERT INTO ops_playlist_entries (playlist_id, position, dashboard_id, seconds)
SELECT p.id, 1, d.id, 20 FROM ops_playlists p, ops_dashboards d WHERE d.builtin = 'compliance';
