-- The operations center's connected sites (issue 12): surveillance cameras (an HLS stream each) and
-- video-conference points (a join URL of the conferencing system the agency runs), their health as
-- the probe job last found it, every change between up and down (the availability board reads
-- these), and the video-conference sessions the center schedules with the points that join them.
CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL,
    category    TEXT    NOT NULL DEFAULT '',
    name        TEXT    NOT NULL,
    unit_code   TEXT,
    place       TEXT    NOT NULL DEFAULT '',
    latitude    REAL,
    longitude   REAL,
    url         TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    state       TEXT    NOT NULL DEFAULT 'unknown',
    state_since INTEGER,
    checked_at  INTEGER,
    finding     TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX sites_kind ON sites (kind, code);

CREATE TABLE site_transitions (
    id       INTEGER PRIMARY KEY,
    site_id  INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    state    TEXT    NOT NULL,
    finding  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX site_transitions_site_at ON site_transitions (site_id, at);

CREATE TABLE conference_sessions (
    id           INTEGER PRIMARY KEY,
    title        TEXT    NOT NULL,
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    chair        TEXT    NOT NULL,
    host_site_id INTEGER REFERENCES sites(id),
    cancelled_at INTEGER,
    created_at   INTEGER NOT NULL,
    created_by   TEXT    NOT NULL
);
CREATE INDEX conference_sessions_starts ON conference_sessions (starts_at);

CREATE TABLE conference_points (
    session_id    INTEGER NOT NULL REFERENCES conference_sessions(id) ON DELETE CASCADE,
    site_id       INTEGER NOT NULL REFERENCES sites(id),
    confirmed_at  INTEGER,
    confirmed_by  TEXT,
    attended      INTEGER,
    PRIMARY KEY (session_id, site_id)
);
