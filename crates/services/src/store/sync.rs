//! The sync outbox: `svc_sync_outbox` (migration 0034).

use platform::db::{Db, DbResult, Tx};
use platform::params;

/// Queues the record of a dossier's change, in the change's transaction.
pub async fn enqueue(
    tx: &mut Tx,
    dossier_id: i64,
    dossier_code: &str,
    record: &serde_json::Value,
    now: i64,
) -> DbResult<i64> {
    let row = tx
        .fetch_one(
            "INSERT INTO svc_sync_outbox (dossier_id, dossier_code, record, state, next_at, \
             created_at) VALUES ($1, $2, $3, 'queued', $4, $4) RETURNING id",
            params![dossier_id, dossier_code, record.to_string(), now],
        )
        .await?;
    row.get("id")
}

/// A queued record.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: i64,
    pub dossier_id: i64,
    pub record: String,
    pub attempts: i64,
    pub next_at: i64,
}

/// The oldest queued records (due or not: a dossier's later record waits behind an earlier one
/// that is not due yet), at most `limit`.
pub async fn queued(db: &Db, limit: i64) -> DbResult<Vec<Queued>> {
    db.fetch_all(
        "SELECT id, dossier_id, record, attempts, next_at FROM svc_sync_outbox \
         WHERE state = 'queued' ORDER BY id LIMIT $1",
        params![limit],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Queued {
            id: r.get("id")?,
            dossier_id: r.get("dossier_id")?,
            record: r.get("record")?,
            attempts: r.get("attempts")?,
            next_at: r.get("next_at")?,
        })
    })
    .collect()
}

pub async fn mark_sent(db: &Db, id: i64, now: i64) -> DbResult<()> {
    db.execute(
        "UPDATE svc_sync_outbox SET state = 'sent', sent_at = $1, attempts = attempts + 1, \
         last_error = NULL WHERE id = $2 AND state = 'queued'",
        params![now, id],
    )
    .await?;
    Ok(())
}

pub async fn mark_failed(db: &Db, id: i64, error: &str, next_at: i64) -> DbResult<()> {
    db.execute(
        "UPDATE svc_sync_outbox SET attempts = attempts + 1, last_error = $1, next_at = $2 \
         WHERE id = $3 AND state = 'queued'",
        params![error, next_at, id],
    )
    .await?;
    Ok(())
}

/// How many records wait, and the oldest one's creation time (ms).
pub async fn backlog(db: &Db) -> DbResult<(i64, Option<i64>)> {
    let r = db
        .fetch_one(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM svc_sync_outbox \
             WHERE state = 'queued'",
            params![],
        )
        .await?;
    Ok((r.get("n")?, r.get("oldest")?))
}
