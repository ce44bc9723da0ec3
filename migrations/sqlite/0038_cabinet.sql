-- The e-Cabinet (issue 15): collective bodies (the Government, a ministry's leadership, a province's
-- People's Committee or Council) and their members over time; opinion forms and members' answers;
-- sessions, agendas, members' marks, attendance, speakers, draft versions, polls and ballots;
-- members' passkeys (WebAuthn) and the ceremonies in progress. Every ballot and answer row keeps
-- its canonical text, the passkey assertion made for it and its evidence hash, which the audit
-- entry written in the same transaction seals.
CREATE TABLE cab_bodies (
    id              INTEGER PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,
    name_vi         TEXT    NOT NULL,
    name_en         TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    agency_id       INTEGER   NOT NULL REFERENCES agencies(id),
    quorum_num      INTEGER   NOT NULL DEFAULT 2,
    quorum_den      INTEGER   NOT NULL DEFAULT 3,
    majority_num    INTEGER   NOT NULL DEFAULT 1,
    majority_den    INTEGER   NOT NULL DEFAULT 2,
    tie_to_chair    INTEGER  NOT NULL DEFAULT 1,
    substitutes_vote INTEGER NOT NULL DEFAULT 0,
    answer_days     INTEGER   NOT NULL DEFAULT 5,
    papers_days     INTEGER   NOT NULL DEFAULT 3,
    form_seq        INTEGER   NOT NULL DEFAULT 0,
    resolution_seq  INTEGER   NOT NULL DEFAULT 0,
    created_at      INTEGER   NOT NULL
);
CREATE INDEX cab_bodies_agency ON cab_bodies (agency_id);

CREATE TABLE cab_members (
    id              INTEGER PRIMARY KEY,
    body_id         INTEGER   NOT NULL REFERENCES cab_bodies(id),
    user_id         INTEGER   NOT NULL REFERENCES users(id),
    role_vi         TEXT    NOT NULL,
    role_en         TEXT    NOT NULL,
    position        INTEGER   NOT NULL DEFAULT 0,
    chair           INTEGER  NOT NULL DEFAULT 0,
    voting          INTEGER  NOT NULL DEFAULT 1,
    from_day        TEXT    NOT NULL,
    to_day          TEXT,
    assistant_id    INTEGER   REFERENCES users(id),
    sign_key        TEXT
);
CREATE INDEX cab_members_body ON cab_members (body_id, position, id);
CREATE INDEX cab_members_user ON cab_members (user_id);

CREATE TABLE cab_forms (
    id              INTEGER PRIMARY KEY,
    body_id         INTEGER   NOT NULL REFERENCES cab_bodies(id),
    number          TEXT,
    title           TEXT    NOT NULL,
    question        TEXT    NOT NULL,
    lead_agency_id  INTEGER   NOT NULL REFERENCES agencies(id),
    status          TEXT    NOT NULL,
    drafted_by      INTEGER   REFERENCES users(id),
    answer_days     INTEGER   NOT NULL,
    issued_at       INTEGER,
    deadline        TEXT,
    total           INTEGER,
    conclusion      TEXT    NOT NULL DEFAULT '',
    resolution      TEXT,
    concluded_at    INTEGER,
    created_at      INTEGER   NOT NULL,
    updated_at      INTEGER   NOT NULL
);
CREATE INDEX cab_forms_body ON cab_forms (body_id, id);
CREATE INDEX cab_forms_open ON cab_forms (status, deadline);

CREATE TABLE cab_form_papers (
    form_id         INTEGER   NOT NULL REFERENCES cab_forms(id),
    n               INTEGER   NOT NULL,
    kind            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    sha256          TEXT    NOT NULL,
    size            INTEGER   NOT NULL,
    PRIMARY KEY (form_id, n)
);

-- The membership at issue time: the synthesis counts over these, whoever joins or leaves later.
CREATE TABLE cab_form_recipients (
    form_id         INTEGER   NOT NULL REFERENCES cab_forms(id),
    member_id       INTEGER   NOT NULL REFERENCES cab_members(id),
    reminded_at     INTEGER,
    PRIMARY KEY (form_id, member_id)
);

CREATE TABLE cab_answers (
    id              INTEGER PRIMARY KEY,
    form_id         INTEGER   NOT NULL REFERENCES cab_forms(id),
    member_id       INTEGER   NOT NULL REFERENCES cab_members(id),
    version         INTEGER   NOT NULL,
    answer          TEXT    NOT NULL,
    opinion         TEXT    NOT NULL DEFAULT '',
    canonical       TEXT    NOT NULL,
    challenge       TEXT    NOT NULL,
    credential_id   TEXT    NOT NULL,
    assertion       TEXT    NOT NULL,
    member_sig      TEXT    NOT NULL DEFAULT '',
    evidence        TEXT    NOT NULL,
    audit_seq       INTEGER   NOT NULL,
    answered_at     INTEGER   NOT NULL,
    UNIQUE (form_id, member_id)
);

CREATE TABLE cab_sessions (
    id              INTEGER PRIMARY KEY,
    body_id         INTEGER   NOT NULL REFERENCES cab_bodies(id),
    kind            TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    starts_at       INTEGER   NOT NULL,
    place           TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    papers_sent_at  INTEGER,
    opened_at       INTEGER,
    closed_at       INTEGER,
    total           INTEGER,
    minutes         TEXT    NOT NULL DEFAULT '',
    resolution      TEXT,
    created_at      INTEGER   NOT NULL
);
CREATE INDEX cab_sessions_body ON cab_sessions (body_id, starts_at);

CREATE TABLE cab_items (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER   NOT NULL REFERENCES cab_sessions(id),
    parent_id       INTEGER   REFERENCES cab_items(id),
    position        INTEGER   NOT NULL,
    title           TEXT    NOT NULL,
    presenter_agency_id INTEGER REFERENCES agencies(id),
    minutes         INTEGER   NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL,
    draft           TEXT    NOT NULL DEFAULT '',
    draft_version   INTEGER   NOT NULL DEFAULT 0
);
CREATE INDEX cab_items_session ON cab_items (session_id, position, id);

CREATE TABLE cab_item_papers (
    item_id         INTEGER   NOT NULL REFERENCES cab_items(id),
    n               INTEGER   NOT NULL,
    name            TEXT    NOT NULL,
    sha256          TEXT    NOT NULL,
    size            INTEGER   NOT NULL,
    PRIMARY KEY (item_id, n)
);

-- Each saved version of an item's draft, so that everyone sees what changed.
CREATE TABLE cab_draft_versions (
    item_id         INTEGER   NOT NULL REFERENCES cab_items(id),
    version         INTEGER   NOT NULL,
    text            TEXT    NOT NULL,
    user_id         INTEGER   REFERENCES users(id),
    at              INTEGER   NOT NULL,
    PRIMARY KEY (item_id, version)
);

CREATE TABLE cab_marks (
    item_id         INTEGER   NOT NULL REFERENCES cab_items(id),
    member_id       INTEGER   NOT NULL REFERENCES cab_members(id),
    mark            TEXT    NOT NULL,
    comment         TEXT    NOT NULL DEFAULT '',
    at              INTEGER   NOT NULL,
    PRIMARY KEY (item_id, member_id)
);

CREATE TABLE cab_attendance (
    session_id      INTEGER   NOT NULL REFERENCES cab_sessions(id),
    member_id       INTEGER   NOT NULL REFERENCES cab_members(id),
    presence        TEXT    NOT NULL,
    substitute_id   INTEGER   REFERENCES users(id),
    at              INTEGER   NOT NULL,
    PRIMARY KEY (session_id, member_id)
);

CREATE TABLE cab_invitees (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER   NOT NULL REFERENCES cab_sessions(id),
    name            TEXT    NOT NULL,
    organisation    TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE cab_speakers (
    id              INTEGER PRIMARY KEY,
    item_id         INTEGER   NOT NULL REFERENCES cab_items(id),
    member_id       INTEGER   NOT NULL REFERENCES cab_members(id),
    done            INTEGER  NOT NULL DEFAULT 0,
    at              INTEGER   NOT NULL,
    UNIQUE (item_id, member_id)
);

CREATE TABLE cab_polls (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER   NOT NULL REFERENCES cab_sessions(id),
    item_id         INTEGER   REFERENCES cab_items(id),
    question        TEXT    NOT NULL,
    secret          INTEGER  NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL,
    total           INTEGER   NOT NULL,
    eligible        INTEGER   NOT NULL,
    cast_count      INTEGER   NOT NULL DEFAULT 0,
    yes_count       INTEGER,
    no_count        INTEGER,
    abstain_count   INTEGER,
    passed          INTEGER,
    by_tie          INTEGER,
    opened_at       INTEGER   NOT NULL,
    closed_at       INTEGER
);
CREATE INDEX cab_polls_session ON cab_polls (session_id, id);

-- Who may vote in a poll (fixed when it opens: members present, or their substitutes).
CREATE TABLE cab_poll_voters (
    poll_id         INTEGER   NOT NULL REFERENCES cab_polls(id),
    member_id       INTEGER   NOT NULL REFERENCES cab_members(id),
    user_id         INTEGER   NOT NULL REFERENCES users(id),
    PRIMARY KEY (poll_id, member_id)
);
CREATE INDEX cab_poll_voters_user ON cab_poll_voters (user_id, poll_id);

-- A named poll's ballots; for a secret poll, `choice` is empty here and the choice is in
-- cab_secret_ballots with no link back.
CREATE TABLE cab_ballots (
    id              INTEGER PRIMARY KEY,
    poll_id         INTEGER   NOT NULL REFERENCES cab_polls(id),
    member_id       INTEGER   NOT NULL REFERENCES cab_members(id),
    user_id         INTEGER   NOT NULL REFERENCES users(id),
    client_id       TEXT    NOT NULL,
    choice          TEXT    NOT NULL,
    canonical       TEXT    NOT NULL,
    challenge       TEXT    NOT NULL,
    credential_id   TEXT    NOT NULL,
    assertion       TEXT    NOT NULL,
    member_sig      TEXT    NOT NULL DEFAULT '',
    evidence        TEXT    NOT NULL,
    audit_seq       INTEGER   NOT NULL,
    cast_at         INTEGER   NOT NULL,
    UNIQUE (poll_id, member_id),
    UNIQUE (poll_id, client_id)
);

-- A secret poll's choices: a random key, no member, no time.
CREATE TABLE cab_secret_ballots (
    token           TEXT    PRIMARY KEY,
    poll_id         INTEGER   NOT NULL REFERENCES cab_polls(id),
    choice          TEXT    NOT NULL
);
CREATE INDEX cab_secret_ballots_poll ON cab_secret_ballots (poll_id);

-- Members' passkeys: the credential as webauthn-rs keeps it (JSON) and its public key (SEC1)
-- for checks without the library.
CREATE TABLE cab_passkeys (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER   NOT NULL REFERENCES users(id),
    credential_id   TEXT    NOT NULL UNIQUE,
    public_key      TEXT    NOT NULL,
    passkey         TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    created_at      INTEGER   NOT NULL,
    last_used_at    INTEGER
);
CREATE INDEX cab_passkeys_user ON cab_passkeys (user_id);

-- A ceremony in progress (registration or a ballot's confirmation): the library's state, kept in
-- the database so that any node finishes what another started. Used once, then deleted.
CREATE TABLE cab_ceremonies (
    id              TEXT    PRIMARY KEY,
    user_id         INTEGER   NOT NULL REFERENCES users(id),
    purpose         TEXT    NOT NULL,
    challenge       TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    expires_at      INTEGER   NOT NULL
);
CREATE INDEX cab_ceremonies_expiry ON cab_ceremonies (expires_at);

-- In-app notices to members (papers sent, forms issued, reminders); also e-mailed and, when an SMS
-- hook is configured, sent as SMS.
CREATE TABLE cab_notices (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER   NOT NULL REFERENCES users(id),
    body_id         INTEGER   NOT NULL REFERENCES cab_bodies(id),
    kind            TEXT    NOT NULL,
    href            TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    created_at      INTEGER   NOT NULL,
    read_at         INTEGER
);
CREATE INDEX cab_notices_user ON cab_notices (user_id, id);
