//! Sessions in the database, so that any node can serve any request. The cookie carries a random
//! token; the database stores only its SHA-256, so a leaked table does not leak sessions.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::db::{Db, DbResult, now_ms};
use crate::params;

pub const COOKIE: &str = "egov_session";

/// A new random token (256 bits, URL-safe).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub user_id: i64,
    pub second_factor_ok: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// Start a session; returns the token for the cookie.
pub async fn create(
    db: &Db,
    cfg: &Config,
    user_id: i64,
    second_factor_ok: bool,
    ip: Option<String>,
    user_agent: Option<String>,
) -> DbResult<String> {
    let token = random_token();
    let now = now_ms();
    db.execute(
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, second_factor_ok, ip, user_agent) \
         VALUES ($1, $2, $3, $3, $4, $5, $6, $7)",
        params![
            token_hash(&token),
            user_id,
            now,
            now + cfg.session_ttl_minutes * 60_000,
            second_factor_ok,
            ip,
            user_agent.map(|u| u.chars().take(200).collect::<String>())
        ],
    )
    .await?;
    Ok(token)
}

/// The session for a cookie token, if it exists, has not expired and has not idled out.
/// Refreshes `last_seen_at` at most once a minute.
pub async fn lookup(db: &Db, cfg: &Config, token: &str) -> DbResult<Option<Session>> {
    let now = now_ms();
    let Some(r) = db
        .fetch_optional(
            "SELECT s.id_hash, s.user_id, s.second_factor_ok, s.created_at, s.last_seen_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND u.is_active",
            params![
                token_hash(token),
                now,
                now - cfg.session_idle_minutes * 60_000
            ],
        )
        .await?
    else {
        return Ok(None);
    };
    let s = Session {
        id_hash: r.get("id_hash")?,
        user_id: r.get("user_id")?,
        second_factor_ok: r.get("second_factor_ok")?,
        created_at: r.get("created_at")?,
        last_seen_at: r.get("last_seen_at")?,
    };
    if now - s.last_seen_at > 60_000 {
        db.execute(
            "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2",
            params![now, &s.id_hash],
        )
        .await?;
    }
    Ok(Some(s))
}

pub async fn mark_second_factor(db: &Db, id_hash: &str) -> DbResult<()> {
    db.execute(
        "UPDATE sessions SET second_factor_ok = $1 WHERE id_hash = $2",
        params![true, id_hash],
    )
    .await?;
    Ok(())
}

pub async fn delete(db: &Db, id_hash: &str) -> DbResult<()> {
    db.execute("DELETE FROM sessions WHERE id_hash = $1", params![id_hash])
        .await?;
    Ok(())
}

/// Log out everywhere: every session of the user ends.
pub async fn delete_all_for_user(db: &Db, user_id: i64) -> DbResult<u64> {
    db.execute("DELETE FROM sessions WHERE user_id = $1", params![user_id])
        .await
}

/// Remove expired sessions (a periodic job).
pub async fn purge_expired(db: &Db) -> DbResult<u64> {
    db.execute(
        "DELETE FROM sessions WHERE expires_at < $1",
        params![now_ms()],
    )
    .await
}
