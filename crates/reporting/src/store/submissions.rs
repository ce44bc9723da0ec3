//! The `submissions` table: one row per report (template, unit, period), its workflow state and
//! version; and the reporting units' level, which decides who reports what.

use std::collections::{HashMap, HashSet};

use platform::db::{Backend, Db, DbError, DbResult, Row, Tx};
use platform::params;
use sea_query::{Asterisk, Expr, ExprTrait, LockType, Query};

use crate::model::period::Period;
use crate::model::status::Status;
use crate::model::submission::Submission;

/// Ids per `IN` list: well below either backend's parameter limit.
const IDS_PER_QUERY: usize = 2000;

/// A stored report. A status that names no state is a corrupt row: an error, never a default.
pub(crate) fn from_row(r: &Row) -> DbResult<Submission> {
    let status: String = r.get("status")?;
    Ok(Submission {
        id: r.get("id")?,
        template_id: r.get("template_id")?,
        unit_id: r.get("unit_id")?,
        period: r.get("period")?,
        status: status
            .parse()
            .map_err(|e: crate::model::status::UnknownStatus| DbError::Decode {
                column: "submissions.status".into(),
                problem: e.to_string(),
            })?,
        version: r.get("version")?,
        submitted_at: r.get("submitted_at")?,
        submitted_by: r.get("submitted_by")?,
        decided_at: r.get("decided_at")?,
        decided_by: r.get("decided_by")?,
        return_reason: r.get("return_reason")?,
    })
}

/// The report of a unit for a period, if any.
pub async fn find(
    db: &Db,
    template_id: i64,
    unit_id: i64,
    period: &Period,
) -> DbResult<Option<Submission>> {
    db.fetch_optional(
        "SELECT * FROM submissions WHERE template_id = $1 AND unit_id = $2 AND period = $3",
        params![template_id, unit_id, period.id()],
    )
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// A unit's submissions of a template for several periods, in one query.
pub async fn of_unit(
    db: &Db,
    template_id: i64,
    unit_id: i64,
    periods: &[Period],
) -> DbResult<Vec<Submission>> {
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    let (sql, values) = db.backend().build(
        Query::select()
            .column(Asterisk)
            .from("submissions")
            .and_where(Expr::col("template_id").eq(template_id))
            .and_where(Expr::col("unit_id").eq(unit_id))
            .and_where(Expr::col("period").is_in(periods.iter().map(Period::id))),
    )?;
    db.fetch_all(sql, values)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Submissions of a template for a period (every unit).
pub async fn for_period(db: &Db, template_id: i64, period: &Period) -> DbResult<Vec<Submission>> {
    db.fetch_all(
        "SELECT * FROM submissions WHERE template_id = $1 AND period = $2",
        params![template_id, period.id()],
    )
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// One report by id, in a transaction.
pub async fn by_id(tx: &mut Tx, id: i64) -> DbResult<Option<Submission>> {
    tx.fetch_optional("SELECT * FROM submissions WHERE id = $1", params![id])
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The reports of some units for some periods of each template, keyed by (template, unit,
/// period). Locked on PostgreSQL until the transaction ends, so that versions read here are the
/// ones the update sees.
pub async fn lock_for(
    tx: &mut Tx,
    wanted: HashMap<i64, (HashSet<i64>, HashSet<String>)>,
) -> DbResult<HashMap<(i64, i64, String), Submission>> {
    let mut out = HashMap::new();
    for (template_id, (units, periods)) in wanted {
        let periods: Vec<String> = periods.into_iter().collect();
        for unit_chunk in units.into_iter().collect::<Vec<_>>().chunks(IDS_PER_QUERY) {
            let (sql, args) = {
                let mut q = Query::select();
                q.column(Asterisk)
                    .from("submissions")
                    .and_where(Expr::col("template_id").eq(template_id))
                    .and_where(Expr::col("unit_id").is_in(unit_chunk.iter().copied()))
                    .and_where(Expr::col("period").is_in(periods.iter().cloned()));
                if tx.backend() == Backend::Postgres {
                    q.lock(LockType::Update);
                }
                super::build(tx.backend(), q)?
            };
            for row in tx.fetch_all(sql, args).await? {
                let s = from_row(&row)?;
                out.insert((s.template_id, s.unit_id, s.period.clone()), s);
            }
        }
    }
    Ok(out)
}

/// A report to create, in the state its first action leaves it.
pub struct NewSubmission {
    pub template_id: i64,
    pub unit_id: i64,
    pub period: String,
    pub agency_id: Option<i64>,
    /// Who submitted it, when created submitted.
    pub submitted_by: Option<String>,
}

/// Create reports at version 2 (created and moved on at once) in one statement (callers send
/// up to 1,000 rows): (template, unit, period) → id. A report created meanwhile by someone else
/// fails the unique key (the caller's conflict).
pub async fn create(
    tx: &mut Tx,
    rows: &[NewSubmission],
    now: i64,
) -> DbResult<HashMap<(i64, i64, String), i64>> {
    let mut ids = HashMap::with_capacity(rows.len());
    {
        let chunk = rows;
        let (sql, args) = {
            let mut q = Query::insert();
            q.into_table("submissions").columns([
                "template_id",
                "unit_id",
                "period",
                "status",
                "version",
                "updated_at",
                "agency_id",
                "submitted_by",
                "submitted_at",
            ]);
            for r in chunk {
                let submitted = r.submitted_by.is_some();
                q.values_panic([
                    r.template_id.into(),
                    r.unit_id.into(),
                    r.period.clone().into(),
                    if submitted { "submitted" } else { "draft" }.into(),
                    2i64.into(),
                    now.into(),
                    r.agency_id.into(),
                    r.submitted_by.clone().into(),
                    submitted.then_some(now).into(),
                ]);
            }
            q.returning(Query::returning().columns(["id", "template_id", "unit_id", "period"]));
            super::build(tx.backend(), q)?
        };
        for row in tx.fetch_all(sql, args).await? {
            ids.insert(
                (
                    row.get("template_id")?,
                    row.get("unit_id")?,
                    row.get("period")?,
                ),
                row.get("id")?,
            );
        }
    }
    Ok(ids)
}

/// Move reports on to `status` (submitted by `actor` when `submitted`), one version up: the
/// number of reports moved.
pub async fn move_on(
    tx: &mut Tx,
    ids: &[i64],
    status: Status,
    submitted: Option<&str>,
    now: i64,
) -> DbResult<u64> {
    let (sql, args) = {
        let mut q = Query::update();
        q.table("submissions")
            .value("status", status.as_str())
            .value("version", Expr::col("version").add(1))
            .value("updated_at", now);
        if let Some(actor) = submitted {
            q.value("submitted_at", now).value("submitted_by", actor);
        }
        q.and_where(Expr::col("id").is_in(ids.iter().copied()));
        super::build(tx.backend(), q)?
    };
    tx.execute(sql, args).await
}

/// Record a decision (approved or returned) on a report, one version up.
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    status: Status,
    actor: &str,
    reason: Option<&str>,
    now: i64,
) -> DbResult<()> {
    tx.execute(
        "UPDATE submissions SET status = $1, version = version + 1, decided_at = $2, decided_by = $3, \
         return_reason = $4, updated_at = $2 WHERE id = $5",
        params![status.as_str(), now, actor, reason, id],
    )
    .await?;
    Ok(())
}

/// Who made the last change set of a report's values (through the (unit, period, id) index).
pub async fn last_change_by(tx: &mut Tx, sub: &Submission) -> DbResult<Option<String>> {
    tx.fetch_optional(
        "SELECT actor FROM value_changes WHERE unit_id = $1 AND period = $2 AND submission_id = $3 \
         ORDER BY id DESC LIMIT 1",
        params![sub.unit_id, &sub.period, sub.id],
    )
    .await?
    .map(|r| r.get("actor"))
    .transpose()
}

/// The indicators of a template (the values of its reports).
pub async fn template_indicators(tx: &mut Tx, template_id: i64) -> DbResult<HashSet<i64>> {
    tx.fetch_all(
        "SELECT indicator_id FROM template_indicators WHERE template_id = $1",
        params![template_id],
    )
    .await?
    .iter()
    .map(|r| r.get("indicator_id"))
    .collect()
}

/// The level of each unit; a level that names none is a corrupt row. Merge note: a registry
/// read, to go through `registry::store` with a transaction.
pub async fn unit_levels(tx: &mut Tx, ids: &[i64]) -> DbResult<HashMap<i64, registry::Level>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let (sql, args) = {
            let q = Query::select()
                .columns(["id", "level"])
                .from("units")
                .and_where(Expr::col("id").is_in(chunk.iter().copied()))
                .to_owned();
            super::build(tx.backend(), q)?
        };
        for row in tx.fetch_all(sql, args).await? {
            let level: String = row.get("level")?;
            let level = registry::Level::parse(&level).ok_or_else(|| DbError::Decode {
                column: "units.level".into(),
                problem: format!("unknown unit level {level:?}"),
            })?;
            out.insert(row.get("id")?, level);
        }
    }
    Ok(out)
}
