//! The read API of reporting: what other crates (the operations center first) read, and the
//! only part of this crate they should. Every figure is computed at query time from the values
//! table, so an approved value counts in every total at once (no analytics rebuild):
//!
//! - a unit's values ([`unit_values`]) and its figures as the data API gives them, rolled up from
//!   its predecessors for today's units ([`unit_figures`], [`source_units`]);
//! - national aggregates along the unit hierarchy and over time by each indicator's rules
//!   ([`national`], [`nation_values`], [`NationalView`]), with their coverage and status
//!   `complete` | `provisional` ([`national_figures`], [`Coverage`], [`FigureStatus`]);
//! - growth ([`growth`]) and the combination over time ([`over_time`]).
//!
//! Errors are [`QueryError`], with stable snake_case codes; the HTTP layer maps them.

mod board;
mod figures;
mod history;
mod national;
mod recent;
mod record;
pub mod worklist;

use std::collections::HashMap;

use platform::db::{Db, DbError, DbResult};
use serde::Serialize;

use crate::model::indicator::Indicator;
use crate::model::period::Period;
use crate::store;

/// The indicator catalogue and the report templates, as other crates read them.
pub use crate::store::catalogue::list as catalogue;
pub use crate::store::data::Aggregate;
pub use crate::store::holidays::holidays as holiday_calendar;
pub use crate::store::templates::list as templates;
pub use board::{
    Compliance, ProvinceValue, Timeliness, UnitRecord, compliance, national_targets,
    province_values,
};
pub use figures::{
    NationalFigure, UnitFigure, UnitsMode, national_figures, no_value_reason, source_units,
    unit_figures,
};
pub use history::{unit_record_batch, unit_series_batch};
pub use national::{Coverage, FigureStatus, NationalView};
pub use recent::{RecentApproval, approved_since};
pub use record::{
    ProvinceFigures, RecordEntry, current_province_figures, current_unit_series, unit_record,
};

/// The whole catalogue from the node's read cache (`platform::cache`): national figures need
/// every formula, and many readers ask at once.
pub async fn shared_catalogue(
    cache: &platform::cache::ReadCache,
    db: &Db,
) -> DbResult<std::sync::Arc<Vec<Indicator>>> {
    cache
        .get_or_compute("reporting.catalogue", store::catalogue::list(db))
        .await
}

/// The report template bearing `code`: for a capability that files reports of its own through
/// [`crate::engine::save::save`] (the document axis files its counts).
pub async fn template(db: &Db, code: &str) -> DbResult<Option<crate::model::template::Template>> {
    store::templates::template(db, code).await
}

/// Why a query has no answer.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// No unit bears the code (in the period asked for, or today).
    #[error("no unit bears the code {code}")]
    UnitNotFound { code: String },
    /// The caller may not read a unit's figures of an internal indicator.
    #[error("the unit is outside the caller's scope")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl QueryError {
    /// The stable code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            QueryError::UnitNotFound { .. } => "scope_not_found",
            QueryError::Forbidden => "forbidden",
            QueryError::Db(_) => "internal",
        }
    }
}

/// Values of one unit for some indicators (a report's): (indicator id, period id) → value.
/// Found through the primary key, one lookup per indicator and period.
pub async fn unit_values(
    db: &Db,
    unit_id: i64,
    indicators: &[i64],
    periods: &[Period],
) -> DbResult<HashMap<(i64, String), f64>> {
    store::data::unit_values(db, unit_id, indicators, periods).await
}

/// National aggregates of approved values for each (indicator, period), by each indicator's rule
/// over units: sum, avg, min, max, or a weighted average by its weighting indicator. Indicators
/// that do not aggregate over units (`none`) get no national figure from units' data.
///
/// The roll-up follows the unit hierarchy: a period's national figure comes from the provinces
/// when they reported the indicator, and otherwise from the communes (an indicator only communes
/// report).
pub async fn national(
    db: &Db,
    indicators: &[Indicator],
    periods: &[Period],
) -> DbResult<HashMap<(i64, String), Aggregate>> {
    store::data::national(db, indicators, periods).await
}

/// Approved values reported for the whole country (on the national unit, by a ministry) for each
/// (indicator, period).
pub async fn nation_values(
    db: &Db,
    indicators: &[Indicator],
    periods: &[Period],
) -> DbResult<HashMap<(i64, String), f64>> {
    store::data::nation_values(db, indicators, periods).await
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
