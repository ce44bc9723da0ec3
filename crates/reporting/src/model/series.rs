//! Each unit's approved values over time, packed into one row of `unit_series` (see
//! `store::series`): the history the outlier check compares a new value with. Pure: the packing,
//! the lookups and the merge of changed values, no I/O.

use std::collections::HashSet;

use crate::model::period::{Period, PeriodKind};

/// Bytes of one point: indicator id (u32 LE), period kind (1), period ordinal (i32 LE), value
/// (f64 LE bits).
const RECORD: usize = 17;

pub(crate) fn kind_code(k: PeriodKind) -> u8 {
    match k {
        PeriodKind::Month => 1,
        PeriodKind::Quarter => 2,
        PeriodKind::HalfYear => 3,
        PeriodKind::NineMonths => 4,
        PeriodKind::Year => 5,
    }
}

/// Where a point sits: indicator, period kind, period ordinal.
pub type Key = (u32, u8, i32);

pub fn key_of(indicator: i64, period: &Period) -> Option<Key> {
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
    pub fn from_points(mut points: Vec<(Key, f64)>) -> History {
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

    pub fn points(&self) -> impl Iterator<Item = (Key, f64)> + '_ {
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

/// `old` with every point of `indicators` in the `periods` (kind, ordinal) replaced by `fresh`:
/// the history after those values were approved, corrected, overwritten or deleted.
pub fn replaced(
    old: Option<&History>,
    indicators: &HashSet<u32>,
    periods: &HashSet<(u8, i32)>,
    fresh: Vec<(Key, f64)>,
) -> History {
    let mut points: Vec<(Key, f64)> = old
        .map(|h| {
            h.points()
                .filter(|((ind, kind, ord), _)| {
                    !(indicators.contains(ind) && periods.contains(&(*kind, *ord)))
                })
                .collect()
        })
        .unwrap_or_default();
    points.extend(fresh);
    History::from_points(points)
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

    #[test]
    fn a_replacement_touches_only_its_indicators_and_periods() {
        let old = history(&[(1, "202401", 1.0), (1, "202402", 2.0), (2, "202401", 3.0)]);
        let ids: HashSet<u32> = [1].into();
        let periods: HashSet<(u8, i32)> = [(1, p("202401").ordinal())].into();
        let fresh = vec![(key_of(1, &p("202401")).unwrap(), 9.0)];
        let new = replaced(Some(&old), &ids, &periods, fresh);
        assert_eq!(new.get(1, &p("202401")), Some(9.0));
        assert_eq!(new.get(1, &p("202402")), Some(2.0));
        assert_eq!(new.get(2, &p("202401")), Some(3.0));
        let gone = replaced(Some(&old), &ids, &periods, Vec::new());
        assert_eq!((gone.len(), gone.get(1, &p("202401"))), (2, None));
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
