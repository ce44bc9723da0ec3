//! The targets' table (`indicator_targets`).

use platform::db::{Db, DbResult, Tx};
use platform::params;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use crate::model::target::{Target, unit_code};

/// A target row as read (`#[derive(sqlx::FromRow)]`).
#[derive(sqlx::FromRow)]
struct TargetRow {
    code: String,
    unit_code: String,
    year: i64,
    value: f64,
}

/// Targets matching the filters (each optional), by indicator, unit and year.
pub async fn query(
    db: &Db,
    indicator: Option<&str>,
    unit: Option<&str>,
    year: Option<i64>,
) -> DbResult<Vec<Target>> {
    // Built and rendered before the first await: a statement is not `Send`.
    let (sql, p) = db.backend().build(&select(indicator, unit, year))?;
    Ok(db
        .fetch_all_as::<TargetRow>(sql, p)
        .await?
        .into_iter()
        .map(|r| Target {
            indicator: r.code,
            unit: r.unit_code,
            year: r.year,
            value: r.value,
        })
        .collect())
}

/// The statement of [`query`]: an empty filter matches everything.
fn select(indicator: Option<&str>, unit: Option<&str>, year: Option<i64>) -> SelectStatement {
    let mut q = Query::select()
        .expr_as(Expr::col(("i", "code")), "code")
        .expr_as(Expr::col(("t", "unit_code")), "unit_code")
        .expr_as(Expr::col(("t", "year")), "year")
        .expr_as(Expr::col(("t", "value")), "value")
        .from_as("indicator_targets", "t")
        .join_as(
            sea_query::JoinType::InnerJoin,
            "indicators",
            "i",
            Expr::col(("i", "id")).equals(("t", "indicator_id")),
        )
        .to_owned();
    if let Some(code) = indicator
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty())
    {
        q.and_where(Expr::col(("i", "code")).eq(code));
    }
    if let Some(unit) = unit.map(unit_code).filter(|s| !s.is_empty()) {
        q.and_where(Expr::col(("t", "unit_code")).eq(unit));
    }
    if let Some(year) = year.filter(|y| *y != 0) {
        q.and_where(Expr::col(("t", "year")).eq(year));
    }
    q.order_by(("i", "code"), Order::Asc)
        .order_by(("t", "year"), Order::Asc)
        .order_by(("t", "unit_code"), Order::Asc);
    q
}

/// The stored target of an indicator (by id) for a unit and year, inside a transaction.
pub async fn value_in(
    tx: &mut Tx,
    indicator_id: i64,
    unit: &str,
    year: i64,
) -> DbResult<Option<f64>> {
    tx.fetch_optional(
        "SELECT value FROM indicator_targets WHERE indicator_id = $1 AND unit_code = $2 AND year = $3",
        params![indicator_id, unit, year],
    )
    .await?
    .map(|r| r.get("value"))
    .transpose()
}

/// Insert or replace a target.
pub async fn upsert_in(
    tx: &mut Tx,
    indicator_id: i64,
    t: &Target,
    now_ms: i64,
    by: &str,
) -> DbResult<()> {
    tx.execute(
        "INSERT INTO indicator_targets (indicator_id, unit_code, year, value, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (indicator_id, unit_code, year) \
         DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        params![indicator_id, &t.unit, t.year, t.value, now_ms, by],
    )
    .await?;
    Ok(())
}
