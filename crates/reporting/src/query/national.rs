//! National figures: the roll-up of approved values along the unit hierarchy and over time, by
//! each indicator's rules, derived indicators evaluated on them, and how complete each figure
//! is (its coverage: units that reported out of those due).

use std::collections::HashMap;

use platform::db::{Db, DbResult};

use registry::{Day, Level};
use serde::Serialize;

use crate::model::indicator::Indicator;
use crate::model::period::Period;
use crate::store;

/// National figures of reported and derived indicators for some periods: the aggregates of the
/// reported indicators are fetched once, then derived indicators are evaluated on them with the
/// formula engine (exact decimals; division by zero or a missing input gives no value, with the
/// reason).
pub struct NationalView {
    indicators: HashMap<String, Indicator>,
    formulas: std::collections::BTreeMap<String, crate::model::formula::Formula>,
    monthly: HashMap<(String, String), f64>,
    /// How many units contributed to each reported indicator's figure (indicator id, period).
    units: HashMap<(i64, String), i64>,
    /// How many units were due to report each figure of `units` (indicator id, period): the
    /// provinces valid on the period's last day (the 63 before July 2025, 34 since), or the
    /// communes when the figure was rolled up from them.
    expected: HashMap<(i64, String), i64>,
    /// Figures a ministry reported for the country (one unit due, one reported).
    nation: std::collections::HashSet<(i64, String)>,
}

/// Coverage of a national figure: how many units reported it out of those due to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub reported: i64,
    pub expected: i64,
}

impl Coverage {
    /// Every unit due has reported.
    pub fn complete(&self) -> bool {
        self.reported >= self.expected
    }
}

/// Whether a national figure is final: `complete` (every unit due has reported) or
/// `provisional` (some have not; the figure will change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FigureStatus {
    Complete,
    Provisional,
}

impl FigureStatus {
    pub fn of(c: &Coverage) -> FigureStatus {
        if c.complete() {
            FigureStatus::Complete
        } else {
            FigureStatus::Provisional
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FigureStatus::Complete => "complete",
            FigureStatus::Provisional => "provisional",
        }
    }
}

impl NationalView {
    /// Prefetch what `wanted` needs over `periods` (each period, the one before, the same period
    /// last year, and the year to date).
    pub async fn load(
        db: &Db,
        catalogue: &[Indicator],
        wanted: &[Indicator],
        periods: &[Period],
    ) -> DbResult<NationalView> {
        let indicators: HashMap<String, Indicator> = catalogue
            .iter()
            .map(|i| (i.code.clone(), i.clone()))
            .collect();
        let formulas = crate::model::formula::parse_catalogue(
            catalogue
                .iter()
                .filter_map(|i| i.formula.clone().map(|f| (i.code.clone(), f))),
        )
        .unwrap_or_default();
        // Reported indicators reachable from the wanted ones.
        let mut reported = std::collections::BTreeSet::new();
        let mut stack: Vec<String> = wanted.iter().map(|i| i.code.clone()).collect();
        let mut seen = std::collections::BTreeSet::new();
        while let Some(code) = stack.pop() {
            if !seen.insert(code.clone()) {
                continue;
            }
            match formulas.get(&code) {
                Some(f) => stack.extend(f.references()),
                None => {
                    reported.insert(code);
                }
            }
        }
        let mut months = std::collections::BTreeSet::new();
        for p in periods {
            for q in [*p, p.previous(), p.same_period_last_year()] {
                months.extend(q.months());
                months.extend(q.year_to_date());
                // Reports of longer periods (quarterly, annual templates) hold values under
                // the period's own id.
                months.insert(q);
            }
        }
        let months: Vec<Period> = months.into_iter().collect();
        let base: Vec<Indicator> = reported
            .iter()
            .filter_map(|c| indicators.get(c).cloned())
            .collect();
        let totals = store::data::national(db, &base, &months).await?;
        let units = totals.iter().map(|(k, a)| (k.clone(), a.units)).collect();
        // Who was due to report each figure: its period's last day, at its level.
        let last_day = |period: &str| Period::parse(period).ok().map(|p| Day(p.calendar().1));
        let mut days: HashMap<bool, std::collections::BTreeSet<Day>> = HashMap::new();
        for ((_, period), a) in &totals {
            days.entry(a.from_communes)
                .or_default()
                .extend(last_day(period));
        }
        let mut due: HashMap<bool, HashMap<Day, i64>> = HashMap::new();
        for (communes, d) in &days {
            let d: Vec<Day> = d.iter().copied().collect();
            let level = if *communes {
                Level::Commune
            } else {
                Level::Province
            };
            due.insert(
                *communes,
                registry::store::count_valid(db, level, &d).await?,
            );
        }
        let expected = totals
            .iter()
            .map(|(k, a)| {
                let n = last_day(&k.1)
                    .and_then(|d| due.get(&a.from_communes)?.get(&d).copied())
                    .unwrap_or(0);
                (k.clone(), n)
            })
            .collect();
        let mut nation = std::collections::HashSet::new();
        let mut monthly: HashMap<(String, String), f64> = totals
            .into_iter()
            .filter_map(|((id, period), a)| {
                let code = base.iter().find(|i| i.id == id)?.code.clone();
                Some(((code, period), a.value))
            })
            .collect();
        // Where the provinces give no national figure (an indicator not reported by provinces,
        // or not aggregated over them), the figure a ministry reported for the country.
        for ((id, period), v) in store::data::nation_values(db, &base, &months).await? {
            if let Some(ind) = base.iter().find(|i| i.id == id)
                && !monthly.contains_key(&(ind.code.clone(), period.clone()))
            {
                monthly.insert((ind.code.clone(), period.clone()), v);
                nation.insert((id, period));
            }
        }
        Ok(NationalView {
            indicators,
            formulas,
            monthly,
            units,
            expected,
            nation,
        })
    }

    /// Coverage of a reported indicator's figure for one key (a month, or a longer period a
    /// report holds under its own id).
    fn coverage_at(&self, id: i64, key: &str) -> Option<Coverage> {
        let k = (id, key.to_owned());
        if self.nation.contains(&k) {
            return Some(Coverage {
                reported: 1,
                expected: 1,
            });
        }
        Some(Coverage {
            reported: *self.units.get(&k)?,
            expected: *self.expected.get(&k)?,
        })
    }

    /// Coverage of the national figure of `code` in `period`: for a longer period, its first
    /// month not every unit due has reported (or its last month when all are complete); for a
    /// derived indicator, the least complete of the reported indicators it is computed from.
    /// `None` when no unit reported.
    pub fn coverage(&self, code: &str, period: &Period) -> Option<Coverage> {
        self.coverage_depth(code, period, 0)
    }

    fn coverage_depth(&self, code: &str, period: &Period, depth: u32) -> Option<Coverage> {
        let ind = self.indicators.get(code)?;
        if let Some(f) = self.formulas.get(code) {
            if depth > 16 {
                return None;
            }
            let mut worst: Option<Coverage> = None;
            for r in f.references() {
                let c = self.coverage_depth(&r, period, depth + 1)?;
                let worse = worst.is_none_or(|w| {
                    // reported/expected smaller (cross-multiplied: no division).
                    (c.reported as i128) * (w.expected as i128)
                        < (w.reported as i128) * (c.expected as i128)
                });
                if worse {
                    worst = Some(c);
                }
            }
            return worst;
        }
        if period.kind != crate::model::period::PeriodKind::Month
            && let Some(c) = self.coverage_at(ind.id, &period.id())
        {
            return Some(c);
        }
        let months = period.months();
        let mut last = None;
        for m in &months {
            let c = self.coverage_at(ind.id, &m.id())?;
            if !c.complete() {
                return Some(c);
            }
            last = Some(c);
        }
        last
    }

    /// How many units contributed to a reported indicator's national figure for a month (from
    /// the totals already read: no second roll-up).
    pub fn units(&self, indicator_id: i64, period: &Period) -> Option<i64> {
        self.units.get(&(indicator_id, period.id())).copied()
    }

    fn reported_in(&self, ind: &Indicator, period: &Period) -> Option<f64> {
        if period.kind != crate::model::period::PeriodKind::Month
            && let Some(v) = self.monthly.get(&(ind.code.clone(), period.id()))
        {
            return Some(*v);
        }
        self.reported(ind, &period.months())
    }

    fn reported(&self, ind: &Indicator, months: &[Period]) -> Option<f64> {
        let vals: Vec<Option<f64>> = months
            .iter()
            .map(|m| self.monthly.get(&(ind.code.clone(), m.id())).copied())
            .collect();
        if vals.len() == 1 {
            vals[0]
        } else {
            super::over_time(ind, &vals)
        }
    }

    /// The national value of `code` in `period`, or why there is none.
    pub fn value(
        &self,
        code: &str,
        period: &Period,
    ) -> Result<f64, crate::model::formula::NoValue> {
        self.value_depth(code, period, 0)
    }

    fn value_depth(
        &self,
        code: &str,
        period: &Period,
        depth: u32,
    ) -> Result<f64, crate::model::formula::NoValue> {
        use crate::model::formula::{NoValue, PeriodShift, decimal_from_f64};
        use rust_decimal::prelude::ToPrimitive;
        let missing = || NoValue::Missing(code.to_owned());
        let ind = self.indicators.get(code).ok_or_else(missing)?;
        let Some(f) = self.formulas.get(code) else {
            // A sum beyond the range of floating point (values stored before every value was
            // bounded) is said to overflow, never passed on as infinity. A sum of floats
            // carries binary noise (0.1 + 0.2): rounded once to the indicator's decimals, it
            // is the exact decimal sum (values with d decimals add up to d decimals).
            return match self.reported_in(ind, period) {
                Some(v) if v.is_finite() => Ok(ind.round(v)),
                Some(_) => Err(NoValue::Overflow),
                None => Err(missing()),
            };
        };
        if depth > 16 {
            return Err(missing());
        }
        // An input that overflowed makes the formula overflow (not "missing").
        let failed: std::cell::Cell<Option<NoValue>> = std::cell::Cell::new(None);
        let ctx = |c: &str, shift: PeriodShift| -> Option<rust_decimal::Decimal> {
            let v = match shift {
                PeriodShift::Current => self.value_depth(c, period, depth + 1),
                PeriodShift::Previous => self.value_depth(c, &period.previous(), depth + 1),
                PeriodShift::Lag(n) => {
                    let mut p = *period;
                    for _ in 0..n {
                        p = p.previous();
                    }
                    self.value_depth(c, &p, depth + 1)
                }
                PeriodShift::SamePeriodLastYear => {
                    self.value_depth(c, &period.same_period_last_year(), depth + 1)
                }
                PeriodShift::YearToDate => {
                    let i = self.indicators.get(c)?;
                    if self.formulas.contains_key(c) {
                        return None;
                    }
                    self.reported(i, &period.year_to_date())
                        .ok_or(NoValue::Missing(c.to_owned()))
                }
            };
            match v.and_then(decimal_from_f64) {
                Ok(d) => Some(d),
                // Infinity or NaN only come out of sums that overflowed.
                Err(NoValue::Overflow | NoValue::NotANumber) => {
                    failed.set(Some(NoValue::Overflow));
                    None
                }
                Err(_) => None,
            }
        };
        let d = match f.eval(&ctx) {
            Err(NoValue::Missing(c)) => Err(failed.take().unwrap_or(NoValue::Missing(c))),
            other => other,
        }?;
        d.to_f64().map(|v| ind.round(v)).ok_or(NoValue::Overflow)
    }
}
