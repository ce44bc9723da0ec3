-- Citizens and businesses sign in through a national identity provider (OpenID Connect).
-- Instants are Unix milliseconds.

-- The 12-digit citizen identity number, when known: an official whose account records it is the
-- same person as the citizen who signs in with it (one account, never two).
ALTER TABLE users ADD COLUMN personal_id TEXT;
CREATE UNIQUE INDEX users_personal_id ON users (personal_id);

-- An identity at a provider (issuer, subject) linked to an account.
CREATE TABLE user_identities (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    issuer        TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER NOT NULL,
    UNIQUE (issuer, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

-- A sign-in under way (state, PKCE verifier, nonce, where to go back), kept in the database so any
-- node can finish it; single use, expires after ten minutes. The state and the browser's binding
-- cookie are stored as SHA-256 only.
CREATE TABLE oidc_pending (
    state_hash    TEXT    PRIMARY KEY,
    browser_hash  TEXT    NOT NULL,
    pkce_verifier TEXT    NOT NULL,
    nonce         TEXT    NOT NULL,
    next_url      TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX oidc_pending_expiry ON oidc_pending (expires_at);

-- A citizen's session (cookie egov_citizen, stored as SHA-256): separate from officials'
-- sessions, so it never carries an official's grants. `representations` is the JSON list of
-- businesses the provider said the person represents; `acting_*` the one chosen (if any).
CREATE TABLE citizen_sessions (
    id_hash          TEXT    PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users(id),
    identity_id      INTEGER REFERENCES user_identities(id),
    assurance        INTEGER NOT NULL CHECK (assurance IN (1, 2)),
    acr              TEXT,
    representations  TEXT    NOT NULL DEFAULT '[]',
    acting_tax_code  TEXT,
    acting_name      TEXT,
    acting_role      TEXT,
    delegation_chosen INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    last_seen_at     INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    ip               TEXT,
    user_agent       TEXT
);
CREATE INDEX citizen_sessions_user ON citizen_sessions (user_id);
CREATE INDEX citizen_sessions_expiry ON citizen_sessions (expires_at);
