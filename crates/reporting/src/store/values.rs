//! The `data_values` table (one value per indicator, unit and period) and `value_changes` (one
//! change set per report and action: the values' history).

use std::collections::{HashMap, HashSet};

use platform::db::{Backend, Db, DbError, DbResult, Tx, Value};
use platform::params;
use sea_query::{Expr, ExprTrait, JoinType, OnConflict, Query, SelectStatement};
use serde_json::json;

use crate::model::period::{Period, PeriodKind};
use crate::model::submission::HistoryEntry;

/// Units per `IN` list when reading values.
const UNITS_PER_QUERY: usize = 2000;

/// A value as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub value: f64,
    pub explanation: Option<String>,
    pub approved: bool,
}

/// Values stored for some units in some periods, restricted to some indicators:
/// (indicator, unit, period) → the value.
pub async fn load(
    tx: &mut Tx,
    indicators: &HashSet<i64>,
    units: &HashSet<i64>,
    periods: &HashSet<Period>,
) -> DbResult<HashMap<(i64, i64, Period), Stored>> {
    let mut out = HashMap::new();
    if indicators.is_empty() || units.is_empty() || periods.is_empty() {
        return Ok(out);
    }
    let periods: Vec<String> = periods.iter().map(Period::id).collect();
    for unit_chunk in units
        .iter()
        .copied()
        .collect::<Vec<_>>()
        .chunks(UNITS_PER_QUERY)
    {
        let (sql, args) = {
            let q = Query::select()
                .columns([
                    "indicator_id",
                    "unit_id",
                    "period",
                    "value",
                    "explanation",
                    "approved",
                ])
                .from("data_values")
                .and_where(Expr::col("indicator_id").is_in(indicators.iter().copied()))
                .and_where(Expr::col("unit_id").is_in(unit_chunk.iter().copied()))
                .and_where(Expr::col("period").is_in(periods.iter().cloned()))
                .to_owned();
            super::build(tx.backend(), q)?
        };
        for row in tx.fetch_all(sql, args).await? {
            let Ok(period) = Period::parse(&row.get::<String>("period")?) else {
                continue;
            };
            out.insert(
                (row.get("indicator_id")?, row.get("unit_id")?, period),
                Stored {
                    value: row.get("value")?,
                    explanation: row.get("explanation")?,
                    approved: row.get("approved")?,
                },
            );
        }
    }
    Ok(out)
}

/// One value to write.
pub struct ValueRow {
    pub indicator_id: i64,
    pub unit_id: i64,
    pub period: Period,
    pub value: f64,
    pub submission_id: i64,
    pub approved: bool,
    pub explanation: Option<String>,
}

/// Rows a statement when upserting values on SQLite (7 parameters each; SQLite allows 32,766
/// a statement). Larger statements amortise the per-statement cost of the driver.
const SQLITE_ROWS: usize = 2000;

const VALUE_COLUMNS: [&str; 7] = [
    "indicator_id",
    "unit_id",
    "period",
    "value",
    "submission_id",
    "approved",
    "explanation",
];

/// PostgreSQL's upsert: the rows travel as one JSON parameter that the server expands (a fixed
/// statement).
const PG_UPSERT: &str = "INSERT INTO data_values (indicator_id, unit_id, period, value, submission_id, approved, explanation) \
     SELECT (e->>0)::bigint, (e->>1)::bigint, e->>2, (e->>3)::float8, \
     (e->>4)::bigint, (e->>5)::boolean, e->>6 FROM json_array_elements($1::json) e \
     ON CONFLICT (indicator_id, period, unit_id) DO UPDATE SET value = excluded.value, \
     submission_id = excluded.submission_id, approved = excluded.approved, explanation = excluded.explanation";

/// Upsert values set-based. PostgreSQL: one statement, the rows travelling as one JSON parameter
/// that the server expands (its float parser reads the shortest round-trip form exactly).
/// SQLite: large multi-row inserts with bound parameters — SQLite's JSON number parser can be a
/// unit in the last place off (`numbers_are_stored_exactly_as_sent` caught it), so numbers must
/// not travel as text there.
pub async fn upsert(tx: &mut Tx, mut rows: Vec<ValueRow>) -> DbResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // In the order of the primary key (indicator, period, unit): each insert lands beside the
    // one before, in pages already in the cache, instead of one place per indicator of a report.
    rows.sort_unstable_by_key(|r| (r.indicator_id, r.period, r.unit_id));
    match tx.backend() {
        Backend::Postgres => {
            let json: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    json!([
                        r.indicator_id,
                        r.unit_id,
                        r.period.id(),
                        r.value,
                        r.submission_id,
                        r.approved,
                        r.explanation
                    ])
                })
                .collect();
            tx.execute(
                PG_UPSERT,
                params![serde_json::Value::Array(json).to_string()],
            )
            .await?;
        }
        Backend::Sqlite => {
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let (sql, args) = {
                    let mut q = Query::insert();
                    q.into_table("data_values").columns(VALUE_COLUMNS);
                    for r in rows.by_ref().take(SQLITE_ROWS) {
                        q.values_panic([
                            r.indicator_id.into(),
                            r.unit_id.into(),
                            r.period.id().into(),
                            r.value.into(),
                            r.submission_id.into(),
                            r.approved.into(),
                            r.explanation.into(),
                        ]);
                    }
                    q.on_conflict(
                        OnConflict::columns(["indicator_id", "period", "unit_id"])
                            .update_columns(["value", "submission_id", "approved", "explanation"])
                            .to_owned(),
                    );
                    super::build(tx.backend(), q)?
                };
                tx.execute(sql, args).await?;
            }
        }
    }
    Ok(())
}

/// Remove some indicators' values of a unit for a period.
pub async fn delete(tx: &mut Tx, unit_id: i64, period: &str, indicators: &[i64]) -> DbResult<()> {
    let (sql, args) = {
        let q = Query::delete()
            .from_table("data_values")
            .and_where(Expr::col("unit_id").eq(unit_id))
            .and_where(Expr::col("period").eq(period))
            .and_where(Expr::col("indicator_id").is_in(indicators.iter().copied()))
            .to_owned();
        super::build(tx.backend(), q)?
    };
    tx.execute(sql, args).await?;
    Ok(())
}

/// Mark a report's values approved (or not), through the primary key: its template's indicators.
pub async fn set_approved(
    tx: &mut Tx,
    approved: bool,
    unit_id: i64,
    period: &str,
    submission_id: i64,
    indicators: &HashSet<i64>,
) -> DbResult<()> {
    if indicators.is_empty() {
        return Ok(());
    }
    let (sql, args) = {
        let q = Query::update()
            .table("data_values")
            .value("approved", approved)
            .and_where(Expr::col("indicator_id").is_in(indicators.iter().copied()))
            .and_where(Expr::col("period").eq(period))
            .and_where(Expr::col("unit_id").eq(unit_id))
            .and_where(Expr::col("submission_id").eq(submission_id))
            .to_owned();
        super::build(tx.backend(), q)?
    };
    tx.execute(sql, args).await?;
    Ok(())
}

/// Values per row of `value_changes` as written: the change set, then the audit entry's seq.
pub const CHANGE_SET_WIDTH: usize = 9;

/// Write change sets, [`CHANGE_SET_WIDTH`] values each (unit, period, submission, action,
/// reason, at, actor, changes, audit seq), 1,000 rows a statement.
pub async fn insert_change_sets(tx: &mut Tx, change_sets: &[Value]) -> DbResult<()> {
    for chunk in change_sets.chunks(CHANGE_SET_WIDTH * 1000) {
        let (sql, args) = {
            let mut q = Query::insert();
            q.into_table("value_changes").columns([
                "unit_id",
                "period",
                "submission_id",
                "action",
                "reason",
                "at",
                "actor",
                "changes",
                "audit_seq",
            ]);
            for row in chunk.chunks(CHANGE_SET_WIDTH) {
                q.values_panic(
                    row.iter()
                        .cloned()
                        .map(|v| sea_query::Value::from(v).into()),
                );
            }
            super::build(tx.backend(), q)?
        };
        tx.execute(sql, args).await?;
    }
    Ok(())
}

/// The history of one value: every change set of its unit and period that changed it (its
/// figure, or its explanation), oldest first.
pub async fn history(
    db: &Db,
    indicator_id: i64,
    unit_id: i64,
    period: &Period,
) -> DbResult<Vec<HistoryEntry>> {
    let mut out = Vec::new();
    for r in db
        .fetch_all(
            "SELECT * FROM value_changes WHERE unit_id = $1 AND period = $2 ORDER BY id",
            params![unit_id, period.id()],
        )
        .await?
    {
        // [[indicator_id, old, new], …]; a change of explanation adds [… , old_explanation,
        // new_explanation].
        let decode = |e: serde_json::Error| DbError::Decode {
            column: "changes".into(),
            problem: e.to_string(),
        };
        let changes: Vec<Vec<serde_json::Value>> =
            serde_json::from_str(&r.get::<String>("changes")?).map_err(decode)?;
        for c in changes {
            let at = |i: usize| c.get(i).cloned().unwrap_or_default();
            if serde_json::from_value::<i64>(at(0)).map_err(decode)? != indicator_id {
                continue;
            }
            out.push(HistoryEntry {
                at: r.get("at")?,
                actor: r.get("actor")?,
                action: r.get("action")?,
                old_value: serde_json::from_value(at(1)).map_err(decode)?,
                new_value: serde_json::from_value(at(2)).map_err(decode)?,
                reason: r.get("reason")?,
                old_explanation: serde_json::from_value(at(3)).map_err(decode)?,
                explanation: serde_json::from_value(at(4)).map_err(decode)?,
            });
        }
    }
    Ok(out)
}

/// The number of provinces valid on `day` (ISO date), and per indicator the sum and count of
/// their approved values for `period`: (indicator, sum, count). Merge note: the province count is
/// a registry read.
pub async fn province_sums(
    tx: &mut Tx,
    period: &str,
    day: &str,
    indicators: &[i64],
) -> DbResult<(i64, Vec<(i64, Option<f64>, i64)>)> {
    let expected: i64 = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM units WHERE level = 'province' \
             AND (valid_from IS NULL OR valid_from <= $1) AND (valid_to IS NULL OR valid_to >= $1)",
            params![day],
        )
        .await?
        .get("n")?;
    let valid = |col: &'static str, cmp: fn(Expr, &str) -> Expr| {
        Expr::col(("u", col))
            .is_null()
            .or(cmp(Expr::col(("u", col)), day))
    };
    let (sql, args) = {
        let q = Query::select()
            .column(("dv", "indicator_id"))
            .expr_as(Expr::col(("dv", "value")).sum(), "v")
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .from_as("data_values", "dv")
            .join_as(
                JoinType::InnerJoin,
                "units",
                "u",
                Expr::col(("u", "id")).equals(("dv", "unit_id")),
            )
            .and_where(Expr::col(("u", "level")).eq("province"))
            .and_where(Expr::col(("dv", "approved")))
            .and_where(Expr::col(("dv", "period")).eq(period))
            .and_where(valid("valid_from", |c, d| c.lte(d)))
            .and_where(valid("valid_to", |c, d| c.gte(d)))
            .and_where(Expr::col(("dv", "indicator_id")).is_in(indicators.iter().copied()))
            .group_by_col(("dv", "indicator_id"))
            .to_owned();
        super::build(tx.backend(), q)?
    };
    let mut sums = Vec::new();
    for r in tx.fetch_all(sql, args).await? {
        sums.push((r.get("indicator_id")?, r.get("v")?, r.get("n")?));
    }
    Ok((expected, sums))
}

/// The indicators of periodicity `kind` with an approved value in one of `periods`, each with
/// whether a national unit (a ministry's report) has one: (code, national). Index seeks on the
/// (indicator_id, period, unit_id) key, a few per indicator.
pub async fn approved_indicators(
    db: &Db,
    kind: PeriodKind,
    periods: &[String],
) -> DbResult<Vec<(String, bool)>> {
    let approved_in = |national: bool| -> SelectStatement {
        let mut q = Query::select();
        q.expr(Expr::cust("1"))
            .from_as("data_values", "d")
            .and_where(Expr::col(("d", "indicator_id")).equals(("i", "id")))
            .and_where(Expr::col(("d", "period")).is_in(periods.iter().cloned()))
            .and_where(Expr::col(("d", "approved")));
        if national {
            q.join_as(
                JoinType::InnerJoin,
                "units",
                "u",
                Expr::col(("u", "id")).equals(("d", "unit_id")),
            )
            .and_where(Expr::col(("u", "level")).eq("nation"));
        }
        q
    };
    let (sql, args) = {
        let q = Query::select()
            .column(("i", "code"))
            .expr_as(
                Expr::case(Expr::exists(approved_in(true)), Expr::cust("1"))
                    .finally(Expr::cust("0")),
                "national",
            )
            .from_as("indicators", "i")
            .and_where(Expr::col(("i", "periodicity")).eq(kind.as_str()))
            .and_where(Expr::exists(approved_in(false)))
            .to_owned();
        super::build(db.backend(), q)?
    };
    db.fetch_all(sql, args)
        .await?
        .iter()
        .map(|r| Ok((r.get("code")?, r.get::<i64>("national")? != 0)))
        .collect()
}

/// The stored explanations of a report's values by indicator code: through the primary key, its
/// template's indicators.
pub async fn explanations(
    db: &Db,
    sub: &crate::model::submission::Submission,
) -> DbResult<HashMap<String, String>> {
    db.fetch_all(
        "SELECT i.code, dv.explanation FROM data_values dv JOIN indicators i ON i.id = dv.indicator_id \
         WHERE dv.indicator_id IN (SELECT indicator_id FROM template_indicators WHERE template_id = $2) \
         AND dv.period = $3 AND dv.unit_id = $4 AND dv.submission_id = $1 AND dv.explanation IS NOT NULL",
        params![sub.id, sub.template_id, &sub.period, sub.unit_id],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get("code")?, r.get("explanation")?)))
    .collect()
}
