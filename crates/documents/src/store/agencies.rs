//! `doc_agencies`: the axis directory of connected agencies.

use platform::db::{Db, DbError, DbResult, Tx, now_ms};
use platform::params;

use crate::model::agency::AgencyId;

/// Where an agency stands with the axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum AgencyState {
    /// Registered, waiting for an axis administrator.
    Pending,
    Active,
    Suspended,
}

impl AgencyState {
    pub fn as_str(self) -> &'static str {
        match self {
            AgencyState::Pending => "pending",
            AgencyState::Active => "active",
            AgencyState::Suspended => "suspended",
        }
    }

    fn parse(s: &str) -> DbResult<AgencyState> {
        match s {
            "pending" => Ok(AgencyState::Pending),
            "active" => Ok(AgencyState::Active),
            "suspended" => Ok(AgencyState::Suspended),
            other => Err(DbError::Decode {
                column: "doc_agencies.state".into(),
                problem: format!("unknown state {other:?}"),
            }),
        }
    }
}

/// A connected agency.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Agency {
    pub id: i64,
    /// Decision 20/2020 form (`G22`).
    pub code: String,
    /// QCVN 102 form (`000.00.00.G22`), where the levels fit it.
    pub qcvn_code: Option<String>,
    pub name: String,
    pub endpoint: Option<String>,
    pub fingerprint: Option<String>,
    pub state: AgencyState,
}

#[derive(sqlx::FromRow)]
struct AgencyRow {
    id: i64,
    code: String,
    qcvn_code: Option<String>,
    name: String,
    endpoint: Option<String>,
    fingerprint: Option<String>,
    state: String,
}

impl AgencyRow {
    fn into_agency(self) -> DbResult<Agency> {
        Ok(Agency {
            state: AgencyState::parse(&self.state)?,
            id: self.id,
            code: self.code,
            qcvn_code: self.qcvn_code,
            name: self.name,
            endpoint: self.endpoint,
            fingerprint: self.fingerprint,
        })
    }
}

/// Register an agency (state `pending` unless `active` is asked by an axis administrator).
pub async fn insert(
    tx: &mut Tx,
    id: &AgencyId,
    name: &str,
    endpoint: Option<&str>,
    certificate: Option<(&[u8], &str)>,
    state: AgencyState,
) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO doc_agencies (code, qcvn_code, name, endpoint, certificate, fingerprint, state, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        params![
            id.short(),
            id.qcvn(),
            name,
            endpoint,
            certificate.map(|c| c.0.to_vec()),
            certificate.map(|c| c.1.to_owned()),
            state.as_str(),
            now_ms()
        ],
    )
    .await?
    .get("id")
}

/// The agency an identifier names, in either form.
pub async fn find(db: &Db, id: &AgencyId) -> DbResult<Option<Agency>> {
    db.fetch_optional_as::<AgencyRow>(
        "SELECT id, code, qcvn_code, name, endpoint, fingerprint, state FROM doc_agencies \
         WHERE code = $1",
        params![id.short()],
    )
    .await?
    .map(AgencyRow::into_agency)
    .transpose()
}

/// Every agency, by code (bounded: the axis connects about a hundred).
pub async fn list(db: &Db) -> DbResult<Vec<Agency>> {
    db.fetch_all_as::<AgencyRow>(
        "SELECT id, code, qcvn_code, name, endpoint, fingerprint, state FROM doc_agencies \
         ORDER BY code LIMIT 10000",
        params![],
    )
    .await?
    .into_iter()
    .map(AgencyRow::into_agency)
    .collect()
}

/// Approve or suspend.
pub async fn set_state(tx: &mut Tx, code: &str, state: AgencyState, by: &str) -> DbResult<u64> {
    tx.execute(
        "UPDATE doc_agencies SET state = $1, decided_at = $2, decided_by = $3 WHERE code = $4",
        params![state.as_str(), now_ms(), by, code],
    )
    .await
}

/// The registered certificate (DER) of the agency with this code, if any.
pub async fn certificate(db: &Db, code: &str) -> DbResult<Option<Vec<u8>>> {
    Ok(db
        .fetch_optional(
            "SELECT certificate FROM doc_agencies WHERE code = $1",
            params![code],
        )
        .await?
        .map(|r| r.get::<Option<Vec<u8>>>("certificate"))
        .transpose()?
        .flatten())
}

/// Remember a request's signature (its SHA-256) until `expires_at`; `false` when it was seen
/// already (a replay). Signatures past their time are dropped first, so the table stays small.
pub async fn remember_signature(
    db: &Db,
    hash: &str,
    agency_code: &str,
    now: i64,
    expires_at: i64,
) -> DbResult<bool> {
    let mut tx = db.begin().await?;
    tx.execute(
        "DELETE FROM doc_request_signatures WHERE expires_at < $1",
        params![now],
    )
    .await?;
    let n = tx
        .execute(
            "INSERT INTO doc_request_signatures (signature_hash, agency_code, expires_at) \
             VALUES ($1, $2, $3) ON CONFLICT (signature_hash) DO NOTHING",
            params![hash, agency_code, expires_at],
        )
        .await?;
    tx.commit().await?;
    Ok(n == 1)
}
