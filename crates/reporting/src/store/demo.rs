//! The demo data generator's statements ([`crate::demo`]): its submissions, its values in
//! multi-row inserts, and the sums its targets are derived from.

use platform::db::{Db, DbResult, Tx};
use platform::params;
use sea_query::{InsertStatement, Query};

/// One generated submission (already decided when approved).
pub struct DemoSubmission<'a> {
    pub template_id: i64,
    pub unit_id: i64,
    pub period: &'a str,
    pub status: &'a str,
    pub agency_id: Option<i64>,
    /// When it was submitted (none for a draft) and decided (approved ones), in ms.
    pub submitted_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub now: i64,
}

/// Insert a generated submission; returns its id.
pub async fn insert_submission(tx: &mut Tx, s: &DemoSubmission<'_>) -> DbResult<i64> {
    let by = "dữ liệu mẫu";
    let approved = s.status == "approved";
    tx.fetch_one(
        "INSERT INTO submissions (template_id, unit_id, period, status, version, submitted_at, submitted_by, \
         decided_at, decided_by, updated_at, agency_id) VALUES ($1,$2,$3,$4,1,$5,$6,$7,$8,$10,$9) RETURNING id",
        params![
            s.template_id,
            s.unit_id,
            s.period,
            s.status,
            s.submitted_at,
            if s.status == "draft" { None } else { Some(by) },
            if approved { s.decided_at } else { None },
            if approved { Some(by) } else { None },
            s.agency_id,
            s.now
        ],
    )
    .await?
    .get("id")
}

/// One generated value.
pub struct DemoValue {
    pub indicator_id: i64,
    pub unit_id: i64,
    pub period: String,
    pub value: f64,
    pub submission_id: i64,
    pub approved: bool,
    pub explanation: Option<String>,
}

/// Insert generated values in one multi-row statement (callers keep batches to 2,000 rows).
pub async fn insert_values(tx: &mut Tx, rows: Vec<DemoValue>) -> DbResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // Built and rendered before the await: a statement is not `Send`.
    let (sql, p) = tx.backend().build(&insert_statement(rows)?)?;
    tx.execute(sql, p).await?;
    Ok(())
}

fn insert_statement(rows: Vec<DemoValue>) -> DbResult<InsertStatement> {
    let mut insert = Query::insert();
    insert.into_table("data_values").columns([
        "indicator_id",
        "unit_id",
        "period",
        "value",
        "submission_id",
        "approved",
        "explanation",
    ]);
    for r in rows {
        insert
            .values([
                r.indicator_id.into(),
                r.unit_id.into(),
                r.period.into(),
                r.value.into(),
                r.submission_id.into(),
                r.approved.into(),
                r.explanation.into(),
            ])
            .map_err(|e| platform::db::DbError::Decode {
                column: "data_values".into(),
                problem: e.to_string(),
            })?;
    }
    Ok(insert)
}

/// The periods of approved reports of commune templates (whose units are communes).
pub async fn commune_periods_in(tx: &mut Tx) -> DbResult<Vec<String>> {
    tx.fetch_all(
        "SELECT DISTINCT s.period FROM submissions s JOIN report_templates t ON t.id = s.template_id \
         WHERE t.unit_level = 'commune' AND s.status = 'approved'",
        params![],
    )
    .await?
    .iter()
    .map(|r| r.get("period"))
    .collect()
}

/// The sum of a unit's values of an indicator over the periods `first..=last`, and how many
/// distinct periods hold one.
pub async fn sum_over(
    db: &Db,
    indicator_id: i64,
    unit_id: i64,
    first: &str,
    last: &str,
) -> DbResult<(f64, i64)> {
    let r = db
        .fetch_one(
            "SELECT COALESCE(SUM(value), 0.0) AS s, COUNT(DISTINCT period) AS n FROM data_values \
             WHERE indicator_id = $1 AND unit_id = $2 AND period >= $3 AND period <= $4",
            params![indicator_id, unit_id, first, last],
        )
        .await?;
    Ok((r.get("s")?, r.get("n")?))
}
