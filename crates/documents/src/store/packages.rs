//! `doc_packages`, `doc_deliveries`, `doc_traces`, `doc_receipts`: what the axis accepted, who
//! must fetch it, what happened to it, and the first outcome of every package received.

use platform::db::{Db, DbResult, Tx, now_ms};
use platform::params;

/// A package accepted by the axis.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPackage<'a> {
    pub kind: &'a str,
    pub document_id: &'a str,
    pub sender_code: &'a str,
    pub status_code: Option<&'a str>,
    pub dedupe_key: &'a str,
    pub file_key: &'a str,
    pub size: u64,
    pub signer: Option<&'a str>,
}

pub async fn insert(tx: &mut Tx, p: &NewPackage<'_>) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO doc_packages (kind, document_id, sender_code, status_code, dedupe_key, file_key, \
         size, signer, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        params![
            p.kind,
            p.document_id,
            p.sender_code,
            p.status_code,
            p.dedupe_key,
            p.file_key,
            i64::try_from(p.size).unwrap_or(i64::MAX),
            p.signer,
            now_ms()
        ],
    )
    .await?
    .get("id")
}

/// One delivery per recipient, waiting until `expires_at`.
pub async fn deliver(
    tx: &mut Tx,
    package_id: i64,
    recipient: &str,
    expires_at: i64,
) -> DbResult<()> {
    tx.execute(
        "INSERT INTO doc_deliveries (package_id, recipient_code, state, created_at, expires_at) \
         VALUES ($1, $2, 'pending', $3, $4)",
        params![package_id, recipient, now_ms(), expires_at],
    )
    .await?;
    Ok(())
}

pub async fn trace(
    tx: &mut Tx,
    package_id: i64,
    organ_code: &str,
    event: &str,
    detail: Option<&str>,
) -> DbResult<()> {
    tx.execute(
        "INSERT INTO doc_traces (package_id, organ_code, event, detail, at) VALUES ($1, $2, $3, $4, $5)",
        params![package_id, organ_code, event, detail, now_ms()],
    )
    .await?;
    Ok(())
}

/// The first outcome recorded for a package, if it was received before.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Receipt {
    pub sender_code: String,
    pub package_id: Option<i64>,
    pub outcome: String,
    pub problems: Option<String>,
}

pub async fn receipt(db: &Db, dedupe_key: &str) -> DbResult<Option<Receipt>> {
    db.fetch_optional_as(
        "SELECT sender_code, package_id, outcome, problems FROM doc_receipts WHERE dedupe_key = $1",
        params![dedupe_key],
    )
    .await
}

/// Record the outcome; `false` when another request recorded one first (a concurrent resend).
pub async fn record_receipt(
    tx: &mut Tx,
    dedupe_key: &str,
    sender: &str,
    package_id: Option<i64>,
    outcome: &str,
    problems: Option<&str>,
) -> DbResult<bool> {
    let n = tx
        .execute(
            "INSERT INTO doc_receipts (dedupe_key, sender_code, package_id, outcome, problems, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING",
            params![dedupe_key, sender, package_id, outcome, problems, now_ms()],
        )
        .await?;
    Ok(n == 1)
}

/// A package waiting for a recipient.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Pending {
    pub package_id: i64,
    pub kind: String,
    pub document_id: String,
    pub sender_code: String,
    pub status_code: Option<String>,
    pub size: i64,
    pub received_at: i64,
}

/// What waits for `recipient`, oldest first, at most `limit`.
pub async fn pending(db: &Db, recipient: &str, limit: i64) -> DbResult<Vec<Pending>> {
    db.fetch_all_as(
        "SELECT p.id AS package_id, p.kind, p.document_id, p.sender_code, p.status_code, p.size, \
                p.received_at \
           FROM doc_deliveries d JOIN doc_packages p ON p.id = d.package_id \
          WHERE d.recipient_code = $1 AND d.state = 'pending' \
          ORDER BY d.id LIMIT $2",
        params![recipient, limit],
    )
    .await
}

/// The file of a package `recipient` may fetch (a delivery to it exists), if any.
pub async fn file_for(db: &Db, package_id: i64, recipient: &str) -> DbResult<Option<String>> {
    db.fetch_optional(
        "SELECT p.file_key FROM doc_packages p JOIN doc_deliveries d ON d.package_id = p.id \
          WHERE p.id = $1 AND d.recipient_code = $2",
        params![package_id, recipient],
    )
    .await?
    .map(|r| r.get("file_key"))
    .transpose()
}

/// Mark a delivery acknowledged; the number of rows changed (0 when already acknowledged or not
/// addressed to `recipient`).
pub async fn acknowledge(tx: &mut Tx, package_id: i64, recipient: &str) -> DbResult<u64> {
    tx.execute(
        "UPDATE doc_deliveries SET state = 'acknowledged', acknowledged_at = $1 \
          WHERE package_id = $2 AND recipient_code = $3 AND state = 'pending'",
        params![now_ms(), package_id, recipient],
    )
    .await
}

/// Whether a delivery of `package_id` to `recipient` exists in any state.
pub async fn addressed_to(db: &Db, package_id: i64, recipient: &str) -> DbResult<bool> {
    Ok(db
        .fetch_optional(
            "SELECT 1 AS one FROM doc_deliveries WHERE package_id = $1 AND recipient_code = $2",
            params![package_id, recipient],
        )
        .await?
        .is_some())
}

/// The first accepted document package with this `DocumentId`, and its sender.
pub async fn document(db: &Db, document_id: &str) -> DbResult<Option<(i64, String)>> {
    // The first package of the document: a revocation later carries the same `DocumentId`.
    db.fetch_optional(
        "SELECT id, sender_code FROM doc_packages WHERE document_id = $1 AND kind = 'document' \
          ORDER BY id LIMIT 1",
        params![document_id],
    )
    .await?
    .map(|r| Ok((r.get("id")?, r.get("sender_code")?)))
    .transpose()
}

/// Who a package was delivered to (every recipient, whatever the delivery's state).
pub async fn recipients_of(db: &Db, package_id: i64) -> DbResult<Vec<String>> {
    db.fetch_all(
        "SELECT recipient_code FROM doc_deliveries WHERE package_id = $1 ORDER BY recipient_code",
        params![package_id],
    )
    .await?
    .iter()
    .map(|r| r.get("recipient_code"))
    .collect()
}

/// Deliveries past their time: marked expired, returned as (package, recipient, sender).
pub async fn expire(tx: &mut Tx, now: i64) -> DbResult<Vec<(i64, String, String)>> {
    tx.fetch_all(
        "UPDATE doc_deliveries SET state = 'expired' \
          WHERE state = 'pending' AND expires_at < $1 \
          RETURNING package_id, recipient_code, \
                    (SELECT sender_code FROM doc_packages p WHERE p.id = package_id) AS sender_code",
        params![now],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get("package_id")?, r.get("recipient_code")?, r.get("sender_code")?)))
    .collect()
}

/// One hop of a package's trace.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct TraceEntry {
    pub organ_code: String,
    pub event: String,
    pub detail: Option<String>,
    pub at: i64,
}

pub async fn traces(db: &Db, package_id: i64) -> DbResult<Vec<TraceEntry>> {
    db.fetch_all_as(
        "SELECT organ_code, event, detail, at FROM doc_traces WHERE package_id = $1 ORDER BY id LIMIT 1000",
        params![package_id],
    )
    .await
}

/// One page of what waits for `recipient`, oldest first, and how many wait in all.
pub async fn pending_page(
    db: &Db,
    recipient: &str,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Pending>, i64)> {
    let items = db
        .fetch_all_as(
            "SELECT p.id AS package_id, p.kind, p.document_id, p.sender_code, p.status_code, p.size, \
                    p.received_at \
               FROM doc_deliveries d JOIN doc_packages p ON p.id = d.package_id \
              WHERE d.recipient_code = $1 AND d.state = 'pending' \
              ORDER BY d.id LIMIT $2 OFFSET $3",
            params![recipient, limit, offset],
        )
        .await?;
    let total = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM doc_deliveries WHERE recipient_code = $1 AND state = 'pending'",
            params![recipient],
        )
        .await?
        .get("n")?;
    Ok((items, total))
}

/// A package an agency sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Sent {
    pub package_id: i64,
    pub kind: String,
    pub document_id: String,
    pub status_code: Option<String>,
    pub size: i64,
    pub received_at: i64,
}

/// Where a package stands at one recipient.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct DeliveryState {
    pub recipient_code: String,
    pub state: String,
    pub acknowledged_at: Option<i64>,
}

/// One page of what `sender` sent, newest first, and how many in all.
pub async fn sent_page(
    db: &Db,
    sender: &str,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<Sent>, i64)> {
    let items = db
        .fetch_all_as(
            "SELECT id AS package_id, kind, document_id, status_code, size, received_at \
               FROM doc_packages WHERE sender_code = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
            params![sender, limit, offset],
        )
        .await?;
    let total = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM doc_packages WHERE sender_code = $1",
            params![sender],
        )
        .await?
        .get("n")?;
    Ok((items, total))
}

/// The deliveries of a package, by recipient.
pub async fn deliveries(db: &Db, package_id: i64) -> DbResult<Vec<DeliveryState>> {
    db.fetch_all_as(
        "SELECT recipient_code, state, acknowledged_at FROM doc_deliveries WHERE package_id = $1 \
          ORDER BY id LIMIT 1000",
        params![package_id],
    )
    .await
}
