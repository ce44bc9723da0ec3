//! `doc_outbox` and `doc_outgoing_statuses`: an agency endpoint's packages waiting for the axis,
//! and the statuses recipients sent back about its outgoing documents. Every read takes the
//! agency.

use platform::db::{Db, DbResult, Tx, now_ms};
use platform::params;

/// The most outbox rows one delivery round takes.
pub const ROUND_MAX: i64 = 50;
/// The most timeline entries read for one document.
pub const TIMELINE_MAX: i64 = 500;

/// A package to queue.
#[derive(Debug, Clone)]
pub struct NewOutbox<'a> {
    pub agency_code: &'a str,
    pub kind: &'a str,
    pub outgoing_id: Option<i64>,
    pub incoming_id: Option<i64>,
    pub document_id: &'a str,
    pub status_code: Option<&'a str>,
    pub dedupe_key: &'a str,
    /// A document's unsigned edXML (a status is written when it is sent).
    pub file_key: Option<&'a str>,
    pub description: Option<&'a str>,
    pub staff: Option<&'a str>,
}

/// Queue a package; `None` when one with the same key is already queued (or was delivered).
pub async fn enqueue(tx: &mut Tx, o: &NewOutbox<'_>) -> DbResult<Option<i64>> {
    let now = now_ms();
    tx.fetch_optional(
        "INSERT INTO doc_outbox (agency_code, kind, outgoing_id, incoming_id, document_id, \
         status_code, dedupe_key, file_key, description, staff, state, attempts, next_at, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', 0, $11, $11) \
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        params![
            o.agency_code,
            o.kind,
            o.outgoing_id,
            o.incoming_id,
            o.document_id,
            o.status_code,
            o.dedupe_key,
            o.file_key,
            o.description,
            o.staff,
            now
        ],
    )
    .await?
    .map(|r| r.get("id"))
    .transpose()
}

/// One queued package.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Outbox {
    pub id: i64,
    pub agency_code: String,
    pub kind: String,
    pub outgoing_id: Option<i64>,
    pub incoming_id: Option<i64>,
    pub document_id: String,
    pub status_code: Option<String>,
    pub dedupe_key: String,
    pub file_key: Option<String>,
    pub description: Option<String>,
    pub staff: Option<String>,
    pub state: String,
    pub attempts: i64,
    pub next_at: i64,
    pub last_error: Option<String>,
    pub package_id: Option<i64>,
    pub created_at: i64,
    pub done_at: Option<i64>,
}

const COLUMNS: &str = "id, agency_code, kind, outgoing_id, incoming_id, document_id, status_code, \
     dedupe_key, file_key, description, staff, state, attempts, next_at, last_error, package_id, created_at, done_at";

/// Queue the status `status` answering the incoming document `document_id` of `agency_code`
/// (entry `incoming_id`), in the transaction of the register's change, and wake the delivery
/// job. The 01 of an arrival has one key per document (queued once); later statuses one each.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue_status(
    tx: &mut Tx,
    agency_code: &str,
    incoming_id: i64,
    document_id: &str,
    status: &str,
    description: Option<&str>,
    staff: &str,
) -> DbResult<Option<i64>> {
    let now = now_ms();
    let dedupe = if status == "01" {
        format!("status:{agency_code}:{document_id}:01")
    } else {
        let seq: i64 = tx
            .fetch_one(
                "SELECT COUNT(*) AS n FROM doc_outbox WHERE agency_code = $1 AND incoming_id = $2",
                params![agency_code, incoming_id],
            )
            .await?
            .get("n")?;
        format!("status:{agency_code}:{document_id}:{status}:{seq}:{now}")
    };
    let id = enqueue(
        tx,
        &NewOutbox {
            agency_code,
            kind: "status",
            outgoing_id: None,
            incoming_id: Some(incoming_id),
            document_id,
            status_code: Some(status),
            dedupe_key: &dedupe,
            file_key: None,
            description,
            staff: Some(staff),
        },
    )
    .await?;
    if id.is_some() {
        platform::jobs::enqueue(tx, wake(agency_code)).await?;
    }
    Ok(id)
}

/// The job that delivers `agency_code`'s outbox (one per second at most).
pub fn wake(agency_code: &str) -> platform::jobs::NewJob<'static> {
    platform::jobs::NewJob::new(
        "documents.deliver",
        serde_json::json!({ "agency": agency_code }),
    )
    .dedupe(format!(
        "documents.deliver:{agency_code}:{}",
        now_ms() / 1000
    ))
}

/// What is due for `agency_code` at `now`, oldest first.
pub async fn due(db: &Db, agency_code: &str, now: i64) -> DbResult<Vec<Outbox>> {
    db.fetch_all_as(
        platform::db::Sql::trusted(format!(
            "SELECT {COLUMNS} FROM doc_outbox WHERE agency_code = $1 AND state = 'queued' \
             AND next_at <= $2 ORDER BY id LIMIT $3"
        )),
        params![agency_code, now, ROUND_MAX],
    )
    .await
}

/// Every package of `agency_code` about an outgoing document, newest first.
pub async fn for_outgoing(db: &Db, agency_code: &str, outgoing_id: i64) -> DbResult<Vec<Outbox>> {
    db.fetch_all_as(
        platform::db::Sql::trusted(format!(
            "SELECT {COLUMNS} FROM doc_outbox WHERE agency_code = $1 AND outgoing_id = $2 \
             ORDER BY id DESC LIMIT 20"
        )),
        params![agency_code, outgoing_id],
    )
    .await
}

/// The outgoing entry that sent `document_id`, through its queued package.
pub async fn outgoing_of(db: &Db, agency_code: &str, document_id: &str) -> DbResult<Option<i64>> {
    db.fetch_optional(
        "SELECT outgoing_id FROM doc_outbox WHERE agency_code = $1 AND document_id = $2 \
         AND kind = 'document' AND outgoing_id IS NOT NULL ORDER BY id LIMIT 1",
        params![agency_code, document_id],
    )
    .await?
    .map(|r| r.get("outgoing_id"))
    .transpose()
}

/// The axis has it (`accepted`, with its package) or refused it for good (`rejected`).
pub async fn finish(
    db: &Db,
    id: i64,
    state: &str,
    package_id: Option<i64>,
    error: Option<&str>,
) -> DbResult<u64> {
    db.execute(
        "UPDATE doc_outbox SET state = $1, package_id = $2, last_error = $3, done_at = $4, \
         attempts = attempts + 1 WHERE id = $5 AND state = 'queued'",
        params![state, package_id, error, now_ms(), id],
    )
    .await
}

/// Not delivered this time: try again at `next_at`.
pub async fn retry(db: &Db, id: i64, next_at: i64, error: &str) -> DbResult<u64> {
    db.execute(
        "UPDATE doc_outbox SET attempts = attempts + 1, next_at = $1, last_error = $2 \
         WHERE id = $3 AND state = 'queued'",
        params![next_at, error, id],
    )
    .await
}

/// A status a recipient sent back.
#[derive(Debug, Clone)]
pub struct NewStatus<'a> {
    pub agency_code: &'a str,
    pub outgoing_id: i64,
    pub recipient: &'a str,
    pub status: &'a str,
    pub description: Option<&'a str>,
    pub staff: Option<&'a str>,
    pub at: i64,
    pub package_id: i64,
}

/// Record a status (the same axis package twice: kept once, returns false).
pub async fn add_status(tx: &mut Tx, s: &NewStatus<'_>) -> DbResult<bool> {
    let n = tx
        .execute(
            "INSERT INTO doc_outgoing_statuses (agency_code, outgoing_id, recipient, status, \
             description, staff, at, package_id, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (agency_code, package_id) DO NOTHING",
            params![
                s.agency_code,
                s.outgoing_id,
                s.recipient,
                s.status,
                s.description,
                s.staff,
                s.at,
                s.package_id,
                now_ms()
            ],
        )
        .await?;
    Ok(n == 1)
}

/// One entry of an outgoing document's timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct StatusEntry {
    pub recipient: String,
    pub status: String,
    pub description: Option<String>,
    pub staff: Option<String>,
    pub at: i64,
}

/// The timeline of an outgoing document of `agency_code`, oldest first.
pub async fn timeline(db: &Db, agency_code: &str, outgoing_id: i64) -> DbResult<Vec<StatusEntry>> {
    db.fetch_all_as(
        "SELECT recipient, status, description, staff, at FROM doc_outgoing_statuses \
         WHERE agency_code = $1 AND outgoing_id = $2 ORDER BY at, id LIMIT $3",
        params![agency_code, outgoing_id, TIMELINE_MAX],
    )
    .await
}
