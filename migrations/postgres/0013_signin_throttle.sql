-- Sign-in throttling, second-factor attempts and replay (issue 9, items 4 and 5).

-- One row per throttled key: `pair:<username>|<address>`, `ip:<address>`, `acct:<username>`,
-- `totp:<user id>`. Every attempt is counted here by one conditional UPDATE before the password
-- or code is checked (identity::throttle), so the count holds across requests and nodes.
CREATE TABLE login_throttle (
    key         TEXT    PRIMARY KEY,
    -- Consecutive failures (an attempt counts as one until it succeeds).
    failures    BIGINT  NOT NULL DEFAULT 0,
    -- No attempt is let through before this instant (Unix ms).
    next_at     BIGINT  NOT NULL DEFAULT 0,
    -- `pair:` keys: last successful sign-in from that address (a known address).
    ok_at       BIGINT,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX login_throttle_updated ON login_throttle (updated_at);

-- Wrong second-factor codes in a half-signed-in session; it ends at the fifth.
ALTER TABLE sessions ADD COLUMN totp_failures BIGINT NOT NULL DEFAULT 0;
-- The last accepted TOTP time step (RFC 6238 §5.2: a code is accepted once).
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
-- The per-account lock of migration 0001 is replaced by login_throttle.
ALTER TABLE users DROP COLUMN failed_logins, DROP COLUMN locked_until;
