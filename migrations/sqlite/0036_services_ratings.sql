-- The applicant's rating of the service once the result is returned (issue 14): one per dossier,
-- 1–5 stars and an optional comment; the service quality index reads them.
CREATE TABLE svc_ratings (
    id          INTEGER PRIMARY KEY,
    dossier_id  INTEGER NOT NULL UNIQUE,
    agency_id   INTEGER REFERENCES agencies(id),
    user_id     INTEGER REFERENCES users(id),
    stars       INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment     TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX svc_ratings_agency ON svc_ratings (agency_id, created_at);
