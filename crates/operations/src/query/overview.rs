//! The national overview: the key indicators of the latest month due (value, change on the same
//! month last year, coverage, year to date against the target, 24 months of history), the
//! provinces' ranking on one of them, and every template's compliance board.

use std::collections::HashMap;

use platform::db::Db;
use reporting::Period;
use reporting::model::indicator::Indicator;
use reporting::query::{self as data, QueryError, Timeliness};
use serde::Serialize;

use crate::model::key::SERIES_MONTHS;
use crate::model::target::{TargetStatus, assess};

/// The most units a compliance board lists (the counts cover them all).
pub const MAX_BOARD_UNITS: usize = 100;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Overview {
    /// The latest month due (YYYYMM).
    pub period: String,
    pub figures: Vec<KeyFigure>,
    /// Provinces ranked on the first key indicator that adds up over provinces.
    pub ranking: Option<Ranking>,
    /// Every template's compliance for its latest period due.
    pub boards: Vec<Board>,
    /// When this was composed (ms since the epoch).
    pub generated_at: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeriesPoint {
    pub period: String,
    pub value: Option<f64>,
}

/// A key indicator's national figure.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyFigure {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub unit_vi: String,
    pub unit_en: String,
    pub value: Option<f64>,
    pub last_year: Option<f64>,
    /// Change on the same month last year, in percent (once the month is complete).
    pub change_pct: Option<f64>,
    /// Units that reported / units due.
    pub reported: Option<i64>,
    pub expected: Option<i64>,
    /// `complete` or `provisional`.
    pub status: Option<String>,
    pub ytd: Option<f64>,
    pub target: Option<f64>,
    /// Year to date as a percentage of the target pro rata.
    pub target_pct: Option<f64>,
    pub target_status: Option<TargetStatus>,
    /// The last 24 months, oldest first.
    pub series: Vec<SeriesPoint>,
    #[serde(skip)]
    pub indicator: Indicator,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ranked {
    pub rank: Option<usize>,
    pub code: String,
    pub name: String,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ranking {
    pub indicator: String,
    /// The latest month whose national figure is complete, else the latest month due.
    pub period: String,
    pub provinces: Vec<Ranked>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardUnit {
    pub code: String,
    pub name: String,
    pub timeliness: Timeliness,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Board {
    pub template: String,
    pub name_vi: String,
    pub name_en: String,
    pub period: String,
    /// The last day to submit (ISO date).
    pub deadline: String,
    pub expected: usize,
    pub on_time: usize,
    pub late: usize,
    pub not_yet: usize,
    pub overdue: usize,
    /// Overdue first, then late, not yet and on time; at most [`MAX_BOARD_UNITS`]; empty for
    /// readers who are not signed in (they see the counts).
    pub units: Vec<BoardUnit>,
    pub units_more: usize,
}

/// The overview for readers who may see `visible` (key indicators, in order), on `today` at
/// `now_ms`; `with_units`: list each board's units.
pub async fn overview(
    db: &Db,
    catalogue: &[Indicator],
    visible: &[Indicator],
    today: time::Date,
    now_ms: i64,
    with_units: bool,
) -> Result<Overview, QueryError> {
    let period = reporting::model::calendar::latest_due_month(today);
    let mut months = vec![period];
    while months.len() < SERIES_MONTHS {
        let earlier = months[0].previous();
        months.insert(0, earlier);
    }
    let figures = data::national_figures(db, catalogue, visible, &months).await?;
    let by_key: HashMap<(&str, Period), &data::NationalFigure> = figures
        .iter()
        .map(|f| ((f.indicator.as_str(), f.period), f))
        .collect();
    let targets = data::national_targets(db, i64::from(period.year)).await?;
    let key_figures = visible
        .iter()
        .map(|ind| {
            key_figure(
                ind,
                period,
                &months,
                &by_key,
                targets.get(&ind.code).copied(),
            )
        })
        .collect();
    let ranking = ranking(db, visible, &months, &by_key).await?;
    let mut boards = Vec::new();
    for t in data::templates(db).await? {
        let p = t.latest_due(today);
        let c = data::compliance(db, &t, &p, now_ms).await?;
        boards.push(board(&t, c, with_units));
    }
    Ok(Overview {
        period: period.id(),
        figures: key_figures,
        ranking,
        boards,
        generated_at: now_ms,
    })
}

fn key_figure(
    ind: &Indicator,
    period: Period,
    months: &[Period],
    by_key: &HashMap<(&str, Period), &data::NationalFigure>,
    target: Option<f64>,
) -> KeyFigure {
    let value_of = |p: Period| by_key.get(&(ind.code.as_str(), p)).and_then(|f| f.value);
    let now = by_key.get(&(ind.code.as_str(), period));
    let complete = now.and_then(|f| f.status) == Some(data::FigureStatus::Complete);
    let last_year = value_of(period.same_period_last_year());
    let ytd_months: Vec<Option<f64>> = period.year_to_date().into_iter().map(value_of).collect();
    // Year to date and growth compare like with like: only once the month is complete.
    let ytd = data::over_time(ind, &ytd_months).filter(|_| complete);
    let adds_up = ind.agg_time == "sum";
    let assessed = assess(ytd, target, period.index, adds_up);
    KeyFigure {
        code: ind.code.clone(),
        name_vi: ind.name_vi.clone(),
        name_en: ind.name_en.clone(),
        unit_vi: ind.unit_vi.clone(),
        unit_en: ind.unit_en.clone(),
        value: value_of(period),
        last_year,
        change_pct: data::growth(value_of(period), last_year).filter(|_| complete),
        reported: now.and_then(|f| f.coverage.as_ref()).map(|c| c.reported),
        expected: now.and_then(|f| f.coverage.as_ref()).map(|c| c.expected),
        status: now.and_then(|f| f.status).map(|s| s.as_str().to_owned()),
        ytd,
        target,
        target_pct: assessed.map(|a| a.0),
        target_status: assessed.map(|a| a.1),
        series: months
            .iter()
            .map(|p| SeriesPoint {
                period: p.id(),
                value: value_of(*p),
            })
            .collect(),
        indicator: ind.clone(),
    }
}

/// Provinces ranked on the first visible key indicator that sums over provinces, in the latest
/// month whose national figure is complete (else the latest month).
async fn ranking(
    db: &Db,
    visible: &[Indicator],
    months: &[Period],
    by_key: &HashMap<(&str, Period), &data::NationalFigure>,
) -> Result<Option<Ranking>, QueryError> {
    let Some(ind) = visible
        .iter()
        .find(|i| i.agg_units == "sum" && i.formula.is_none())
    else {
        return Ok(None);
    };
    let latest = *months.last().expect("months");
    let period = months
        .iter()
        .rev()
        .find(|p| {
            by_key.get(&(ind.code.as_str(), **p)).and_then(|f| f.status)
                == Some(data::FigureStatus::Complete)
        })
        .copied()
        .unwrap_or(latest);
    let values = data::province_values(db, ind, &period).await?;
    let provinces = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| Ranked {
            rank: v.value.map(|_| i + 1),
            code: v.code,
            name: v.name,
            value: v.value,
        })
        .collect();
    Ok(Some(Ranking {
        indicator: ind.code.clone(),
        period: period.id(),
        provinces,
    }))
}

fn board(t: &reporting::model::template::Template, c: data::Compliance, with_units: bool) -> Board {
    let order = |x: Timeliness| match x {
        Timeliness::Overdue => 0,
        Timeliness::Late => 1,
        Timeliness::NotYet => 2,
        Timeliness::OnTime => 3,
    };
    let mut units: Vec<BoardUnit> = c
        .units
        .iter()
        .map(|u| BoardUnit {
            code: u.unit_code.clone(),
            name: u.unit_name.clone(),
            timeliness: u.timeliness,
        })
        .collect();
    units.sort_by_key(|u| (order(u.timeliness), u.code.clone()));
    let total = units.len();
    units.truncate(if with_units { MAX_BOARD_UNITS } else { 0 });
    Board {
        template: t.code.clone(),
        name_vi: t.name_vi.clone(),
        name_en: t.name_en.clone(),
        period: c.period.id(),
        deadline: c.deadline.clone(),
        expected: total,
        on_time: c.count(Timeliness::OnTime),
        late: c.count(Timeliness::Late),
        not_yet: c.count(Timeliness::NotYet),
        overdue: c.count(Timeliness::Overdue),
        units_more: total - units.len(),
        units,
    }
}
