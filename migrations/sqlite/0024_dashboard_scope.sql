-- A dashboard's audience may be a scope (issue 12): signed-in readers whose grants cover the unit
-- bearing the code in `audience_scope` ('scope:40' on the form). SQLite cannot alter a CHECK, so
-- the table is rebuilt. The playlists' entries point at the name `ops_dashboards`: they are set
-- aside while it is rebuilt (dropping a table whose rows are referenced counts as a violation
-- even if a table of the same name and rows takes its place) and put back after.
CREATE TEMP TABLE ops_playlist_entries_kept AS SELECT * FROM ops_playlist_entries;
DELETE FROM ops_playlist_entries;

CREATE TABLE ops_dashboards_new (
    id           INTEGER PRIMARY KEY,
    builtin      TEXT    UNIQUE,            -- 'overview', 'compliance': shipped, names translated
    name         TEXT    NOT NULL,
    audience     TEXT    NOT NULL CHECK (audience IN ('public', 'signed_in', 'role', 'scope')),
    audience_role TEXT,
    audience_scope TEXT,                    -- a unit code, for audience 'scope' only
    widgets      TEXT    NOT NULL,          -- JSON list: [{"kind": "kpi", ...}, ...]
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    CHECK ((audience = 'scope') = (audience_scope IS NOT NULL))
);
INSERT INTO ops_dashboards_new (id, builtin, name, audience, audience_role, widgets, created_at, updated_at)
    SELECT id, builtin, name, audience, audience_role, widgets, created_at, updated_at FROM ops_dashboards;
DROP TABLE ops_dashboards;
ALTER TABLE ops_dashboards_new RENAME TO ops_dashboards;
INSERT INTO ops_playlist_entries (playlist_id, position, dashboard_id, seconds)
    SELECT playlist_id, position, dashboard_id, seconds FROM ops_playlist_entries_kept;
DROP TABLE ops_playlist_entries_kept;
