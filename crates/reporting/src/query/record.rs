//! What the operations center's province pages and map read: today's provinces with their
//! approved figures in any period — rolled up from the provinces of the time for periods before
//! they existed (the 63 provinces before July 2025 into the 34 since) — and a unit's reporting
//! record (on time, late or overdue, report after report).

use std::collections::{HashMap, HashSet};

use platform::db::{Db, DbResult};
use registry::Day;
use registry::store::Unit;
use serde::Serialize;

use super::board::Timeliness;
use super::over_time;
use crate::model::calendar::deadline_end_ms;
use crate::model::indicator::Indicator;
use crate::model::period::{Period, PeriodKind};
use crate::model::template::Template;
use crate::store;

/// One of today's provinces with its approved figures for one period.
#[derive(Debug, Clone, Serialize)]
pub struct ProvinceFigures {
    pub code: String,
    pub name: String,
    /// Indicator code → the approved figure (none: not approved, or not every unit of the time
    /// reported an additive figure, or the indicator does not add up over units).
    pub values: HashMap<String, Option<f64>>,
    /// The codes of the provinces of the time whose figures were rolled up (empty: the province
    /// itself reported).
    pub rolled_from: Vec<String>,
}

/// Today's provinces, each with its approved figures of `indicators` in `period`: its own, or
/// for a period before it existed, its predecessors' valid then (found through the lineage),
/// summed for an additive indicator when each reported one. In code order.
pub async fn current_province_figures(
    db: &Db,
    indicators: &[Indicator],
    period: &Period,
) -> DbResult<Vec<ProvinceFigures>> {
    let query = registry::store::UnitQuery {
        level: Some(registry::Level::Province),
        valid_on: Some(Day::today()),
        limit: 1000,
        ..Default::default()
    };
    let mut provinces = registry::store::list_units(db, &query).await?.0;
    provinces.sort_by(|a, b| a.code.cmp(&b.code));
    let mut sources = Vec::with_capacity(provinces.len());
    for p in &provinces {
        sources.push(sources_then(db, p, period).await?);
    }
    let ids: Vec<i64> = sources.iter().flatten().map(|u| u.id).collect();
    let values = approved(db, &ids, indicators, period).await?;
    Ok(provinces
        .into_iter()
        .zip(sources)
        .map(|(p, src)| {
            let rolled = src.len() != 1 || src[0].id != p.id;
            ProvinceFigures {
                values: indicators
                    .iter()
                    .map(|ind| (ind.code.clone(), combined(ind, &src, &values, period)))
                    .collect(),
                rolled_from: if rolled {
                    src.iter().map(|u| u.code.clone()).collect()
                } else {
                    Vec::new()
                },
                code: p.code,
                name: p.name,
            }
        })
        .collect())
}

/// The approved figures of today's unit `unit` for `indicators` in each of `periods`, rolled up
/// from its predecessors before it existed: (indicator code, period id) → figure.
pub async fn current_unit_series(
    db: &Db,
    unit: &Unit,
    indicators: &[Indicator],
    periods: &[Period],
) -> DbResult<HashMap<(String, String), f64>> {
    let mut out = HashMap::new();
    for period in periods {
        let src = sources_then(db, unit, period).await?;
        let ids: Vec<i64> = src.iter().map(|u| u.id).collect();
        let values = approved(db, &ids, indicators, period).await?;
        for ind in indicators {
            if let Some(v) = combined(ind, &src, &values, period) {
                out.insert((ind.code.clone(), period.id()), v);
            }
        }
    }
    Ok(out)
}

/// The units whose figures stand for today's `unit` in `period`: itself when valid at the
/// period's end, else its predecessors valid then.
async fn sources_then(db: &Db, unit: &Unit, period: &Period) -> DbResult<Vec<Unit>> {
    let day = Day(period.calendar().1);
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
        for link in registry::store::predecessors(db, u.id).await? {
            frontier.push(link.unit);
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

pub(super) type Approved = HashMap<(i64, i64, String), f64>;

/// Approved values of `units` for the period's months and the period itself.
async fn approved(
    db: &Db,
    units: &[i64],
    indicators: &[Indicator],
    period: &Period,
) -> DbResult<Approved> {
    if units.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = indicators.iter().map(|i| i.id).collect();
    let mut keys = period.months();
    if period.kind != PeriodKind::Month {
        keys.push(*period);
    }
    store::data::approved_values(db, units, &ids, &keys).await
}

/// One unit's figure: the period's own value (quarterly or annual reports) or its months
/// combined by the indicator's rule over time.
fn unit_figure(ind: &Indicator, unit: i64, values: &Approved, period: &Period) -> Option<f64> {
    let get = |p: &Period| values.get(&(unit, ind.id, p.id())).copied();
    if period.kind != PeriodKind::Month
        && let Some(v) = get(period)
    {
        return Some(v);
    }
    let monthly: Vec<Option<f64>> = period.months().iter().map(get).collect();
    if monthly.len() == 1 {
        monthly[0]
    } else {
        over_time(ind, &monthly)
    }
}

/// The figure over the source units: one unit's own, or the sum of several for an additive
/// indicator when each has one.
pub(super) fn combined(
    ind: &Indicator,
    src: &[Unit],
    values: &Approved,
    period: &Period,
) -> Option<f64> {
    let parts: Vec<Option<f64>> = src
        .iter()
        .map(|u| unit_figure(ind, u.id, values, period))
        .collect();
    let v = match parts.as_slice() {
        [] => None,
        [one] => *one,
        _ if !ind.is_additive() => None,
        many => many.iter().copied().sum::<Option<f64>>(),
    }?;
    v.is_finite().then(|| ind.round(v))
}

/// One report of a unit's record.
#[derive(Debug, Clone, Serialize)]
pub struct RecordEntry {
    #[serde(serialize_with = "period_id")]
    pub period: Period,
    /// The last day to submit (ISO date).
    pub deadline: String,
    pub submitted_at: Option<i64>,
    pub timeliness: Timeliness,
}

fn period_id<S: serde::Serializer>(p: &Period, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.id())
}

/// The reporting record of `unit` for `template` over `periods`, at `now_ms`: for each period
/// the unit was due (valid at the period's end), whether it submitted on time, late, not yet
/// or is overdue. Periods before the unit existed are left out.
pub async fn unit_record(
    db: &Db,
    template: &Template,
    unit: &Unit,
    periods: &[Period],
    now_ms: i64,
) -> DbResult<Vec<RecordEntry>> {
    let cal = store::holidays::holidays(db).await?;
    let mut out = Vec::with_capacity(periods.len());
    for period in periods {
        if !unit.valid_on(Day(period.calendar().1)) {
            continue;
        }
        let sub = store::submissions::find(db, template.id, unit.id, period).await?;
        let deadline = template.deadline(period, &cal);
        let submitted_at = sub.and_then(|s| s.submitted_at);
        out.push(RecordEntry {
            period: *period,
            deadline: deadline.to_string(),
            submitted_at,
            timeliness: Timeliness::of(submitted_at, deadline_end_ms(deadline), now_ms),
        });
    }
    Ok(out)
}
