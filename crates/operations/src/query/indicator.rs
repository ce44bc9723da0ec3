//! An indicator's page: its national series by month (24 months), quarter (8), year (5) and year
//! to date, each figure with its coverage and status, and the report compliance of the templates
//! that carry it.

use reporting::Period;
use reporting::model::indicator::Indicator;
use reporting::model::period::PeriodKind;
use reporting::query::{self as data, QueryError, Timeliness};
use serde::Serialize;

use crate::model::key::SERIES_MONTHS;

/// Quarters and years shown.
pub const SERIES_QUARTERS: usize = 8;
pub const SERIES_YEARS: usize = 5;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Figure {
    pub period: String,
    pub value: Option<f64>,
    pub reported: Option<i64>,
    pub expected: Option<i64>,
    /// `complete` or `provisional`.
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearToDate {
    /// The latest month counted.
    pub through: String,
    pub value: Option<f64>,
    pub last_year: Option<f64>,
    pub change_pct: Option<f64>,
}

/// The reports due for the period shown: how many were late or are overdue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Lateness {
    pub template: String,
    pub name_vi: String,
    pub name_en: String,
    pub period: String,
    pub expected: usize,
    pub late: usize,
    pub overdue: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorSeries {
    pub indicator: String,
    pub months: Vec<Figure>,
    pub quarters: Vec<Figure>,
    pub years: Vec<Figure>,
    pub ytd: YearToDate,
    /// The latest month whose figure is complete, else the latest month due: the default
    /// period of the map and the comparison.
    pub default_period: String,
    pub lateness: Vec<Lateness>,
}

fn back(mut p: Period, n: usize) -> Vec<Period> {
    let mut out = vec![p];
    while out.len() < n {
        p = p.previous();
        out.insert(0, p);
    }
    out
}

/// The series of `ind` as of `today` at `now_ms`; `lateness_period`: the period whose report
/// compliance is given (none: the default period).
pub async fn series(
    db: &platform::db::Db,
    catalogue: &[Indicator],
    ind: &Indicator,
    today: time::Date,
    now_ms: i64,
    lateness_period: Option<Period>,
) -> Result<IndicatorSeries, QueryError> {
    let latest = reporting::model::calendar::latest_due_month(today);
    let months = back(latest, SERIES_MONTHS);
    let quarter = Period {
        year: latest.year,
        kind: PeriodKind::Quarter,
        index: (latest.index - 1) / 3 + 1,
    };
    let quarters = back(quarter, SERIES_QUARTERS);
    let year = Period {
        year: latest.year,
        kind: PeriodKind::Year,
        index: 0,
    };
    let years = back(year, SERIES_YEARS);
    let last_year = latest.same_period_last_year();
    let mut all: Vec<Period> = months.clone();
    all.extend(
        last_year
            .year_to_date()
            .into_iter()
            .filter(|p| !months.contains(p)),
    );
    all.extend(&quarters);
    all.extend(&years);
    let figures = data::national_figures(db, catalogue, std::slice::from_ref(ind), &all).await?;
    let fig = |p: &Period| figures.iter().find(|f| f.period == *p);
    let figure = |p: &Period| {
        let f = fig(p);
        Figure {
            period: p.id(),
            value: f.and_then(|f| f.value),
            reported: f.and_then(|f| f.coverage.as_ref()).map(|c| c.reported),
            expected: f.and_then(|f| f.coverage.as_ref()).map(|c| c.expected),
            status: f.and_then(|f| f.status).map(|s| s.as_str().to_owned()),
        }
    };
    let complete = |p: &Period| fig(p).and_then(|f| f.status) == Some(data::FigureStatus::Complete);
    let value = |p: &Period| fig(p).and_then(|f| f.value);
    let ytd_of = |p: Period| {
        let vals: Vec<Option<f64>> = p.year_to_date().iter().map(value).collect();
        data::over_time(ind, &vals)
    };
    let this_ytd = ytd_of(latest).filter(|_| complete(&latest));
    let last_ytd = ytd_of(last_year);
    let default = months
        .iter()
        .rev()
        .find(|p| complete(p))
        .copied()
        .unwrap_or(latest);
    let shown = lateness_period.unwrap_or(default);
    let mut lateness = Vec::new();
    for t in data::templates(db).await? {
        if t.kind() != shown.kind || !t.indicators.iter().any(|i| i.code == ind.code) {
            continue;
        }
        let c = data::compliance(db, &t, &shown, now_ms).await?;
        lateness.push(Lateness {
            template: t.code.clone(),
            name_vi: t.name_vi.clone(),
            name_en: t.name_en.clone(),
            period: shown.id(),
            expected: c.units.len(),
            late: c.count(Timeliness::Late),
            overdue: c.count(Timeliness::Overdue),
        });
    }
    Ok(IndicatorSeries {
        indicator: ind.code.clone(),
        months: months.iter().map(figure).collect(),
        quarters: quarters.iter().map(figure).collect(),
        years: years.iter().map(figure).collect(),
        ytd: YearToDate {
            through: latest.id(),
            value: this_ytd,
            last_year: last_ytd,
            change_pct: data::growth(this_ytd, last_ytd),
        },
        default_period: default.id(),
        lateness,
    })
}
