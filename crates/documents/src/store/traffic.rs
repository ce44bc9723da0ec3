//! What the axis operator watches, read from `doc_packages`, `doc_deliveries` and
//! `doc_receipts`: traffic per agency per day, deliveries still waiting, and failures (packages
//! refused, deliveries that expired). Days are Việt Nam's (UTC+7), counted from 1970-01-01.

use platform::db::{Db, DbResult};
use platform::params;

/// Milliseconds from UTC to Việt Nam time, and in a day (written out in the statements below:
/// 25200000 and 86400000).
const VN_OFFSET_MS: i64 = 7 * 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// The day (Việt Nam time, days since 1970-01-01) of a moment in milliseconds.
pub fn vn_day(ms: i64) -> i64 {
    (ms + VN_OFFSET_MS).div_euclid(DAY_MS)
}

/// The first millisecond of a Việt Nam day.
pub fn vn_day_start(day: i64) -> i64 {
    day * DAY_MS - VN_OFFSET_MS
}

/// One agency's count of one kind on one day.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DayCount {
    pub agency: String,
    pub day: i64,
    pub n: i64,
}

/// Documents and statuses the axis accepted from each sender, by day, since `since_ms`.
pub async fn sent(db: &Db, since_ms: i64) -> DbResult<(Vec<DayCount>, Vec<DayCount>)> {
    let rows: Vec<(String, i64, String, i64)> = db
        .fetch_all(
            "SELECT sender_code, (received_at + 25200000) / 86400000 AS day, kind, COUNT(*) AS n \
               FROM doc_packages WHERE received_at >= $1 \
              GROUP BY sender_code, (received_at + 25200000) / 86400000, kind",
            params![since_ms],
        )
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.get("sender_code")?,
                r.get("day")?,
                r.get("kind")?,
                r.get("n")?,
            ))
        })
        .collect::<DbResult<_>>()?;
    let (mut documents, mut statuses) = (Vec::new(), Vec::new());
    for (agency, day, kind, n) in rows {
        let c = DayCount { agency, day, n };
        if kind == "document" {
            documents.push(c);
        } else {
            statuses.push(c);
        }
    }
    Ok((documents, statuses))
}

/// Packages each recipient fetched and acknowledged, by day, since `since_ms`.
pub async fn delivered(db: &Db, since_ms: i64) -> DbResult<Vec<DayCount>> {
    db.fetch_all_as(
        "SELECT recipient_code AS agency, (acknowledged_at + 25200000) / 86400000 AS day, COUNT(*) AS n \
           FROM doc_deliveries WHERE state = 'acknowledged' AND acknowledged_at >= $1 \
          GROUP BY recipient_code, (acknowledged_at + 25200000) / 86400000",
        params![since_ms],
    )
    .await
}

/// Packages the axis refused from each sender, by day, since `since_ms`.
pub async fn refused(db: &Db, since_ms: i64) -> DbResult<Vec<DayCount>> {
    db.fetch_all_as(
        "SELECT sender_code AS agency, (received_at + 25200000) / 86400000 AS day, COUNT(*) AS n \
           FROM doc_receipts WHERE outcome = 'rejected' AND received_at >= $1 \
          GROUP BY sender_code, (received_at + 25200000) / 86400000",
        params![since_ms],
    )
    .await
}

/// Deliveries that expired unfetched, per recipient, by day, since `since_ms`.
pub async fn expired(db: &Db, since_ms: i64) -> DbResult<Vec<DayCount>> {
    db.fetch_all_as(
        "SELECT recipient_code AS agency, (expires_at + 25200000) / 86400000 AS day, COUNT(*) AS n \
           FROM doc_deliveries WHERE state = 'expired' AND expires_at >= $1 \
          GROUP BY recipient_code, (expires_at + 25200000) / 86400000",
        params![since_ms],
    )
    .await
}

/// What waits for one recipient now.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Waiting {
    pub recipient_code: String,
    pub n: i64,
    /// When the oldest waiting package was accepted.
    pub oldest: i64,
    /// When the first waiting delivery expires.
    pub first_expiry: i64,
}

/// Pending deliveries per recipient, the longest waiting first.
pub async fn waiting(db: &Db, limit: i64) -> DbResult<Vec<Waiting>> {
    db.fetch_all_as(
        "SELECT recipient_code, COUNT(*) AS n, MIN(created_at) AS oldest, \
                MIN(expires_at) AS first_expiry \
           FROM doc_deliveries WHERE state = 'pending' \
          GROUP BY recipient_code ORDER BY MIN(created_at), recipient_code LIMIT $1",
        params![limit],
    )
    .await
}

/// A package the axis refused.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Refusal {
    pub sender_code: String,
    pub received_at: i64,
    /// The problems as stored: JSON `[{"code": …, …}]`.
    pub problems: Option<String>,
}

/// The latest refusals, newest first.
pub async fn latest_refusals(db: &Db, limit: i64) -> DbResult<Vec<Refusal>> {
    db.fetch_all_as(
        "SELECT sender_code, received_at, problems FROM doc_receipts \
          WHERE outcome = 'rejected' ORDER BY received_at DESC, dedupe_key LIMIT $1",
        params![limit],
    )
    .await
}

/// A delivery that expired before its recipient fetched it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Expired {
    pub package_id: i64,
    pub document_id: String,
    pub sender_code: String,
    pub recipient_code: String,
    pub expires_at: i64,
}

/// The latest expired deliveries, newest first.
pub async fn latest_expired(db: &Db, limit: i64) -> DbResult<Vec<Expired>> {
    db.fetch_all_as(
        "SELECT p.id AS package_id, p.document_id, p.sender_code, d.recipient_code, d.expires_at \
           FROM doc_deliveries d JOIN doc_packages p ON p.id = d.package_id \
          WHERE d.state = 'expired' ORDER BY d.expires_at DESC, d.id DESC LIMIT $1",
        params![limit],
    )
    .await
}

/// Documents each sender had accepted by the axis in `[from_ms, to_ms)`.
pub async fn documents_sent_between(
    db: &Db,
    from_ms: i64,
    to_ms: i64,
) -> DbResult<Vec<(String, i64)>> {
    db.fetch_all(
        "SELECT sender_code, COUNT(*) AS n FROM doc_packages \
          WHERE kind = 'document' AND received_at >= $1 AND received_at < $2 \
          GROUP BY sender_code",
        params![from_ms, to_ms],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get("sender_code")?, r.get("n")?)))
    .collect()
}

/// Documents each recipient fetched and acknowledged in `[from_ms, to_ms)`.
pub async fn documents_received_between(
    db: &Db,
    from_ms: i64,
    to_ms: i64,
) -> DbResult<Vec<(String, i64)>> {
    db.fetch_all(
        "SELECT d.recipient_code, COUNT(*) AS n \
           FROM doc_deliveries d JOIN doc_packages p ON p.id = d.package_id \
          WHERE p.kind = 'document' AND d.state = 'acknowledged' \
            AND d.acknowledged_at >= $1 AND d.acknowledged_at < $2 \
          GROUP BY d.recipient_code",
        params![from_ms, to_ms],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get("recipient_code")?, r.get("n")?)))
    .collect()
}

/// Any package (document or status) accepted in `[from_ms, to_ms)`: whether this node worked as
/// the axis then.
pub async fn any_between(db: &Db, from_ms: i64, to_ms: i64) -> DbResult<bool> {
    Ok(db
        .fetch_optional(
            "SELECT id FROM doc_packages WHERE received_at >= $1 AND received_at < $2 LIMIT 1",
            params![from_ms, to_ms],
        )
        .await?
        .is_some())
}
