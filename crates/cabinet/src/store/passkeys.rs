//! Members' passkeys and ceremonies in progress: `cab_passkeys`, `cab_ceremonies`.

use platform::db::{Db, DbResult, Tx};
use platform::params;

#[derive(Debug, Clone)]
pub struct StoredPasskey {
    pub id: i64,
    pub user_id: i64,
    pub credential_id: String,
    /// Uncompressed SEC1 P-256 point, hex.
    pub public_key: String,
    /// The credential as webauthn-rs serialises it.
    pub passkey: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

fn row(r: &platform::db::Row) -> DbResult<StoredPasskey> {
    Ok(StoredPasskey {
        id: r.get("id")?,
        user_id: r.get("user_id")?,
        credential_id: r.get("credential_id")?,
        public_key: r.get("public_key")?,
        passkey: r.get("passkey")?,
        name: r.get("name")?,
        created_at: r.get("created_at")?,
        last_used_at: r.get("last_used_at")?,
    })
}

const SELECT: &str = "SELECT id, user_id, credential_id, public_key, passkey, name, created_at, \
     last_used_at FROM cab_passkeys";

/// A user's passkeys (at most a handful).
pub async fn of_user(db: &Db, user_id: i64) -> DbResult<Vec<StoredPasskey>> {
    db.fetch_all(
        platform::db::Sql::trusted(format!("{SELECT} WHERE user_id = $1 ORDER BY id LIMIT 20")),
        params![user_id],
    )
    .await?
    .iter()
    .map(row)
    .collect()
}

pub async fn by_credential(tx: &mut Tx, credential_id: &str) -> DbResult<Option<StoredPasskey>> {
    tx.fetch_optional(
        platform::db::Sql::trusted(format!("{SELECT} WHERE credential_id = $1")),
        params![credential_id],
    )
    .await?
    .as_ref()
    .map(row)
    .transpose()
}

pub async fn by_credential_db(db: &Db, credential_id: &str) -> DbResult<Option<StoredPasskey>> {
    db.fetch_optional(
        platform::db::Sql::trusted(format!("{SELECT} WHERE credential_id = $1")),
        params![credential_id],
    )
    .await?
    .as_ref()
    .map(row)
    .transpose()
}

pub async fn count_of_user(db: &Db, user_id: i64) -> DbResult<i64> {
    db.fetch_one(
        "SELECT COUNT(*) AS n FROM cab_passkeys WHERE user_id = $1",
        params![user_id],
    )
    .await?
    .get("n")
}

pub async fn insert(
    tx: &mut Tx,
    user_id: i64,
    credential_id: &str,
    public_key: &str,
    passkey: &str,
    name: &str,
    now: i64,
) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO cab_passkeys (user_id, credential_id, public_key, passkey, name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        params![user_id, credential_id, public_key, passkey, name, now],
    )
    .await?
    .get("id")
}

/// After a use: the credential's new counter (webauthn-rs's JSON) and the time.
pub async fn used(tx: &mut Tx, id: i64, passkey: &str, now: i64) -> DbResult<u64> {
    tx.execute(
        "UPDATE cab_passkeys SET passkey = $2, last_used_at = $3 WHERE id = $1",
        params![id, passkey, now],
    )
    .await
}

pub async fn delete(tx: &mut Tx, user_id: i64, id: i64) -> DbResult<u64> {
    tx.execute(
        "DELETE FROM cab_passkeys WHERE id = $1 AND user_id = $2",
        params![id, user_id],
    )
    .await
}

pub async fn put_ceremony(
    db: &Db,
    id: &str,
    user_id: i64,
    purpose: &str,
    challenge: &str,
    state: &str,
    expires_at: i64,
) -> DbResult<()> {
    db.execute(
        "INSERT INTO cab_ceremonies (id, user_id, purpose, challenge, state, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        params![id, user_id, purpose, challenge, state, expires_at],
    )
    .await?;
    Ok(())
}

/// A ceremony: (user, purpose, challenge, state, expires_at); deleted as it is read, so that it
/// is used at most once even when two requests race for it.
pub async fn take_ceremony(
    tx: &mut Tx,
    id: &str,
) -> DbResult<Option<(i64, String, String, String, i64)>> {
    let r = tx
        .fetch_optional(
            "DELETE FROM cab_ceremonies WHERE id = $1 \
             RETURNING user_id, purpose, challenge, state, expires_at",
            params![id],
        )
        .await?;
    r.map(|r| {
        Ok((
            r.get("user_id")?,
            r.get("purpose")?,
            r.get("challenge")?,
            r.get("state")?,
            r.get("expires_at")?,
        ))
    })
    .transpose()
}

/// Removes ceremonies that expired before `now`.
pub async fn prune(db: &Db, now: i64) -> DbResult<u64> {
    db.execute(
        "DELETE FROM cab_ceremonies WHERE expires_at < $1",
        params![now],
    )
    .await
}
