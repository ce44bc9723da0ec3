//! Reads of approved values (`data_values`) and the kept roll-up totals (`province_totals`,
//! `area_totals`): every statement of the query API. The statements whose `IN` lists vary are
//! built with sea-query; fixed ones are literals.
//!
//! The roll-up statements join `units` in the same statement as the values (the provinces or
//! communes drive the key lookups): splitting them into a registry call and a second statement
//! would change the measured plans (docs/benchmarks.md), so these joins stay here.

use std::collections::{HashMap, HashSet};

use platform::db::{Backend, Db, DbResult, Sql, Tx, Value};
use sea_query::{Expr, ExprTrait, IntoTableRef, JoinType, Query, SelectStatement};
use serde::Serialize;

use crate::model::indicator::Indicator;
use crate::model::period::Period;

/// An aggregate over the units that reported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Aggregate {
    pub value: f64,
    /// How many units contributed.
    pub units: i64,
    /// Rolled up from the communes (the provinces reported no figure for the period).
    #[serde(skip)]
    pub from_communes: bool,
}

/// Two built statements: a delete and an insert.
type Built2 = ((Sql, Vec<Value>), (Sql, Vec<Value>));

/// Above this many periods a roll-up statement is planned per call on PostgreSQL.
const MANY_PERIODS: usize = 12;

/// A row of a roll-up: the period, the figure (none when every input was null) and the count.
#[derive(sqlx::FromRow)]
struct Rolled {
    period: String,
    v: Option<f64>,
    n: i64,
}

/// A value keyed by indicator and period.
#[derive(sqlx::FromRow)]
struct Keyed {
    indicator_id: i64,
    period: String,
    value: f64,
}

/// An indicator's figure from one row of kept totals (`province_totals`: n, total, min, max).
fn totals_value(agg_units: &str) -> &'static str {
    match agg_units {
        "sum" => "total",
        "avg" => "total / CAST(n AS DOUBLE PRECISION)",
        "min" => "min_value",
        _ => "max_value",
    }
}

/// The same over the per-parent totals of communes (`area_totals`), summed over parents.
fn area_totals_value(agg_units: &str) -> &'static str {
    match agg_units {
        "sum" => "SUM(total)",
        "avg" => "SUM(total) / CAST(SUM(n) AS DOUBLE PRECISION)",
        "min" => "MIN(min_value)",
        _ => "MAX(max_value)",
    }
}

/// The aggregate function of an indicator's rule over units, or None (`none`: no national
/// figure from units' data).
fn unit_function(agg_units: &str) -> Option<&'static str> {
    Some(match agg_units {
        "sum" => "SUM(dv.value)",
        "avg" => "AVG(dv.value)",
        "min" => "MIN(dv.value)",
        "max" => "MAX(dv.value)",
        "wavg" => "SUM(dv.value * w.value) / NULLIF(SUM(w.value), 0)",
        _ => return None,
    })
}

/// A weighted average's roll-up over the units of `level` for `periods`: the weighting
/// indicator's values for the same unit and period joined to each value. For provinces the
/// units drive the join (one key lookup per province and period).
fn weighted(ind: &Indicator, level: &str, periods: &[&String]) -> SelectStatement {
    let func = unit_function("wavg").expect("wavg has a function");
    let mut q = Query::select();
    q.column(("dv", "period"))
        .expr_as(Expr::cust(func), "v")
        .expr_as(Expr::cust("COUNT(*)"), "n");
    if level == "province" {
        q.from_as("units", "u")
            .cross_join("data_values".into_table_ref().alias("dv"));
    } else {
        q.from_as("data_values", "dv").join_as(
            JoinType::InnerJoin,
            "units",
            "u",
            Expr::col(("u", "id")).equals(("dv", "unit_id")),
        );
    }
    q.join_as(
        JoinType::InnerJoin,
        "indicators",
        "wi",
        Expr::col(("wi", "code")).eq(ind.agg_weight.clone().unwrap_or_default()),
    )
    .join_as(
        JoinType::InnerJoin,
        "data_values",
        "w",
        Expr::cust(
            "w.indicator_id = wi.id AND w.unit_id = dv.unit_id AND w.period = dv.period AND w.approved",
        ),
    )
    .and_where(Expr::col(("u", "level")).eq(level))
    .and_where(Expr::col(("dv", "unit_id")).equals(("u", "id")))
    .and_where(Expr::col(("dv", "indicator_id")).eq(ind.id))
    .and_where(Expr::col(("dv", "approved")))
    .and_where(Expr::col(("dv", "period")).is_in(periods.iter().map(|p| p.as_str())))
    .group_by_col(("dv", "period"));
    q
}

/// National aggregates of approved values for each (indicator, period), by each indicator's rule
/// over units: sum, avg, min, max, or a weighted average by its weighting indicator. Indicators
/// that do not aggregate over units (`none`) get no national figure from units' data.
///
/// The roll-up follows the unit hierarchy: a period's national figure comes from the provinces
/// when they reported the indicator, and otherwise from the communes (an indicator only communes
/// report), read from their per-province totals kept in `area_totals`.
pub async fn national(
    db: &Db,
    indicators: &[Indicator],
    periods: &[Period],
) -> DbResult<HashMap<(i64, String), Aggregate>> {
    let mut out = HashMap::new();
    if periods.is_empty() {
        return Ok(out);
    }
    let period_ids: Vec<String> = periods.iter().map(Period::id).collect();
    let all: Vec<&String> = period_ids.iter().collect();
    for ind in indicators {
        if unit_function(&ind.agg_units).is_none() {
            continue;
        }
        let wavg = ind.agg_units == "wavg";
        // Provinces first: their totals kept per indicator and period (`province_totals`), or,
        // for a weighted average, the provinces' values themselves.
        let rows: Vec<Rolled> = if wavg {
            let (sql, params) = db.backend().build(&weighted(ind, "province", &all))?;
            // PostgreSQL: over many periods, planned with them (a bitmap scan of the indicator's
            // periods) rather than by the generic plan, which probes the key once per province
            // and period (7.5 ms against 27.3 ms for 60 months, docs/benchmarks.md). Over a few
            // periods the probes are cheap and planning each call would cost more than it saves.
            let sql = if period_ids.len() > MANY_PERIODS {
                sql.planned_per_call()
            } else {
                sql
            };
            db.fetch_all_as(sql, params).await?
        } else {
            let (sql, params) = db.backend().build(
                Query::select()
                    .column("period")
                    .expr_as(Expr::cust(totals_value(&ind.agg_units)), "v")
                    .column("n")
                    .from("province_totals")
                    .and_where(Expr::col("indicator_id").eq(ind.id))
                    .and_where(Expr::col("period").is_in(period_ids.iter().map(String::as_str))),
            )?;
            db.fetch_all_as(sql, params).await?
        };
        insert_rolled(&mut out, ind.id, rows, false);
        // Periods the provinces did not report: roll the communes up.
        let missing: Vec<&String> = period_ids
            .iter()
            .filter(|p| !out.contains_key(&(ind.id, (*p).clone())))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let rows: Vec<Rolled> = if wavg {
            // Weights are not kept in the totals: read the communes themselves.
            let (sql, params) = db.backend().build(&weighted(ind, "commune", &missing))?;
            db.fetch_all_as(sql.planned_per_call(), params).await?
        } else {
            let (sql, params) = db.backend().build(
                Query::select()
                    .column("period")
                    .expr_as(Expr::cust(area_totals_value(&ind.agg_units)), "v")
                    .expr_as(Expr::cust("CAST(SUM(n) AS BIGINT)"), "n")
                    .from("area_totals")
                    .and_where(Expr::col("indicator_id").eq(ind.id))
                    .and_where(Expr::col("period").is_in(missing.iter().map(|p| p.as_str())))
                    .group_by_col("period"),
            )?;
            db.fetch_all_as(sql, params).await?
        };
        insert_rolled(&mut out, ind.id, rows, true);
    }
    Ok(out)
}

fn insert_rolled(
    out: &mut HashMap<(i64, String), Aggregate>,
    indicator: i64,
    rows: Vec<Rolled>,
    from_communes: bool,
) {
    for r in rows {
        if let Some(v) = r.v {
            out.insert(
                (indicator, r.period),
                Aggregate {
                    value: v,
                    units: r.n,
                    from_communes,
                },
            );
        }
    }
}

/// Approved values reported for the whole country (on the national unit, by a ministry) for each
/// (indicator, period).
pub async fn nation_values(
    db: &Db,
    indicators: &[Indicator],
    periods: &[Period],
) -> DbResult<HashMap<(i64, String), f64>> {
    if indicators.is_empty() || periods.is_empty() {
        return Ok(HashMap::new());
    }
    let built = db.backend().build(
        Query::select()
            .columns([("dv", "indicator_id"), ("dv", "period"), ("dv", "value")])
            .from_as("data_values", "dv")
            .join_as(
                JoinType::InnerJoin,
                "units",
                "u",
                Expr::col(("u", "id")).equals(("dv", "unit_id")),
            )
            .and_where(Expr::col(("u", "level")).eq("nation"))
            .and_where(Expr::col(("dv", "approved")))
            .and_where(Expr::col(("dv", "indicator_id")).is_in(indicators.iter().map(|i| i.id)))
            .and_where(Expr::col(("dv", "period")).is_in(periods.iter().map(Period::id))),
    )?;
    keyed(db, built).await
}

/// Rows of (indicator, period, value) as a map. (Statements are built before the first
/// `await`: sea-query's statements are not `Send`.)
async fn keyed(db: &Db, (sql, params): (Sql, Vec<Value>)) -> DbResult<HashMap<(i64, String), f64>> {
    Ok(db
        .fetch_all_as::<Keyed>(sql, params)
        .await?
        .into_iter()
        .map(|r| ((r.indicator_id, r.period), r.value))
        .collect())
}

/// The values of one unit for some indicators and periods, approved ones only when
/// `approved_only`; found through the primary key, one lookup per indicator and period.
fn unit_select(
    unit_id: i64,
    indicators: &[i64],
    periods: &[Period],
    approved_only: bool,
) -> SelectStatement {
    let mut q = Query::select();
    q.columns(["indicator_id", "period", "value"])
        .from("data_values")
        .and_where(Expr::col("indicator_id").is_in(indicators.iter().copied()))
        .and_where(Expr::col("period").is_in(periods.iter().map(Period::id)))
        .and_where(Expr::col("unit_id").eq(unit_id));
    if approved_only {
        q.and_where(Expr::col("approved"));
    }
    q
}

/// Values of one unit for some indicators (a report's): (indicator id, period id) → value.
pub async fn unit_values(
    db: &Db,
    unit_id: i64,
    indicators: &[i64],
    periods: &[Period],
) -> DbResult<HashMap<(i64, String), f64>> {
    if periods.is_empty() || indicators.is_empty() {
        return Ok(HashMap::new());
    }
    let built = db
        .backend()
        .build(&unit_select(unit_id, indicators, periods, false))?;
    keyed(db, built).await
}

/// The (indicator id, period id) keys of one unit's approved values among these.
pub async fn approved_keys(
    db: &Db,
    unit_id: i64,
    indicators: &[i64],
    periods: &[Period],
) -> DbResult<HashSet<(i64, String)>> {
    if indicators.is_empty() || periods.is_empty() {
        return Ok(HashSet::new());
    }
    let built = db
        .backend()
        .build(&unit_select(unit_id, indicators, periods, true))?;
    Ok(keyed(db, built).await?.into_keys().collect())
}

/// Approved values of `units` for `indicators` in `periods`: (unit id, indicator id, period id)
/// → value (one statement; nulls left out).
pub async fn approved_values(
    db: &Db,
    units: &[i64],
    indicators: &[i64],
    periods: &[Period],
) -> DbResult<HashMap<(i64, i64, String), f64>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        unit_id: i64,
        indicator_id: i64,
        period: String,
        value: Option<f64>,
    }
    if units.is_empty() || periods.is_empty() || indicators.is_empty() {
        return Ok(HashMap::new());
    }
    let (sql, params) = db.backend().build(
        Query::select()
            .columns(["unit_id", "indicator_id", "period", "value"])
            .from("data_values")
            .and_where(Expr::col("approved"))
            .and_where(Expr::col("indicator_id").is_in(indicators.iter().copied()))
            .and_where(Expr::col("period").is_in(periods.iter().map(Period::id)))
            .and_where(Expr::col("unit_id").is_in(units.iter().copied())),
    )?;
    Ok(db
        .fetch_all_as::<Row>(sql, params)
        .await?
        .into_iter()
        .filter_map(|r| Some(((r.unit_id, r.indicator_id, r.period), r.value?)))
        .collect())
}

/// The indicators a unit has values for in a period (any state), read in the transaction.
pub async fn indicators_with_values(tx: &mut Tx, unit_id: i64, period: &str) -> DbResult<Vec<i64>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        indicator_id: i64,
    }
    Ok(tx
        .fetch_all_as::<Row>(
            "SELECT indicator_id FROM data_values WHERE unit_id = $1 AND period = $2",
            platform::params![unit_id, period],
        )
        .await?
        .into_iter()
        .map(|r| r.indicator_id)
        .collect())
}

/// Recompute the provinces' totals of approved values (`province_totals`) for these indicators
/// and periods, or for everything when `scope` is None. Called in every transaction that changes
/// approved values of province-level units, so the national roll-up never reads stale totals.
pub async fn refresh_province_totals(
    tx: &mut Tx,
    scope: Option<(&[i64], &[String])>,
) -> DbResult<()> {
    if let Some((indicators, periods)) = scope
        && (indicators.is_empty() || periods.is_empty())
    {
        return Ok(());
    }
    let (delete, insert) = province_totals_statements(tx.backend(), scope)?;
    tx.execute(delete.0, delete.1).await?;
    tx.execute(insert.0.planned_per_call(), insert.1).await?;
    Ok(())
}

/// The statements of [`refresh_province_totals`]: delete the totals in scope, insert them anew.
fn province_totals_statements(
    backend: Backend,
    scope: Option<(&[i64], &[String])>,
) -> DbResult<Built2> {
    let mut delete = Query::delete();
    delete.from_table("province_totals");
    let mut select = Query::select();
    select
        .column(("dv", "indicator_id"))
        .column(("dv", "period"))
        .expr(Expr::cust("COUNT(*)"))
        .expr(Expr::cust("SUM(dv.value)"))
        .expr(Expr::cust("MIN(dv.value)"))
        .expr(Expr::cust("MAX(dv.value)"));
    match scope {
        // Scoped: the provinces drive, one key lookup per (indicator, period, province).
        Some((indicators, periods)) => {
            let inds = || indicators.iter().copied();
            let pers = || periods.iter().map(String::as_str);
            delete
                .and_where(Expr::col("indicator_id").is_in(inds()))
                .and_where(Expr::col("period").is_in(pers()));
            select
                .from_as("units", "u")
                .cross_join("data_values".into_table_ref().alias("dv"))
                .and_where(Expr::col(("dv", "indicator_id")).is_in(inds()))
                .and_where(Expr::col(("dv", "period")).is_in(pers()));
        }
        // Everything: one pass over the values (data_values has no index on the unit).
        None => {
            select.from_as("data_values", "dv").join_as(
                JoinType::InnerJoin,
                "units",
                "u",
                Expr::col(("u", "id")).equals(("dv", "unit_id")),
            );
        }
    }
    select
        .and_where(Expr::col(("u", "level")).eq("province"))
        .and_where(Expr::col(("dv", "unit_id")).equals(("u", "id")))
        .and_where(Expr::col(("dv", "approved")))
        .group_by_col(("dv", "indicator_id"))
        .group_by_col(("dv", "period"));
    let insert = Query::insert()
        .into_table("province_totals")
        .columns([
            "indicator_id",
            "period",
            "n",
            "total",
            "min_value",
            "max_value",
        ])
        .select_from(select)
        .expect("as many columns as selected")
        .to_owned();
    Ok((backend.build(&delete)?, backend.build(&insert)?))
}

/// Recompute the per-parent totals of communes' approved values (`area_totals`) for `periods`:
/// for the parents of `communes` only, or for every parent when None. Called in the transaction
/// that changes approved commune values, so totals are never stale.
pub async fn refresh_area_totals(
    tx: &mut Tx,
    periods: &[String],
    communes: Option<&[i64]>,
) -> DbResult<()> {
    if periods.is_empty() || communes.is_some_and(<[i64]>::is_empty) {
        return Ok(());
    }
    let (delete, insert) = area_totals_statements(tx.backend(), periods, communes)?;
    tx.execute(delete.0, delete.1).await?;
    tx.execute(insert.0, insert.1).await?;
    Ok(())
}

/// The statements of [`refresh_area_totals`]: delete the totals in scope, insert them anew.
fn area_totals_statements(
    backend: Backend,
    periods: &[String],
    communes: Option<&[i64]>,
) -> DbResult<Built2> {
    let pers = || periods.iter().map(String::as_str);
    let parents = |ids: &[i64]| {
        Query::select()
            .column("parent_id")
            .from("units")
            .and_where(Expr::col("id").is_in(ids.iter().copied()))
            .to_owned()
    };
    let mut delete = Query::delete();
    delete
        .from_table("area_totals")
        .and_where(Expr::col("period").is_in(pers()));
    // The indicators communes report, each period's values read through the primary key.
    let commune_indicators = Query::select()
        .column(("ti", "indicator_id"))
        .from_as("template_indicators", "ti")
        .join_as(
            JoinType::InnerJoin,
            "report_templates",
            "t",
            Expr::col(("t", "id")).equals(("ti", "template_id")),
        )
        .and_where(Expr::col(("t", "unit_level")).eq("commune"))
        .to_owned();
    let mut select = Query::select();
    select
        .column(("dv", "indicator_id"))
        .column(("dv", "period"))
        .column(("u", "parent_id"))
        .expr(Expr::cust("COUNT(*)"))
        .expr(Expr::cust("SUM(dv.value)"))
        .expr(Expr::cust("MIN(dv.value)"))
        .expr(Expr::cust("MAX(dv.value)"))
        .from_as("data_values", "dv")
        .cross_join("units".into_table_ref().alias("u"))
        .and_where(Expr::col(("dv", "indicator_id")).in_subquery(commune_indicators))
        .and_where(Expr::col(("u", "level")).eq("commune"))
        .and_where(Expr::col(("u", "parent_id")).is_not_null())
        .and_where(Expr::col(("dv", "unit_id")).equals(("u", "id")))
        .and_where(Expr::col(("dv", "approved")))
        .and_where(Expr::col(("dv", "period")).is_in(pers()));
    if let Some(ids) = communes {
        delete.and_where(Expr::col("unit_id").in_subquery(parents(ids)));
        select.and_where(Expr::col(("u", "parent_id")).in_subquery(parents(ids)));
    }
    select
        .group_by_col(("dv", "indicator_id"))
        .group_by_col(("dv", "period"))
        .group_by_col(("u", "parent_id"));
    let insert = Query::insert()
        .into_table("area_totals")
        .columns([
            "indicator_id",
            "period",
            "unit_id",
            "n",
            "total",
            "min_value",
            "max_value",
        ])
        .select_from(select)
        .expect("as many columns as selected")
        .to_owned();
    Ok((backend.build(&delete)?, backend.build(&insert)?))
}
