//! What the operations center reads besides national figures: each reporting unit's record for a
//! report (on time, late, not yet, overdue — the compliance board) and the provinces' figures for
//! one indicator and period (the ranking and the map).

use platform::db::{Db, DbResult};
use serde::Serialize;

use crate::model::calendar::deadline_end_ms;
use crate::model::indicator::Indicator;
use crate::model::period::Period;
use crate::model::status::Status;
use crate::model::template::Template;
use crate::store;

/// Where a unit stands with a report against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Submitted by the deadline.
    OnTime,
    /// Submitted after the deadline.
    Late,
    /// Not submitted; the deadline has not passed.
    NotYet,
    /// Not submitted; the deadline has passed.
    Overdue,
}

impl Timeliness {
    pub fn as_str(self) -> &'static str {
        match self {
            Timeliness::OnTime => "on_time",
            Timeliness::Late => "late",
            Timeliness::NotYet => "not_yet",
            Timeliness::Overdue => "overdue",
        }
    }

    /// Where a report stands: submitted at `submitted_at` (ms) or not, against the last moment of
    /// its deadline (`deadline_end_ms`) and the time now.
    pub fn of(submitted_at: Option<i64>, deadline_end_ms: i64, now_ms: i64) -> Timeliness {
        match submitted_at {
            Some(at) if at <= deadline_end_ms => Timeliness::OnTime,
            Some(_) => Timeliness::Late,
            None if now_ms > deadline_end_ms => Timeliness::Overdue,
            None => Timeliness::NotYet,
        }
    }
}

/// One unit's record for a report.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRecord {
    pub unit_code: String,
    pub unit_name: String,
    /// `None`: nothing saved yet.
    pub status: Option<Status>,
    pub submitted_at: Option<i64>,
    pub timeliness: Timeliness,
}

/// A report's compliance: every unit due, with the deadline.
#[derive(Debug, Clone, Serialize)]
pub struct Compliance {
    pub template: String,
    #[serde(serialize_with = "period_id")]
    pub period: Period,
    /// The last day to submit (ISO date).
    pub deadline: String,
    pub units: Vec<UnitRecord>,
}

impl Compliance {
    /// How many units are in each state.
    pub fn count(&self, t: Timeliness) -> usize {
        self.units.iter().filter(|u| u.timeliness == t).count()
    }
}

fn period_id<S: serde::Serializer>(p: &Period, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.id())
}

/// Every unit due to report `template` for `period`, with its record, at `now_ms`.
pub async fn compliance(
    db: &Db,
    template: &Template,
    period: &Period,
    now_ms: i64,
) -> DbResult<Compliance> {
    let units = store::units::reporting_units(db, template, period).await?;
    let subs = store::submissions::for_period(db, template.id, period).await?;
    let cal = store::holidays::holidays(db).await?;
    let deadline = template.deadline(period, &cal);
    let end = deadline_end_ms(deadline);
    let units = units
        .into_iter()
        .map(|u| {
            let s = subs.iter().find(|s| s.unit_id == u.id);
            let submitted_at = s.and_then(|s| s.submitted_at);
            UnitRecord {
                unit_code: u.code,
                unit_name: u.name,
                status: s.map(|s| s.status),
                submitted_at,
                timeliness: Timeliness::of(submitted_at, end, now_ms),
            }
        })
        .collect();
    Ok(Compliance {
        template: template.code.clone(),
        period: *period,
        deadline: deadline.to_string(),
        units,
    })
}

/// A province's approved figure for one indicator and period.
#[derive(Debug, Clone, Serialize)]
pub struct ProvinceValue {
    pub code: String,
    pub name: String,
    pub value: Option<f64>,
}

/// The provinces valid at the end of `period`, each with its approved figure of `indicator`
/// (none when not approved yet), largest first, the ones without a figure last.
pub async fn province_values(
    db: &Db,
    indicator: &Indicator,
    period: &Period,
) -> DbResult<Vec<ProvinceValue>> {
    let (_, last) = period.calendar();
    let query = registry::store::UnitQuery {
        level: Some(registry::Level::Province),
        valid_on: Some(registry::Day(last)),
        limit: 1000,
        ..Default::default()
    };
    let provinces = registry::store::list_units(db, &query).await?.0;
    let ids: Vec<i64> = provinces.iter().map(|u| u.id).collect();
    let values =
        store::data::approved_values(db, &ids, &[indicator.id], std::slice::from_ref(period))
            .await?;
    let mut out: Vec<ProvinceValue> = provinces
        .into_iter()
        .map(|u| ProvinceValue {
            value: values.get(&(u.id, indicator.id, period.id())).copied(),
            code: u.code,
            name: u.name,
        })
        .collect();
    out.sort_by(|a, b| match (a.value, b.value) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.code.cmp(&b.code),
    });
    Ok(out)
}

/// The national targets (chỉ tiêu kế hoạch, unit `VN`) set for `year`: indicator code → value.
pub async fn national_targets(
    db: &Db,
    year: i64,
) -> DbResult<std::collections::HashMap<String, f64>> {
    Ok(store::targets::query(db, None, Some("VN"), Some(year))
        .await?
        .into_iter()
        .map(|t| (t.indicator, t.value))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeliness_against_the_deadline() {
        let end = 1_000;
        assert_eq!(Timeliness::of(Some(1_000), end, 5_000), Timeliness::OnTime);
        assert_eq!(Timeliness::of(Some(1_001), end, 5_000), Timeliness::Late);
        assert_eq!(Timeliness::of(None, end, 1_000), Timeliness::NotYet);
        assert_eq!(Timeliness::of(None, end, 1_001), Timeliness::Overdue);
    }

    #[test]
    fn a_deadline_ends_at_midnight_in_vietnam() {
        let d = time::macros::date!(2026 - 12 - 10);
        // 2026-12-10 23:59:59.999 +07:00 = 16:59:59.999 UTC.
        let utc = time::macros::datetime!(2026-12-10 16:59:59.999 UTC);
        assert_eq!(
            deadline_end_ms(d),
            (utc.unix_timestamp_nanos() / 1_000_000) as i64
        );
    }
}
