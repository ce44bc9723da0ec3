//! Reading data: a unit's own values, and aggregates computed at query time from the values
//! table (so an approved value counts in every total at once: no analytics rebuild). This is the
//! query API the operations center calls.

use std::collections::HashMap;

use platform::db::{Db, DbResult, Sql, Tx, Value, bind_list};
use serde::Serialize;

use crate::catalogue::Indicator;
use crate::model::period::Period;

/// Values of one unit for some indicators (a report's): (indicator id, period id) → value.
/// Found through the primary key, one lookup per indicator and period.
pub async fn unit_values(
    db: &Db,
    unit_id: i64,
    indicators: &[i64],
    periods: &[Period],
) -> DbResult<HashMap<(i64, String), f64>> {
    if periods.is_empty() || indicators.is_empty() {
        return Ok(HashMap::new());
    }
    let mut args: Vec<Value> = vec![unit_id.into()];
    let inds = bind_list(&mut args, indicators.iter().copied());
    let pers = bind_list(&mut args, periods.iter().map(Period::id));
    let sql = format!(
        "SELECT indicator_id, period, value FROM data_values \
         WHERE indicator_id IN ({inds}) AND period IN ({pers}) AND unit_id = $1"
    );
    let mut out = HashMap::new();
    for r in db.fetch_all(Sql::trusted(sql), args).await? {
        out.insert((r.get("indicator_id")?, r.get("period")?), r.get("value")?);
    }
    Ok(out)
}

/// An aggregate over the province-level units that reported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Aggregate {
    pub value: f64,
    /// How many units contributed.
    pub units: i64,
    /// Rolled up from the communes (the provinces reported no figure for the period).
    #[serde(skip)]
    pub from_communes: bool,
}

/// Above this many periods a roll-up statement is planned per call on PostgreSQL.
const MANY_PERIODS: usize = 12;

/// An indicator's figure from one row of kept totals (`province_totals`: n, total, min, max).
fn totals_value(agg_units: &str) -> &'static str {
    match agg_units {
        "sum" => "total",
        "avg" => "total / CAST(n AS DOUBLE PRECISION)",
        "min" => "min_value",
        _ => "max_value",
    }
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
    for ind in indicators {
        let func = match ind.agg_units.as_str() {
            "sum" => "SUM(dv.value)",
            "avg" => "AVG(dv.value)",
            "min" => "MIN(dv.value)",
            "max" => "MAX(dv.value)",
            "wavg" => "SUM(dv.value * w.value) / NULLIF(SUM(w.value), 0)",
            _ => continue,
        };
        let mut args: Vec<Value> = vec![ind.id.into()];
        let ph: Vec<String> = period_ids
            .iter()
            .map(|p| {
                args.push(p.into());
                format!("${}", args.len())
            })
            .collect();
        // The weighting indicator's values for the same unit and period, its code bound as `$idx`.
        let weight_join = |idx: usize| {
            if ind.agg_units == "wavg" {
                format!(
                    " JOIN indicators wi ON wi.code = ${idx} JOIN data_values w ON w.indicator_id = wi.id \
                     AND w.unit_id = dv.unit_id AND w.period = dv.period AND w.approved"
                )
            } else {
                String::new()
            }
        };
        if ind.agg_units == "wavg" {
            args.push(ind.agg_weight.clone().unwrap_or_default().into());
        }
        // Provinces first: their totals kept per indicator and period (`province_totals`), or,
        // for a weighted average, the provinces' values themselves, the units driving the join
        // (one key lookup per province and period).
        let sql = if ind.agg_units == "wavg" {
            let sql = format!(
                "SELECT dv.period, {func} AS v, COUNT(*) AS n FROM units u CROSS JOIN data_values dv{} \
                 WHERE u.level = 'province' AND dv.unit_id = u.id AND dv.indicator_id = $1 AND dv.approved \
                 AND dv.period IN ({}) GROUP BY dv.period",
                weight_join(period_ids.len() + 2),
                ph.join(",")
            );
            // PostgreSQL: over many periods, planned with them (a bitmap scan of the indicator's
            // periods) rather than by the generic plan, which probes the key once per province
            // and period (7.5 ms against 27.3 ms for 60 months, docs/benchmarks.md). Over a few
            // periods the probes are cheap and planning each call would cost more than it saves.
            if period_ids.len() > MANY_PERIODS {
                Sql::trusted(sql).planned_per_call()
            } else {
                Sql::trusted(sql)
            }
        } else {
            Sql::trusted(format!(
                "SELECT period, {} AS v, n FROM province_totals WHERE indicator_id = $1 AND period IN ({})",
                totals_value(&ind.agg_units),
                ph.join(",")
            ))
        };
        for r in db.fetch_all(sql, args).await? {
            if let Some(v) = r.get::<Option<f64>>("v")? {
                out.insert(
                    (ind.id, r.get("period")?),
                    Aggregate {
                        value: v,
                        units: r.get("n")?,
                        from_communes: false,
                    },
                );
            }
        }
        // Periods the provinces did not report: roll the communes up.
        let missing: Vec<&String> = period_ids
            .iter()
            .filter(|p| !out.contains_key(&(ind.id, (*p).clone())))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let mut args: Vec<Value> = vec![ind.id.into()];
        let ph: Vec<String> = missing
            .iter()
            .map(|p| {
                args.push((*p).into());
                format!("${}", args.len())
            })
            .collect();
        let rows = if ind.agg_units == "wavg" {
            // Weights are not kept in the totals: read the communes themselves.
            args.push(ind.agg_weight.clone().unwrap_or_default().into());
            db.fetch_all(
                Sql::trusted(format!(
                    "SELECT dv.period, {func} AS v, COUNT(*) AS n FROM data_values dv JOIN units u ON u.id = dv.unit_id{} \
                     WHERE dv.indicator_id = $1 AND dv.approved AND u.level = 'commune' AND dv.period IN ({}) GROUP BY dv.period",
                    weight_join(missing.len() + 2),
                    ph.join(","),
                ))
                .planned_per_call(),
                args,
            )
            .await?
        } else {
            let v = match ind.agg_units.as_str() {
                "sum" => "SUM(total)",
                "avg" => "SUM(total) / CAST(SUM(n) AS DOUBLE PRECISION)",
                "min" => "MIN(min_value)",
                _ => "MAX(max_value)",
            };
            db.fetch_all(
                Sql::trusted(format!(
                    "SELECT period, {v} AS v, CAST(SUM(n) AS BIGINT) AS n FROM area_totals WHERE indicator_id = $1 AND period IN ({}) \
                     GROUP BY period",
                    ph.join(",")
                )),
                args,
            )
            .await?
        };
        for r in rows {
            if let Some(v) = r.get::<Option<f64>>("v")? {
                out.insert(
                    (ind.id, r.get("period")?),
                    Aggregate {
                        value: v,
                        units: r.get("n")?,
                        from_communes: true,
                    },
                );
            }
        }
    }
    Ok(out)
}

/// Recompute the provinces' totals of approved values (`province_totals`) for these indicators
/// and periods, or for everything when `scope` is None. Called in every transaction that changes
/// approved values of province-level units, so the national roll-up never reads stale totals.
pub async fn refresh_province_totals(
    tx: &mut Tx,
    scope: Option<(&[i64], &[String])>,
) -> DbResult<()> {
    let mut args: Vec<Value> = Vec::new();
    let filter = match scope {
        None => String::new(),
        Some((indicators, periods)) => {
            if indicators.is_empty() || periods.is_empty() {
                return Ok(());
            }
            let inds = bind_list(&mut args, indicators.iter().copied());
            let pers = bind_list(&mut args, periods);
            format!(" AND {{t}}indicator_id IN ({inds}) AND {{t}}period IN ({pers})")
        }
    };
    tx.execute(
        Sql::trusted(format!(
            "DELETE FROM province_totals WHERE TRUE{}",
            filter.replace("{t}", "")
        )),
        args.clone(),
    )
    .await?;
    tx.execute(
        Sql::trusted(format!(
            "INSERT INTO province_totals (indicator_id, period, n, total, min_value, max_value) \
             SELECT dv.indicator_id, dv.period, COUNT(*), SUM(dv.value), MIN(dv.value), MAX(dv.value) \
             FROM {} WHERE u.level = 'province' AND dv.unit_id = u.id AND dv.approved{} \
             GROUP BY dv.indicator_id, dv.period",
            // Scoped: the provinces drive, one key lookup per (indicator, period, province).
            // Everything: one pass over the values (data_values has no index on the unit).
            if scope.is_some() {
                "units u CROSS JOIN data_values dv"
            } else {
                "data_values dv JOIN units u ON u.id = dv.unit_id"
            },
            filter.replace("{t}", "dv.")
        ))
        .planned_per_call(),
        args,
    )
    .await?;
    Ok(())
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
    let mut args: Vec<Value> = periods.iter().map(Value::from).collect();
    let pph: Vec<String> = (1..=periods.len()).map(|i| format!("${i}")).collect();
    let parents = match communes {
        None => String::new(),
        Some(ids) => {
            let ph: Vec<String> = ids
                .iter()
                .map(|id| {
                    args.push((*id).into());
                    format!("${}", args.len())
                })
                .collect();
            format!(
                " AND {{col}} IN (SELECT parent_id FROM units WHERE id IN ({}))",
                ph.join(",")
            )
        }
    };
    tx.execute(
        Sql::trusted(format!(
            "DELETE FROM area_totals WHERE period IN ({}){}",
            pph.join(","),
            parents.replace("{col}", "unit_id")
        )),
        args.clone(),
    )
    .await?;
    // The indicators communes report, each period's values read through the primary key.
    tx.execute(
        Sql::trusted(format!(
            "INSERT INTO area_totals (indicator_id, period, unit_id, n, total, min_value, max_value) \
             SELECT dv.indicator_id, dv.period, u.parent_id, COUNT(*), SUM(dv.value), MIN(dv.value), MAX(dv.value) \
             FROM data_values dv CROSS JOIN units u \
             WHERE dv.indicator_id IN (SELECT ti.indicator_id FROM template_indicators ti \
                 JOIN report_templates t ON t.id = ti.template_id WHERE t.unit_level = 'commune') \
             AND u.level = 'commune' AND u.parent_id IS NOT NULL AND dv.unit_id = u.id AND dv.approved \
             AND dv.period IN ({}){} GROUP BY dv.indicator_id, dv.period, u.parent_id",
            pph.join(","),
            parents.replace("{col}", "u.parent_id")
        )),
        args,
    )
    .await?;
    Ok(())
}

/// Approved values reported for the whole country (on the national unit, by a ministry) for each
/// (indicator, period).
pub async fn nation_values(
    db: &Db,
    indicators: &[Indicator],
    periods: &[Period],
) -> DbResult<HashMap<(i64, String), f64>> {
    let mut out = HashMap::new();
    if indicators.is_empty() || periods.is_empty() {
        return Ok(out);
    }
    let mut args: Vec<Value> = Vec::new();
    let inds = bind_list(&mut args, indicators.iter().map(|i| i.id));
    let pers = bind_list(&mut args, periods.iter().map(Period::id));
    let sql = format!(
        "SELECT dv.indicator_id, dv.period, dv.value FROM data_values dv JOIN units u ON u.id = dv.unit_id \
         WHERE u.level = 'nation' AND dv.approved AND dv.indicator_id IN ({inds}) AND dv.period IN ({pers})"
    );
    for r in db.fetch_all(Sql::trusted(sql), args).await? {
        out.insert((r.get("indicator_id")?, r.get("period")?), r.get("value")?);
    }
    Ok(out)
}

/// Combine monthly figures into a longer period by the indicator's rule over time.
pub fn over_time(ind: &Indicator, monthly: &[Option<f64>]) -> Option<f64> {
    let vals: Vec<f64> = monthly.iter().flatten().copied().collect();
    if vals.is_empty() || (ind.agg_time == "sum" && vals.len() != monthly.len()) {
        return None;
    }
    match ind.agg_time.as_str() {
        "sum" => Some(vals.iter().sum()),
        "avg" => Some(vals.iter().sum::<f64>() / vals.len() as f64),
        "last" => monthly.last().copied().flatten(),
        _ => None,
    }
}

/// Growth in percent versus a base value (so với cùng kỳ), if both exist and the base is not 0.
pub fn growth(current: Option<f64>, base: Option<f64>) -> Option<f64> {
    match (current, base) {
        (Some(c), Some(b)) if b != 0.0 => Some((c / b - 1.0) * 100.0),
        _ => None,
    }
}

/// Timeliness and completeness of a template's reports for a period.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Completeness {
    pub expected: i64,
    pub approved: i64,
    pub submitted: i64,
    pub draft_or_returned: i64,
    pub missing: i64,
    pub on_time: i64,
    pub late: i64,
}

impl Completeness {
    /// Share of expected reports submitted or approved, in percent.
    pub fn percent(&self) -> f64 {
        if self.expected == 0 {
            0.0
        } else {
            (self.approved + self.submitted) as f64 * 100.0 / self.expected as f64
        }
    }
}

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

/// How many units of `level` were valid on each of the days `days` (ISO dates): one read of the
/// units' validity (a few hundred rows for provinces; one count per day for communes).
async fn units_due(db: &Db, level: &str, days: &[String]) -> DbResult<HashMap<String, i64>> {
    let mut out = HashMap::new();
    if days.is_empty() {
        return Ok(out);
    }
    if level == "province" {
        let rows = db
            .fetch_all(
                "SELECT valid_from, valid_to FROM units WHERE level = $1",
                vec![level.into()],
            )
            .await?;
        let mut ranges = Vec::new();
        for r in rows {
            ranges.push((
                r.get::<Option<String>>("valid_from")?,
                r.get::<Option<String>>("valid_to")?,
            ));
        }
        for d in days {
            let n = ranges
                .iter()
                .filter(|(f, t)| {
                    f.as_deref().is_none_or(|f| f <= d.as_str())
                        && t.as_deref().is_none_or(|t| t >= d.as_str())
                })
                .count();
            out.insert(d.clone(), n as i64);
        }
        return Ok(out);
    }
    for d in days {
        let r = db
            .fetch_one(
                "SELECT COUNT(*) AS n FROM units WHERE level = $1 \
                 AND (valid_from IS NULL OR valid_from <= $2) AND (valid_to IS NULL OR valid_to >= $2)",
                vec![level.into(), d.clone().into()],
            )
            .await?;
        out.insert(d.clone(), r.get("n")?);
    }
    Ok(out)
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
        let totals = national(db, &base, &months).await?;
        let units = totals.iter().map(|(k, a)| (k.clone(), a.units)).collect();
        // Who was due to report each figure: its period's last day, at its level.
        let last_day = |period: &str| {
            Period::parse(period)
                .map(|p| p.calendar().1.to_string())
                .unwrap_or_default()
        };
        let mut days: HashMap<bool, std::collections::BTreeSet<String>> = HashMap::new();
        for ((_, period), a) in &totals {
            days.entry(a.from_communes)
                .or_default()
                .insert(last_day(period));
        }
        let mut due: HashMap<bool, HashMap<String, i64>> = HashMap::new();
        for (communes, d) in &days {
            let d: Vec<String> = d.iter().cloned().collect();
            let level = if *communes { "commune" } else { "province" };
            due.insert(*communes, units_due(db, level, &d).await?);
        }
        let expected = totals
            .iter()
            .map(|(k, a)| {
                let n = due
                    .get(&a.from_communes)
                    .and_then(|m| m.get(&last_day(&k.1)))
                    .copied()
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
        for ((id, period), v) in nation_values(db, &base, &months).await? {
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
            over_time(ind, &vals)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(agg_time: &str) -> Indicator {
        Indicator {
            id: 1,
            code: "X".into(),
            name_vi: String::new(),
            name_en: String::new(),
            unit_vi: String::new(),
            unit_en: String::new(),
            domain: 1,
            value_type: "number".into(),
            decimals: 1,
            periodicity: "month".into(),
            agg_units: "sum".into(),
            agg_weight: None,
            agg_time: agg_time.into(),
            formula: None,
            agency_code: None,
            is_public: true,
            monthly_provincial: true,
            lower_bound: Some(0.0),
            ..Default::default()
        }
    }

    #[test]
    fn time_rules() {
        let m = [Some(1.0), Some(2.0), Some(3.0)];
        assert_eq!(over_time(&ind("sum"), &m), Some(6.0));
        assert_eq!(over_time(&ind("avg"), &m), Some(2.0));
        assert_eq!(over_time(&ind("last"), &m), Some(3.0));
        assert_eq!(
            over_time(&ind("sum"), &[Some(1.0), None]),
            None,
            "a sum with a missing month is no value"
        );
        assert_eq!(
            growth(Some(110.0), Some(100.0)).map(|g| (g * 10.0).round() / 10.0),
            Some(10.0)
        );
        assert_eq!(growth(Some(1.0), Some(0.0)), None);
    }
}
