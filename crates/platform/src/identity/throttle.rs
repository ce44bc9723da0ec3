//! Throttling of sign-in attempts, counted in the database so that it holds across requests and
//! nodes (NIST SP 800-63B §5.2.2: rate limiting, no lockout anyone can trigger at will, at most
//! 100 consecutive failures on one account).
//!
//! Every attempt first *claims* a slot on each of its keys with one conditional
//! `UPDATE … RETURNING`: the failure is counted before the password or code is checked, and an
//! attempt that finds the key in its waiting time is refused without any check. Parallel attempts
//! therefore cannot all be checked: each claim sees the count the previous one left. A success
//! resets the count.

use crate::db::{Db, DbResult};
use crate::params;

/// How one kind of key is throttled: `free` failures without waiting, then a wait of `base_ms`
/// doubling with each further failure up to `cap_ms`; at `hard` consecutive failures no attempt
/// is let through until a success elsewhere or an administrator resets the account.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub free: i64,
    pub base_ms: i64,
    pub cap_ms: i64,
    pub hard: i64,
}

impl Policy {
    /// How many doublings of `base_ms` stay below `cap_ms`.
    fn steps(&self) -> i64 {
        let mut k = 0;
        while k < 30 && self.base_ms << k < self.cap_ms {
            k += 1;
        }
        k
    }

    /// The wait after the `n`th consecutive failure (the same rule as the SQL of [`claim`]).
    pub fn wait_after(&self, n: i64) -> i64 {
        if n <= self.free {
            0
        } else if n - 1 - self.free >= self.steps() {
            self.cap_ms
        } else {
            self.base_ms << (n - 1 - self.free)
        }
    }
}

const MINUTE: i64 = 60_000;

/// One account from one address: the attacker's own address slows down quickly.
pub const PAIR: Policy = Policy {
    free: 5,
    base_ms: 15_000,
    cap_ms: 15 * MINUTE,
    hard: i64::MAX,
};
/// One address, whatever the usernames (password spraying); an office behind one NAT address
/// shares it, so it allows more.
pub const ADDRESS: Policy = Policy {
    free: 30,
    base_ms: 15_000,
    cap_ms: 15 * MINUTE,
    hard: i64::MAX,
};
/// One account from addresses it never signed in from (attacks from many addresses). Addresses
/// with an earlier successful sign-in of the account skip this key, so the owner is not held up.
pub const ACCOUNT: Policy = Policy {
    free: 10,
    base_ms: 15_000,
    cap_ms: 15 * MINUTE,
    hard: 100,
};
/// Second-factor codes of one account, over all its half-signed-in sessions.
pub const TOTP: Policy = Policy {
    free: 10,
    base_ms: 15_000,
    cap_ms: 15 * MINUTE,
    hard: 100,
};

/// Sign-ins started at the identity provider from one address and not finished: each start
/// stores a pending sign-in (state, nonce, PKCE verifier), so a flood of starts is slowed down.
/// A finished sign-in ends the count; an office behind one NAT address shares it.
pub const OIDC_START: Policy = Policy {
    free: 60,
    base_ms: 15_000,
    cap_ms: 15 * MINUTE,
    hard: i64::MAX,
};

/// Failures older than this, with no attempt since, are forgotten.
pub const FORGET_AFTER_MS: i64 = 24 * 60 * MINUTE;

/// The outcome of [`claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The attempt may be checked; `failures` now counts it. `known` is set on `pair:` keys of
    /// an address the account signed in from before.
    Allowed { failures: i64, known: bool },
    /// Refused without a check; try again after this many milliseconds.
    Refused { retry_after_ms: i64 },
}

/// Count an attempt on `key` before it is checked, or refuse it while the key waits.
pub async fn claim(db: &Db, key: &str, policy: &Policy, now: i64) -> DbResult<Claim> {
    // Create the key, or forget failures that have been quiet long enough.
    db.execute(
        "INSERT INTO login_throttle (key, failures, next_at, updated_at) VALUES ($1, 0, 0, $2) \
         ON CONFLICT (key) DO UPDATE SET failures = 0 \
         WHERE login_throttle.updated_at < $3 AND login_throttle.next_at <= $2",
        params![key, now, now - FORGET_AFTER_MS],
    )
    .await?;
    let row = db
        .fetch_optional(
            "UPDATE login_throttle SET failures = failures + 1, updated_at = $2, \
             next_at = CASE WHEN failures + 1 <= $3 THEN 0 \
                            WHEN failures - $3 >= $4 THEN $2 + $5 \
                            ELSE $2 + $6 * (1 << CAST(failures - $3 AS INTEGER)) END \
             WHERE key = $1 AND next_at <= $2 AND failures < $7 \
             RETURNING failures, ok_at",
            params![
                key,
                now,
                policy.free,
                policy.steps(),
                policy.cap_ms,
                policy.base_ms,
                policy.hard
            ],
        )
        .await?;
    if let Some(r) = row {
        return Ok(Claim::Allowed {
            failures: r.get("failures")?,
            known: r.get::<Option<i64>>("ok_at")?.is_some(),
        });
    }
    let r = db
        .fetch_optional(
            "SELECT failures, next_at FROM login_throttle WHERE key = $1",
            params![key],
        )
        .await?;
    let (failures, next_at) = match r {
        Some(r) => (r.get::<i64>("failures")?, r.get::<i64>("next_at")?),
        None => (0, now),
    };
    let retry_after_ms = if failures >= policy.hard {
        policy.cap_ms
    } else {
        (next_at - now).max(1000)
    };
    Ok(Claim::Refused { retry_after_ms })
}

/// Take back a counted attempt that was not checked after all (a later key refused it), or
/// that succeeded on a key shared with others (an address).
pub async fn release(db: &Db, key: &str) -> DbResult<()> {
    db.execute(
        "UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0",
        params![key],
    )
    .await?;
    Ok(())
}

/// A success: the consecutive failures of `key` end; `known` marks the address as one the
/// account signed in from.
pub async fn succeed(db: &Db, key: &str, now: i64, known: bool) -> DbResult<()> {
    db.execute(
        "UPDATE login_throttle SET failures = 0, next_at = 0, updated_at = $2, \
         ok_at = CASE WHEN $3 THEN $2 ELSE ok_at END WHERE key = $1",
        params![key, now, known],
    )
    .await?;
    Ok(())
}

/// An administrator reset the account (new password, re-enabled): its account-wide, per-address
/// and second-factor counts start again. Known addresses stay known.
pub async fn reset_account(db: &Db, username: &str, user_id: i64) -> DbResult<()> {
    let pair = pair_prefix(username);
    db.execute(
        "UPDATE login_throttle SET failures = 0, next_at = 0 \
         WHERE key = $1 OR key = $2 OR substr(key, 1, CAST($3 AS INTEGER)) = $4",
        params![
            account_key(username),
            totp_key(user_id),
            pair.len() as i64,
            pair
        ],
    )
    .await?;
    Ok(())
}

/// Drop keys with nothing to remember: no failure for a day and no known address within a year.
pub async fn purge(db: &Db, now: i64) -> DbResult<u64> {
    db.execute(
        "DELETE FROM login_throttle WHERE updated_at < $1 AND next_at < $2 \
         AND (ok_at IS NULL OR ok_at < $3)",
        params![now - FORGET_AFTER_MS, now, now - 365 * 24 * 60 * MINUTE],
    )
    .await
}

/// Usernames as they are counted: normalised, at most 64 characters (longer ones cannot exist).
pub fn counted_name(username: &str) -> String {
    super::normalize_username(username)
        .chars()
        .take(64)
        .collect()
}

pub fn pair_key(username: &str, address: &str) -> String {
    format!("{}{address}", pair_prefix(username))
}
fn pair_prefix(username: &str) -> String {
    format!("pair:{}|", counted_name(username))
}
pub fn address_key(address: &str) -> String {
    format!("ip:{address}")
}
pub fn oidc_start_key(address: &str) -> String {
    format!("oidc:{address}")
}
pub fn account_key(username: &str) -> String {
    format!("acct:{}", counted_name(username))
}
pub fn totp_key(user_id: i64) -> String {
    format!("totp:{user_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap() {
        let waits: Vec<i64> = (1..=13).map(|n| PAIR.wait_after(n) / 1000).collect();
        assert_eq!(waits, [0, 0, 0, 0, 0, 15, 30, 60, 120, 240, 480, 900, 900]);
        assert_eq!(ACCOUNT.wait_after(10), 0);
        assert_eq!(ACCOUNT.wait_after(11), 15_000);
        assert_eq!(ACCOUNT.wait_after(100), ACCOUNT.cap_ms);
    }
}
