//! The figures of the data API (`GET /api/v1/data`, its downloads): national figures with their
//! coverage, and a unit's figures, rolled up from its predecessors when asked for today's units.

use std::collections::{HashMap, HashSet};

use platform::identity::access::Target;
use registry::Day;
use registry::store::Unit;

use super::{Coverage, FigureStatus, NationalView, QueryError, over_time};
use crate::model::formula::NoValue;
use crate::model::indicator::Indicator;
use crate::model::period::{Period, PeriodKind};
use crate::store;

/// A national figure (`VN`) of an indicator in a period, computed once with its coverage.
#[derive(Debug, Clone, PartialEq)]
pub struct NationalFigure {
    pub indicator: String,
    pub period: Period,
    /// None with a `reason` when there is no value.
    pub value: Option<f64>,
    pub reason: Option<String>,
    /// For a value: how many units reported it out of those due.
    pub coverage: Option<Coverage>,
    pub status: Option<FigureStatus>,
    /// How many units contributed to the period's last month.
    pub units: Option<i64>,
}

/// A stable reason for a missing value: `division_by_zero`, `missing_input:<CODE>`…
pub fn no_value_reason(e: &NoValue) -> String {
    match e {
        NoValue::DivisionByZero => "division_by_zero".into(),
        NoValue::Missing(code) => format!("missing_input:{code}"),
        NoValue::Overflow => "overflow".into(),
        NoValue::NotANumber => "not_a_number".into(),
    }
}

/// The national figures of `wanted` (found in `catalogue`, whose formulas derived indicators
/// need) in each of `periods`, indicator by indicator: the aggregates are read once.
pub async fn national_figures(
    db: &platform::db::Db,
    catalogue: &[Indicator],
    wanted: &[Indicator],
    periods: &[Period],
) -> Result<Vec<NationalFigure>, QueryError> {
    let view = NationalView::load(db, catalogue, wanted, periods).await?;
    let mut out = Vec::with_capacity(wanted.len() * periods.len());
    for ind in wanted {
        for period in periods {
            let (value, reason) = match view.value(&ind.code, period) {
                Ok(v) => (Some(v), None),
                // A reported indicator that does not add up over units has no national figure
                // of its own (a ministry's, if any, came through the view).
                Err(_)
                    if ind.formula.is_none()
                        && (ind.agg_units == "none" || ind.agg_units == "wavg") =>
                {
                    (None, Some("not_aggregated_from_units".to_owned()))
                }
                Err(e) => (None, Some(no_value_reason(&e))),
            };
            let coverage = value.and_then(|_| view.coverage(&ind.code, period));
            out.push(NationalFigure {
                indicator: ind.code.clone(),
                period: *period,
                value,
                reason,
                status: coverage.as_ref().map(FigureStatus::of),
                coverage,
                units: period.months().last().and_then(|m| view.units(ind.id, m)),
            });
        }
    }
    Ok(out)
}

/// How unit codes are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitsMode {
    /// Each period as reported by the units valid then (a code means the unit bearing it then).
    Reported,
    /// The code means today's unit; periods before it existed are rolled up from its
    /// predecessors through the lineage.
    Current,
}

/// A unit's figure of an indicator in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitFigure {
    pub indicator: String,
    /// The code of the unit reported, or the code asked for when rolled up.
    pub unit: String,
    pub period: Period,
    pub value: Option<f64>,
    /// `no_data`, `not_additive`, `incomplete` or `overflow` when there is no value.
    pub reason: Option<&'static str>,
    /// With [`UnitsMode::Current`], the units of the time whose figures were rolled up
    /// (`code name`).
    pub rolled_from: Option<Vec<String>>,
}

/// The units whose figures stand for `code` in `period`: the unit bearing the code then
/// ([`UnitsMode::Reported`]), or today's unit and, for periods before it existed, its
/// predecessors valid then found through the lineage ([`UnitsMode::Current`]), by code.
pub async fn source_units(
    db: &platform::db::Db,
    code: &str,
    period: &Period,
    mode: UnitsMode,
) -> Result<Vec<Unit>, QueryError> {
    let not_found = || QueryError::UnitNotFound {
        code: code.to_owned(),
    };
    if mode == UnitsMode::Reported {
        // The unit bearing the code at the end of the period (codes were reused in 2025).
        return Ok(vec![
            registry::store::unit_by_code(db, code, Day(period.calendar().1))
                .await?
                .ok_or_else(not_found)?,
        ]);
    }
    let today = registry::store::unit_by_code(db, code, Day::today())
        .await?
        .ok_or_else(not_found)?;
    let day = Day(period.calendar().1);
    let mut out = Vec::new();
    let mut frontier = vec![today];
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

/// One source unit's values for a period that the caller may see: all of them for a caller
/// with the unit in scope, approved ones otherwise.
struct Visible {
    values: HashMap<(i64, String), f64>,
    /// None: every value is visible.
    approved: Option<HashSet<(i64, String)>>,
}

impl Visible {
    fn get(&self, key: &(i64, String)) -> Option<f64> {
        if self.approved.as_ref().is_none_or(|a| a.contains(key)) {
            self.values.get(key).copied()
        } else {
            None
        }
    }

    /// The unit's figure of `ind` in `period`: the period's own value (quarterly or annual
    /// reports), or its months combined by the indicator's rule over time.
    fn figure(&self, ind: &Indicator, period: &Period) -> Option<f64> {
        if period.kind != PeriodKind::Month
            && let Some(v) = self.get(&(ind.id, period.id()))
        {
            return Some(v);
        }
        let monthly: Vec<Option<f64>> = period
            .months()
            .iter()
            .map(|m| self.get(&(ind.id, m.id())))
            .collect();
        if monthly.len() == 1 {
            monthly[0]
        } else {
            over_time(ind, &monthly)
        }
    }
}

/// The figures of the unit `code` for `indicators` in each of `periods` (period by period). A
/// unit's own figures (approved or not) are for callers with it in scope (`in_scope` of its
/// permission target); others see approved values of public indicators only, and asking them
/// for an internal indicator is [`QueryError::Forbidden`]. Rolled up from several units (today's
/// unit's predecessors), additive indicators are summed and others have no value.
pub async fn unit_figures(
    db: &platform::db::Db,
    code: &str,
    indicators: &[Indicator],
    periods: &[Period],
    mode: UnitsMode,
    in_scope: &(dyn Fn(&Target) -> bool + Sync),
) -> Result<Vec<UnitFigure>, QueryError> {
    let ids: Vec<i64> = indicators.iter().map(|i| i.id).collect();
    let mut out = Vec::new();
    for period in periods {
        let sources = source_units(db, code, period, mode).await?;
        let rolled = mode == UnitsMode::Current
            && sources
                .iter()
                .any(|u| u.code != code || !u.valid_on(Day::today()));
        let mut visible = Vec::new();
        for unit in &sources {
            // The unit's permission target: the unit and its ancestors.
            let target = Target {
                national: false,
                agency: None,
                units: registry::store::chain(db, unit.id).await?,
            };
            let mine = in_scope(&target);
            if !mine && indicators.iter().any(|i| !i.is_public) {
                return Err(QueryError::Forbidden);
            }
            // Its months, and the period itself (quarterly or annual reports hold values under
            // the period's own id).
            let mut keys = period.months();
            if period.kind != PeriodKind::Month {
                keys.push(*period);
            }
            visible.push(Visible {
                values: store::data::unit_values(db, unit.id, &ids, &keys).await?,
                approved: if mine {
                    None
                } else {
                    Some(store::data::approved_keys(db, unit.id, &ids, &keys).await?)
                },
            });
        }
        for ind in indicators {
            let parts: Vec<Option<f64>> = visible.iter().map(|v| v.figure(ind, period)).collect();
            let (value, reason) = combine(ind, &parts);
            out.push(UnitFigure {
                indicator: ind.code.clone(),
                unit: sources
                    .first()
                    .filter(|_| !rolled)
                    .map(|u| u.code.clone())
                    .unwrap_or_else(|| code.to_owned()),
                period: *period,
                value: value.map(|v| ind.round(v)),
                reason,
                rolled_from: rolled.then(|| {
                    sources
                        .iter()
                        .map(|u| format!("{} {}", u.code, u.name))
                        .collect()
                }),
            });
        }
    }
    Ok(out)
}

/// The figure of an indicator over its source units' figures: one unit's own, or the sum of
/// several for an additive indicator when each has one.
fn combine(ind: &Indicator, parts: &[Option<f64>]) -> (Option<f64>, Option<&'static str>) {
    let (value, reason) = match parts {
        [] => (None, Some("no_data")),
        [one] => (*one, one.is_none().then_some("no_data")),
        _ if !ind.is_additive() => (None, Some("not_additive")),
        many if many.iter().all(Option::is_some) => (Some(many.iter().flatten().sum()), None),
        _ => (None, Some("incomplete")),
    };
    // A sum beyond floating point (values stored before every value was bounded) is said to
    // overflow, never shown as infinity or a bare null.
    match value {
        Some(v) if !v.is_finite() => (None, Some("overflow")),
        _ => (value, reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(agg_units: &str) -> Indicator {
        Indicator {
            id: 1,
            code: "X".into(),
            agg_units: agg_units.into(),
            agg_time: "sum".into(),
            decimals: 1,
            ..Default::default()
        }
    }

    #[test]
    fn predecessors_combine_by_the_indicators_rule() {
        let sum = ind("sum");
        assert_eq!(combine(&sum, &[Some(1.0), Some(2.5)]), (Some(3.5), None));
        assert_eq!(
            combine(&sum, &[Some(1.0), None]),
            (None, Some("incomplete"))
        );
        assert_eq!(combine(&sum, &[None]), (None, Some("no_data")));
        assert_eq!(combine(&sum, &[]), (None, Some("no_data")));
        assert_eq!(
            combine(&sum, &[Some(f64::MAX), Some(f64::MAX)]),
            (None, Some("overflow"))
        );
        let avg = ind("avg");
        assert_eq!(combine(&avg, &[Some(7.0)]), (Some(7.0), None));
        assert_eq!(
            combine(&avg, &[Some(1.0), Some(2.0)]),
            (None, Some("not_additive"))
        );
    }

    #[test]
    fn a_unit_figure_prefers_the_periods_own_value_and_hides_unapproved_ones() {
        let x = ind("sum");
        let q = Period::parse("2025Q1").unwrap();
        let mut values: HashMap<(i64, String), f64> = ["202501", "202502", "202503"]
            .iter()
            .map(|m| ((1, (*m).to_owned()), 1.0))
            .collect();
        let all = Visible {
            values: values.clone(),
            approved: None,
        };
        assert_eq!(all.figure(&x, &q), Some(3.0));
        let some = Visible {
            values: values.clone(),
            approved: Some([(1, "202501".to_owned())].into()),
        };
        assert_eq!(some.figure(&x, &q), None, "a sum needs every month");
        values.insert((1, "2025Q1".into()), 10.0);
        let own = Visible {
            values,
            approved: None,
        };
        assert_eq!(own.figure(&x, &q), Some(10.0));
    }
}
