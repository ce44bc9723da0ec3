//! Fee payments: `svc_payments` (migration 0033).

use platform::db::{Db, DbError, DbResult, Row, Sql, Tx};
use platform::params;

use crate::model::payment::{Payment, PaymentStatus};

const COLUMNS: &str = "id, txn_ref, dossier_id, agency_id, amount_vnd, status, gateway_txn, \
                       response_code, created_at, paid_at, callbacks";

fn payment_of(row: &Row) -> DbResult<Payment> {
    let status: String = row.get("status")?;
    Ok(Payment {
        id: row.get("id")?,
        txn_ref: row.get("txn_ref")?,
        dossier_id: row.get("dossier_id")?,
        agency_id: row.get("agency_id")?,
        amount_vnd: row.get("amount_vnd")?,
        status: PaymentStatus::parse(&status).ok_or_else(|| DbError::Decode {
            column: "status".into(),
            problem: format!("unknown payment status {status:?}"),
        })?,
        gateway_txn: row.get("gateway_txn")?,
        response_code: row.get("response_code")?,
        created_at: row.get("created_at")?,
        paid_at: row.get("paid_at")?,
        callbacks: row.get("callbacks")?,
    })
}

/// What a new attempt records.
pub struct NewPayment<'a> {
    pub txn_ref: &'a str,
    pub dossier_id: i64,
    pub agency_id: Option<i64>,
    pub amount_vnd: i64,
    pub created_by: Option<i64>,
}

pub async fn insert(tx: &mut Tx, p: &NewPayment<'_>, now: i64) -> DbResult<i64> {
    let row = tx
        .fetch_one(
            "INSERT INTO svc_payments (txn_ref, dossier_id, agency_id, amount_vnd, status, \
             created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6, $6) \
             RETURNING id",
            params![
                p.txn_ref,
                p.dossier_id,
                p.agency_id,
                p.amount_vnd,
                p.created_by,
                now
            ],
        )
        .await?;
    row.get("id")
}

/// The dossier's attempt waiting for the gateway, if any.
pub async fn pending_of(tx: &mut Tx, dossier_id: i64) -> DbResult<Option<Payment>> {
    let sql =
        format!("SELECT {COLUMNS} FROM svc_payments WHERE dossier_id = $1 AND status = 'pending'");
    tx.fetch_optional(Sql::trusted(sql), params![dossier_id])
        .await?
        .as_ref()
        .map(payment_of)
        .transpose()
}

/// A payment by its reference, locked for the callback's transaction (PostgreSQL `FOR UPDATE`;
/// SQLite's writer lock is already held by the first write of the transaction).
pub async fn by_ref_for_update(tx: &mut Tx, txn_ref: &str) -> DbResult<Option<Payment>> {
    // Touch the row first: on SQLite this takes the write lock, so two callbacks serialise.
    tx.execute(
        "UPDATE svc_payments SET callbacks = callbacks + 1 WHERE txn_ref = $1",
        params![txn_ref],
    )
    .await?;
    let sql = format!("SELECT {COLUMNS} FROM svc_payments WHERE txn_ref = $1");
    tx.fetch_optional(Sql::trusted(sql), params![txn_ref])
        .await?
        .as_ref()
        .map(payment_of)
        .transpose()
}

pub async fn by_ref(db: &Db, txn_ref: &str) -> DbResult<Option<Payment>> {
    let sql = format!("SELECT {COLUMNS} FROM svc_payments WHERE txn_ref = $1");
    db.fetch_optional(Sql::trusted(sql), params![txn_ref])
        .await?
        .as_ref()
        .map(payment_of)
        .transpose()
}

/// Settles a pending attempt (only a pending one: a settled payment never changes again).
pub async fn settle(
    tx: &mut Tx,
    id: i64,
    status: PaymentStatus,
    gateway_txn: &str,
    bank_code: &str,
    response_code: &str,
    now: i64,
) -> DbResult<bool> {
    let paid_at = (status == PaymentStatus::Paid).then_some(now);
    let n = tx
        .execute(
            "UPDATE svc_payments SET status = $1, gateway_txn = $2, bank_code = $3, \
             response_code = $4, paid_at = $5, updated_at = $6 \
             WHERE id = $7 AND status = 'pending'",
            params![
                status.code(),
                gateway_txn,
                bank_code,
                response_code,
                paid_at,
                now,
                id
            ],
        )
        .await?;
    Ok(n == 1)
}

/// The attempts of a dossier, newest first (at most 50).
pub async fn of_dossier(db: &Db, dossier_id: i64) -> DbResult<Vec<Payment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM svc_payments WHERE dossier_id = $1 ORDER BY id DESC LIMIT 50"
    );
    db.fetch_all(Sql::trusted(sql), params![dossier_id])
        .await?
        .iter()
        .map(payment_of)
        .collect()
}

/// Payments settled as paid in `[from, to)` (ms), of one agency or of all; at most `limit`.
pub async fn paid_between(
    db: &Db,
    agency_id: Option<i64>,
    from: i64,
    to: i64,
    limit: i64,
) -> DbResult<Vec<Payment>> {
    let rows = match agency_id {
        Some(a) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM svc_payments WHERE status = 'paid' AND paid_at >= $1 \
                 AND paid_at < $2 AND agency_id = $3 ORDER BY paid_at, id LIMIT $4"
            );
            db.fetch_all(Sql::trusted(sql), params![from, to, a, limit])
                .await?
        }
        None => {
            let sql = format!(
                "SELECT {COLUMNS} FROM svc_payments WHERE status = 'paid' AND paid_at >= $1 \
                 AND paid_at < $2 ORDER BY paid_at, id LIMIT $3"
            );
            db.fetch_all(Sql::trusted(sql), params![from, to, limit])
                .await?
        }
    };
    rows.iter().map(payment_of).collect()
}
