//! Each unit's approved values over time, packed into one row of `unit_series`: the history the
//! outlier check compares a new value with.
//!
//! Reading a batch's history from `data_values` cost about five rows per value written (24
//! periods of every series, shared between the batch's periods), and moving rows out of the
//! database costs far more than writing them. Here a unit's whole history is one row, read with
//! its key. The rows are kept in the transaction that changes approved values ([`refresh`]:
//! approval, correction, a value overwritten or deleted), so they are never stale and never
//! rebuilt in batch; a database that has approved values but no series (written before this
//! table existed) is filled once at start-up ([`ensure`]).

use std::collections::{HashMap, HashSet};

use platform::db::{Db, DbError, DbResult, Sql, Tx, Value, bind_list};

use crate::model::period::{Period, PeriodKind};

/// Bytes of one point: indicator id (u32 LE), period kind (1), period ordinal (i32 LE), value
/// (f64 LE bits).
const RECORD: usize = 17;

fn kind_code(k: PeriodKind) -> u8 {
    match k {
        PeriodKind::Month => 1,
        PeriodKind::Quarter => 2,
        PeriodKind::HalfYear => 3,
        PeriodKind::NineMonths => 4,
        PeriodKind::Year => 5,
    }
}

/// Where a point sits: indicator, period kind, period ordinal.
type Key = (u32, u8, i32);

fn key_of(indicator: i64, period: &Period) -> Option<Key> {
    Some((
        u32::try_from(indicator).ok()?,
        kind_code(period.kind),
        period.ordinal(),
    ))
}

/// One unit's approved values: one per (indicator, period), sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History(Vec<u8>);

impl History {
    /// A history as stored; None when the bytes are not whole records sorted by key.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<History> {
        let h = History(bytes);
        let sorted = (1..h.len()).all(|i| h.key(i - 1) < h.key(i));
        (h.0.len().is_multiple_of(RECORD) && sorted).then_some(h)
    }

    /// A history of these points (in any order; the last of a repeated key wins).
    fn from_points(mut points: Vec<(Key, f64)>) -> History {
        points.reverse();
        points.sort_by_key(|(k, _)| *k);
        points.dedup_by_key(|(k, _)| *k);
        let mut bytes = Vec::with_capacity(points.len() * RECORD);
        for ((ind, kind, ord), v) in points {
            bytes.extend_from_slice(&ind.to_le_bytes());
            bytes.push(kind);
            bytes.extend_from_slice(&ord.to_le_bytes());
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        History(bytes)
    }

    fn points(&self) -> impl Iterator<Item = (Key, f64)> + '_ {
        (0..self.len()).map(|i| (self.key(i), self.value(i)))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// Number of approved values.
    pub fn len(&self) -> usize {
        self.0.len() / RECORD
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn key(&self, i: usize) -> Key {
        let r = &self.0[i * RECORD..(i + 1) * RECORD];
        (
            u32::from_le_bytes([r[0], r[1], r[2], r[3]]),
            r[4],
            i32::from_le_bytes([r[5], r[6], r[7], r[8]]),
        )
    }

    fn value(&self, i: usize) -> f64 {
        let r = &self.0[i * RECORD + 9..(i + 1) * RECORD];
        f64::from_le_bytes(r.try_into().expect("8 bytes"))
    }

    /// Index of the first point not before `key`.
    fn lower_bound(&self, key: Key) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.key(mid) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The approved value of `indicator` in `period`.
    pub fn get(&self, indicator: i64, period: &Period) -> Option<f64> {
        let key = key_of(indicator, period)?;
        let i = self.lower_bound(key);
        (i < self.len() && self.key(i) == key).then(|| self.value(i))
    }

    /// Approved values of `indicator` in the `n` periods before `period` (of its kind), oldest
    /// first; periods without one are skipped.
    pub fn before(&self, indicator: i64, period: &Period, n: usize) -> impl Iterator<Item = f64> {
        let range = key_of(indicator, period).map(|(ind, kind, to)| {
            let from = to.saturating_sub(i32::try_from(n).unwrap_or(i32::MAX));
            (
                self.lower_bound((ind, kind, from)),
                self.lower_bound((ind, kind, to)),
            )
        });
        let (a, b) = range.unwrap_or((0, 0));
        (a..b).map(move |i| self.value(i))
    }
}

fn history_of(row: &platform::db::Row) -> DbResult<History> {
    History::from_bytes(row.get("points")?).ok_or_else(|| DbError::Decode {
        column: "points".into(),
        problem: "not a list of 17-byte points sorted by indicator and period".into(),
    })
}

/// Units per statement.
const UNITS_PER_QUERY: usize = 2000;

/// The approved histories of `units` (units without approved values are absent).
pub async fn load(tx: &mut Tx, units: &HashSet<i64>) -> DbResult<HashMap<i64, History>> {
    let mut out = HashMap::with_capacity(units.len());
    let units: Vec<i64> = units.iter().copied().collect();
    for chunk in units.chunks(UNITS_PER_QUERY) {
        let mut args = Vec::new();
        let u = bind_list(&mut args, chunk.iter().map(|u| Value::from(*u)));
        let sql = format!("SELECT unit_id, points FROM unit_series WHERE unit_id IN ({u})");
        for row in tx.fetch_all(Sql::trusted(sql), args).await? {
            out.insert(row.get("unit_id")?, history_of(&row)?);
        }
    }
    Ok(out)
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
        let mut args = Vec::new();
        let i = bind_list(&mut args, indicators.iter().map(|i| Value::from(*i)));
        let p = bind_list(&mut args, periods.iter().map(Value::from));
        let u = bind_list(&mut args, chunk.iter().map(|u| Value::from(*u)));
        let sql = format!(
            "SELECT unit_id, indicator_id, period, value FROM data_values \
             WHERE approved AND indicator_id IN ({i}) AND period IN ({p}) AND unit_id IN ({u})"
        );
        for row in tx.fetch_all(Sql::trusted(sql), args).await? {
            let unit: i64 = row.get("unit_id")?;
            let Ok(period) = Period::parse(&row.get::<String>("period")?) else {
                continue;
            };
            if !wanted.contains(&(unit, period)) {
                continue;
            }
            let indicator: i64 = row.get("indicator_id")?;
            let key = key_of(indicator, &period).ok_or_else(|| DbError::Decode {
                column: "indicator_id".into(),
                problem: format!("{indicator} does not fit a series key"),
            })?;
            approved
                .entry(unit)
                .or_default()
                .push((key, row.get("value")?));
        }
    }

    let mut upserts = Vec::new();
    let mut emptied = Vec::new();
    for (unit, periods) in &by_unit {
        // Every point of these indicators and periods goes, then the approved values stored now
        // come in.
        let old = before.get(unit);
        let mut points: Vec<(Key, f64)> = old
            .map(|h| {
                h.points()
                    .filter(|((ind, kind, ord), _)| {
                        !(ids.contains(ind) && periods.contains(&(*kind, *ord)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        points.extend(approved.remove(unit).unwrap_or_default());
        let new = History::from_points(points);
        if old == Some(&new) || (old.is_none() && new.is_empty()) {
            continue;
        }
        if new.is_empty() {
            emptied.push(*unit);
        } else {
            upserts.push((*unit, new.0));
        }
    }
    write(tx, upserts).await?;
    for chunk in emptied.chunks(UNITS_PER_QUERY) {
        let mut args = Vec::new();
        let u = bind_list(&mut args, chunk.iter().map(|u| Value::from(*u)));
        tx.execute(
            Sql::trusted(format!("DELETE FROM unit_series WHERE unit_id IN ({u})")),
            args,
        )
        .await?;
    }
    Ok(())
}

/// Upsert histories, a few at a time (each can be hundreds of kilobytes).
async fn write(tx: &mut Tx, rows: Vec<(i64, Vec<u8>)>) -> DbResult<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut args = Vec::new();
        let mut groups = Vec::new();
        for (u, points) in rows.by_ref().take(50) {
            let g = bind_list(&mut args, [Value::from(u), Value::from(points)]);
            groups.push(format!("({g})"));
        }
        tx.execute(
            Sql::trusted(format!(
                "INSERT INTO unit_series (unit_id, points) VALUES {} \
                 ON CONFLICT (unit_id) DO UPDATE SET points = excluded.points",
                groups.join(",")
            )),
            args,
        )
        .await?;
    }
    Ok(())
}

/// Rebuild every unit's history from the approved values (after an upgrade, or to check the
/// kept ones: see the tests). Returns the number of units with approved values.
pub async fn rebuild(tx: &mut Tx) -> DbResult<usize> {
    tx.execute("DELETE FROM unit_series", Vec::new()).await?;
    let mut points: HashMap<i64, Vec<(Key, f64)>> = HashMap::new();
    for row in tx
        .fetch_all(
            "SELECT unit_id, indicator_id, period, value FROM data_values WHERE approved",
            Vec::new(),
        )
        .await?
    {
        let Ok(period) = Period::parse(&row.get::<String>("period")?) else {
            continue;
        };
        if let Some(key) = key_of(row.get("indicator_id")?, &period) {
            points
                .entry(row.get("unit_id")?)
                .or_default()
                .push((key, row.get("value")?));
        }
    }
    let n = points.len();
    write(
        tx,
        points
            .into_iter()
            .map(|(u, p)| (u, History::from_points(p).0))
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(id: &str) -> Period {
        Period::parse(id).unwrap()
    }

    fn history(points: &[(i64, &str, f64)]) -> History {
        History::from_points(
            points
                .iter()
                .map(|(i, id, v)| (key_of(*i, &p(id)).unwrap(), *v))
                .collect(),
        )
    }

    #[test]
    fn histories_are_sorted_and_windowed() {
        let h = history(&[
            (7, "202403", 3.0),
            (7, "202401", 1.0),
            (7, "2024Q1", 9.0),
            (2, "202402", 20.0),
            (7, "202402", 2.0),
        ]);
        assert_eq!(h.len(), 5);
        assert_eq!(h.get(7, &p("202402")), Some(2.0));
        assert_eq!(h.get(2, &p("202402")), Some(20.0));
        assert_eq!(h.get(7, &p("2024Q1")), Some(9.0));
        assert_eq!(h.get(7, &p("202404")), None);
        assert_eq!(h.get(3, &p("202402")), None);
        // The months before April, of indicator 7 only: quarters are other periods.
        assert_eq!(
            h.before(7, &p("202404"), 24).collect::<Vec<_>>(),
            [1.0, 2.0, 3.0]
        );
        assert_eq!(h.before(7, &p("202404"), 2).collect::<Vec<_>>(), [2.0, 3.0]);
        assert_eq!(h.before(7, &p("202402"), 24).collect::<Vec<_>>(), [1.0]);
        assert_eq!(h.before(2, &p("202404"), 24).collect::<Vec<_>>(), [20.0]);
        assert_eq!(h.before(-1, &p("202404"), 24).count(), 0);
        assert_eq!(History::from_bytes(h.bytes().to_vec()), Some(h.clone()));
        assert_eq!(History::from_bytes(vec![1, 2, 3]), None);
        let mut unsorted = h.bytes()[RECORD..].to_vec();
        unsorted.extend_from_slice(&h.bytes()[..RECORD]);
        assert_eq!(History::from_bytes(unsorted), None);
        // A repeated key keeps the last value given.
        let h = history(&[(1, "202401", 1.0), (1, "202401", 5.0)]);
        assert_eq!((h.len(), h.get(1, &p("202401"))), (1, Some(5.0)));
    }

    proptest! {
        /// A history answers like the map of its points, in whatever order they came.
        #[test]
        fn a_history_answers_like_a_map(points in proptest::collection::vec((1i64..5, 0i32..40, -1e9f64..1e9), 0..120)) {
            let mut map = std::collections::BTreeMap::new();
            let mut keyed = Vec::new();
            for (ind, o, v) in &points {
                let period = Period::from_ordinal(PeriodKind::Month, 2020 * 12 + o);
                keyed.push((key_of(*ind, &period).unwrap(), *v));
                map.insert((*ind, *o), *v);
            }
            let h = History::from_points(keyed);
            prop_assert_eq!(h.len(), map.len());
            prop_assert!(History::from_bytes(h.bytes().to_vec()).is_some());
            let end = Period::from_ordinal(PeriodKind::Month, 2020 * 12 + 40);
            for ind in 1..5 {
                let want: Vec<f64> = map.range((ind, 0)..(ind, 40)).map(|(_, v)| *v).collect();
                prop_assert_eq!(h.before(ind, &end, 40).collect::<Vec<_>>(), want);
                let recent: Vec<f64> = map.range((ind, 16)..(ind, 40)).map(|(_, v)| *v).collect();
                prop_assert_eq!(h.before(ind, &end, 24).collect::<Vec<_>>(), recent);
            }
        }
    }
}
