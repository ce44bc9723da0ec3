//! One of today's units over many periods, read in a few queries whatever the number of periods
//! (a province's page reads 24 months of figures and 12 reports): the unit's lineage is walked
//! once (each predecessor read once, not once a period), every period's approved values come in
//! one query, and the reports of every period in one more. The figures are those of
//! [`super::current_unit_series`] and [`super::unit_record`], which read period after period.

use std::collections::{HashMap, HashSet};

use platform::db::{Db, DbResult};
use registry::Day;
use registry::store::Unit;

use super::board::Timeliness;
use super::record::{RecordEntry, combined};
use crate::model::calendar::deadline_end_ms;
use crate::model::indicator::Indicator;
use crate::model::period::{Period, PeriodKind};
use crate::model::template::Template;
use crate::store;

/// The units whose figures stand for today's `unit` on `day` (itself when valid then, else its
/// predecessors valid then), the lineage read through `known` (unit id → predecessors) so each
/// unit's predecessors are read once for all periods.
async fn sources_on(
    db: &Db,
    unit: &Unit,
    day: Day,
    known: &mut HashMap<i64, Vec<Unit>>,
) -> DbResult<Vec<Unit>> {
    let mut out = Vec::new();
    let mut frontier = vec![unit.clone()];
    let mut seen = HashSet::new();
    while let Some(u) = frontier.pop() {
        if !seen.insert(u.id) {
            continue;
        }
        if u.valid_on(day) {
            out.push(u);
            continue;
        }
        if let Some(preds) = known.get(&u.id) {
            frontier.extend(preds.iter().cloned());
            continue;
        }
        let preds: Vec<Unit> = registry::store::predecessors(db, u.id)
            .await?
            .into_iter()
            .map(|l| l.unit)
            .collect();
        frontier.extend(preds.iter().cloned());
        known.insert(u.id, preds);
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// The approved figures of today's unit `unit` for `indicators` in each of `periods`, rolled up
/// from its predecessors before it existed: (indicator code, period id) → figure. As
/// [`super::current_unit_series`], in one query of values for all periods.
pub async fn unit_series_batch(
    db: &Db,
    unit: &Unit,
    indicators: &[Indicator],
    periods: &[Period],
) -> DbResult<HashMap<(String, String), f64>> {
    let mut known = HashMap::new();
    let mut sources = Vec::with_capacity(periods.len());
    for p in periods {
        sources.push(sources_on(db, unit, Day(p.calendar().1), &mut known).await?);
    }
    let mut ids: Vec<i64> = sources.iter().flatten().map(|u| u.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut keys: Vec<Period> = Vec::new();
    for p in periods {
        keys.extend(p.months());
        if p.kind != PeriodKind::Month {
            keys.push(*p);
        }
    }
    keys.sort_by_key(Period::id);
    keys.dedup();
    let mut out = HashMap::new();
    if ids.is_empty() || indicators.is_empty() {
        return Ok(out);
    }
    let indicator_ids: Vec<i64> = indicators.iter().map(|i| i.id).collect();
    let values = store::data::approved_values(db, &ids, &indicator_ids, &keys).await?;
    for (period, src) in periods.iter().zip(&sources) {
        for ind in indicators {
            if let Some(v) = combined(ind, src, &values, period) {
                out.insert((ind.code.clone(), period.id()), v);
            }
        }
    }
    Ok(out)
}

/// The reporting record of `unit` for `template` over `periods` at `now_ms`, as
/// [`super::unit_record`], with the reports of all periods read in one query.
pub async fn unit_record_batch(
    db: &Db,
    template: &Template,
    unit: &Unit,
    periods: &[Period],
    now_ms: i64,
) -> DbResult<Vec<RecordEntry>> {
    let due: Vec<Period> = periods
        .iter()
        .filter(|p| unit.valid_on(Day(p.calendar().1)))
        .copied()
        .collect();
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let cal = store::holidays::holidays(db).await?;
    let submitted: HashMap<String, Option<i64>> =
        store::submissions::of_unit(db, template.id, unit.id, &due)
            .await?
            .into_iter()
            .map(|s| (s.period, s.submitted_at))
            .collect();
    Ok(due
        .into_iter()
        .map(|period| {
            let deadline = template.deadline(&period, &cal);
            let submitted_at = submitted.get(&period.id()).copied().flatten();
            RecordEntry {
                period,
                deadline: deadline.to_string(),
                submitted_at,
                timeliness: Timeliness::of(submitted_at, deadline_end_ms(deadline), now_ms),
            }
        })
        .collect())
}
