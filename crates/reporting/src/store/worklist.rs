//! The statements of the worklist (báo cáo cần xử lý): the reports that wait on someone (started
//! but not submitted, returned, or submitted and not yet decided), and which of the reports due
//! have been started at all.

use std::collections::HashSet;

use platform::db::{Db, DbResult};
use sea_query::{Asterisk, Expr, ExprTrait, Query};

use crate::model::status::Status;
use crate::model::submission::Submission;

use super::submissions::from_row;

/// Ids per `IN` list: well below either backend's parameter limit.
const IDS_PER_QUERY: usize = 2000;

/// The reports of these templates that wait on someone: drafts, returned and submitted reports,
/// of every unit and period (the caller keeps those the official may act on).
pub async fn open_reports(db: &Db, template_ids: &[i64]) -> DbResult<Vec<Submission>> {
    if template_ids.is_empty() {
        return Ok(Vec::new());
    }
    let (sql, args) = {
        let q =
            Query::select()
                .column(Asterisk)
                .from("submissions")
                .and_where(Expr::col("template_id").is_in(template_ids.iter().copied()))
                .and_where(Expr::col("status").is_in(
                    [Status::Draft, Status::Returned, Status::Submitted].map(Status::as_str),
                ))
                .to_owned();
        super::build(db.backend(), q)?
    };
    db.fetch_all(sql, args)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Which of these units have a report of the template, in any state, for which of these
/// periods: (unit, period id).
pub async fn started(
    db: &Db,
    template_id: i64,
    unit_ids: &[i64],
    periods: &[String],
) -> DbResult<HashSet<(i64, String)>> {
    let mut out = HashSet::new();
    if periods.is_empty() {
        return Ok(out);
    }
    for chunk in unit_ids.chunks(IDS_PER_QUERY) {
        let (sql, args) = {
            let q = Query::select()
                .columns(["unit_id", "period"])
                .from("submissions")
                .and_where(Expr::col("template_id").eq(template_id))
                .and_where(Expr::col("unit_id").is_in(chunk.iter().copied()))
                .and_where(Expr::col("period").is_in(periods.iter().cloned()))
                .to_owned();
            super::build(db.backend(), q)?
        };
        for r in db.fetch_all(sql, args).await? {
            out.insert((r.get("unit_id")?, r.get("period")?));
        }
    }
    Ok(out)
}
