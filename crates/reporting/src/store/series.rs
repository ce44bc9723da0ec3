//! `unit_series`: each unit's approved history in one row ([`History`]).
//!
//! Reading a batch's history from `data_values` cost about five rows per value written (24
//! periods of every series, shared between the batch's periods), and moving rows out of the
//! database costs far more than writing them. Here a unit's whole history is one row, read with
//! its key. The rows are kept in the transaction that changes approved values ([`refresh`]:
//! approval, correction, a value overwritten or deleted), so they are never stale and never
//! rebuilt in batch; a database that has approved values but no series (written before this
//! table existed) is filled once at start-up ([`ensure`]).

use std::collections::{HashMap, HashSet};

use platform::db::{Db, DbError, DbResult, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Query};

use crate::model::period::Period;
use crate::model::series::{History, Key, key_of, kind_code, replaced};

/// Units per statement.
const UNITS_PER_QUERY: usize = 2000;

#[derive(sqlx::FromRow)]
struct SeriesRow {
    unit_id: i64,
    points: Vec<u8>,
}

/// An approved value as stored.
#[derive(sqlx::FromRow)]
struct ValueRow {
    unit_id: i64,
    indicator_id: i64,
    period: String,
    value: f64,
}

/// The approved histories of `units` (units without approved values are absent).
pub async fn load(tx: &mut Tx, units: &HashSet<i64>) -> DbResult<HashMap<i64, History>> {
    let mut out = HashMap::with_capacity(units.len());
    let units: Vec<i64> = units.iter().copied().collect();
    for chunk in units.chunks(UNITS_PER_QUERY) {
        let (sql, params) = tx.backend().build(
            Query::select()
                .columns(["unit_id", "points"])
                .from("unit_series")
                .and_where(Expr::col("unit_id").is_in(chunk.iter().copied())),
        )?;
        for row in tx.fetch_all_as::<SeriesRow>(sql, params).await? {
            let history = History::from_bytes(row.points).ok_or_else(|| DbError::Decode {
                column: "points".into(),
                problem: "not a list of 17-byte points sorted by indicator and period".into(),
            })?;
            out.insert(row.unit_id, history);
        }
    }
    Ok(out)
}

/// One unit's approved history, outside a transaction (a page reviewing a report).
pub async fn of_unit(db: &Db, unit_id: i64) -> DbResult<Option<History>> {
    let Some(row) = db
        .fetch_optional(
            "SELECT points FROM unit_series WHERE unit_id = $1",
            platform::params![unit_id],
        )
        .await?
    else {
        return Ok(None);
    };
    History::from_bytes(row.get("points")?)
        .map(Some)
        .ok_or_else(|| DbError::Decode {
            column: "points".into(),
            problem: "not a list of 17-byte points sorted by indicator and period".into(),
        })
}

/// Bring the histories of the units in line with the approved values of `indicators` stored
/// for the given (unit, period) pairs: call in the transaction that approved, corrected,
/// overwrote or deleted them (the indicators are the reports' templates'). Reads those values
/// and the units' histories; writes only histories that change.
pub async fn refresh(
    tx: &mut Tx,
    pairs: &[(i64, Period)],
    indicators: &HashSet<i64>,
) -> DbResult<()> {
    if pairs.is_empty() || indicators.is_empty() {
        return Ok(());
    }
    let ids: HashSet<u32> = indicators
        .iter()
        .filter_map(|i| u32::try_from(*i).ok())
        .collect();
    let wanted: HashSet<(i64, Period)> = pairs.iter().copied().collect();
    let mut by_unit: HashMap<i64, HashSet<(u8, i32)>> = HashMap::new();
    for (u, p) in &wanted {
        by_unit
            .entry(*u)
            .or_default()
            .insert((kind_code(p.kind), p.ordinal()));
    }
    let units: HashSet<i64> = by_unit.keys().copied().collect();
    let periods: HashSet<String> = wanted.iter().map(|(_, p)| p.id()).collect();
    let before = load(tx, &units).await?;

    let mut approved: HashMap<i64, Vec<(Key, f64)>> = HashMap::new();
    let unit_list: Vec<i64> = units.iter().copied().collect();
    for chunk in unit_list.chunks(UNITS_PER_QUERY) {
        let (sql, params) = tx.backend().build(
            Query::select()
                .columns(["unit_id", "indicator_id", "period", "value"])
                .from("data_values")
                .and_where(Expr::col("approved"))
                .and_where(Expr::col("indicator_id").is_in(indicators.iter().copied()))
                .and_where(Expr::col("period").is_in(periods.iter().map(String::as_str)))
                .and_where(Expr::col("unit_id").is_in(chunk.iter().copied())),
        )?;
        for row in tx.fetch_all_as::<ValueRow>(sql, params).await? {
            let Ok(period) = Period::parse(&row.period) else {
                continue;
            };
            if !wanted.contains(&(row.unit_id, period)) {
                continue;
            }
            let key = key_of(row.indicator_id, &period).ok_or_else(|| DbError::Decode {
                column: "indicator_id".into(),
                problem: format!("{} does not fit a series key", row.indicator_id),
            })?;
            approved
                .entry(row.unit_id)
                .or_default()
                .push((key, row.value));
        }
    }

    let mut upserts = Vec::new();
    let mut emptied = Vec::new();
    for (unit, periods) in &by_unit {
        // Every point of these indicators and periods goes, then the approved values stored now
        // come in.
        let old = before.get(unit);
        let new = replaced(
            old,
            &ids,
            periods,
            approved.remove(unit).unwrap_or_default(),
        );
        if old == Some(&new) || (old.is_none() && new.is_empty()) {
            continue;
        }
        if new.is_empty() {
            emptied.push(*unit);
        } else {
            upserts.push((*unit, new.bytes().to_vec()));
        }
    }
    write(tx, upserts).await?;
    for chunk in emptied.chunks(UNITS_PER_QUERY) {
        let (sql, params) = tx.backend().build(
            Query::delete()
                .from_table("unit_series")
                .and_where(Expr::col("unit_id").is_in(chunk.iter().copied())),
        )?;
        tx.execute(sql, params).await?;
    }
    Ok(())
}

/// Upsert histories, a few at a time (each can be hundreds of kilobytes).
async fn write(tx: &mut Tx, rows: Vec<(i64, Vec<u8>)>) -> DbResult<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let (sql, params) = tx.backend().build(&upsert(rows.by_ref().take(50)))?;
        tx.execute(sql, params).await?;
    }
    Ok(())
}

/// An upsert of these histories. (Built before any `await`: sea-query's statements are not
/// `Send`.)
fn upsert(rows: impl Iterator<Item = (i64, Vec<u8>)>) -> sea_query::InsertStatement {
    let mut q = Query::insert();
    q.into_table("unit_series")
        .columns(["unit_id", "points"])
        .on_conflict(
            OnConflict::column("unit_id")
                .update_column("points")
                .to_owned(),
        );
    for (u, points) in rows {
        q.values_panic([u.into(), points.into()]);
    }
    q
}

/// Rebuild every unit's history from the approved values (after an upgrade, or to check the
/// kept ones: see the tests). Returns the number of units with approved values.
pub async fn rebuild(tx: &mut Tx) -> DbResult<usize> {
    tx.execute("DELETE FROM unit_series", Vec::new()).await?;
    let mut points: HashMap<i64, Vec<(Key, f64)>> = HashMap::new();
    for row in tx
        .fetch_all_as::<ValueRow>(
            "SELECT unit_id, indicator_id, period, value FROM data_values WHERE approved",
            Vec::new(),
        )
        .await?
    {
        let Ok(period) = Period::parse(&row.period) else {
            continue;
        };
        if let Some(key) = key_of(row.indicator_id, &period) {
            points
                .entry(row.unit_id)
                .or_default()
                .push((key, row.value));
        }
    }
    let n = points.len();
    write(
        tx,
        points
            .into_iter()
            .map(|(u, p)| (u, History::from_points(p).bytes().to_vec()))
            .collect(),
    )
    .await?;
    Ok(n)
}

/// Fill the histories of a database that has approved values but none kept yet (written before
/// `unit_series` existed). Cheap when there is nothing to do: two single-row queries.
pub async fn ensure(db: &Db) -> DbResult<()> {
    let has_series = db
        .fetch_optional("SELECT 1 AS x FROM unit_series LIMIT 1", Vec::new())
        .await?
        .is_some();
    if has_series {
        return Ok(());
    }
    let has_approved = db
        .fetch_optional(
            "SELECT 1 AS x FROM data_values WHERE approved LIMIT 1",
            Vec::new(),
        )
        .await?
        .is_some();
    if has_approved {
        let mut tx = db.begin().await?;
        let n = rebuild(&mut tx).await?;
        tx.commit().await?;
        tracing::info!(units = n, "approved histories filled from stored values");
    }
    Ok(())
}
