//! In-app notices to members and assistants: `cab_notices`.

use platform::db::{Db, DbResult, Tx};
use platform::params;

#[derive(Debug, Clone)]
pub struct Notice {
    pub id: i64,
    pub kind: String,
    pub href: String,
    pub text: String,
    pub created_at: i64,
    pub read: bool,
}

pub async fn insert(
    tx: &mut Tx,
    user_id: i64,
    body_id: i64,
    kind: &str,
    href: &str,
    text: &str,
    now: i64,
) -> DbResult<()> {
    tx.execute(
        "INSERT INTO cab_notices (user_id, body_id, kind, href, text, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        params![user_id, body_id, kind, href, text, now],
    )
    .await?;
    Ok(())
}

/// The user's newest notices, at most `limit`.
pub async fn of_user(db: &Db, user_id: i64, limit: i64) -> DbResult<Vec<Notice>> {
    db.fetch_all(
        "SELECT id, kind, href, text, created_at, read_at FROM cab_notices WHERE user_id = $1 \
         ORDER BY id DESC LIMIT $2",
        params![user_id, limit],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Notice {
            id: r.get("id")?,
            kind: r.get("kind")?,
            href: r.get("href")?,
            text: r.get("text")?,
            created_at: r.get("created_at")?,
            read: r.get::<Option<i64>>("read_at")?.is_some(),
        })
    })
    .collect()
}

pub async fn mark_read(db: &Db, user_id: i64, now: i64) -> DbResult<u64> {
    db.execute(
        "UPDATE cab_notices SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL",
        params![user_id, now],
    )
    .await
}
