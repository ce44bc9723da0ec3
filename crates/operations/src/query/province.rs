//! A province's page: its key indicators in the latest month due beside the national figures,
//! its rank among today's provinces on each, 24 months of its own history (rolled up from the
//! provinces of the time before July 2025), and its record with the monthly report.

use reporting::Period;
use reporting::model::indicator::Indicator;
use reporting::model::template::MONTHLY_PROVINCIAL;
use reporting::query::{self as data, QueryError, RecordEntry};
use serde::Serialize;

use crate::model::key::SERIES_MONTHS;

/// How many monthly reports the record covers.
pub const RECORD_MONTHS: usize = 12;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProvinceFigure {
    pub code: String,
    pub value: Option<f64>,
    pub national: Option<f64>,
    /// 1 for the largest value among the provinces with one.
    pub rank: Option<usize>,
    /// How many provinces have a value.
    pub ranked: usize,
    /// The last 24 months, oldest first.
    pub series: Vec<Option<f64>>,
    #[serde(skip)]
    pub indicator: Indicator,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProvinceView {
    pub code: String,
    pub name: String,
    /// The latest month due.
    pub period: String,
    /// The 24 months of the series, oldest first.
    pub months: Vec<String>,
    pub figures: Vec<ProvinceFigure>,
    /// The monthly report, newest first.
    pub record: Vec<RecordEntry>,
}

/// The page of today's province `unit` for readers who may see `visible`.
pub async fn province(
    db: &platform::db::Db,
    catalogue: &[Indicator],
    visible: &[Indicator],
    unit: &registry::store::Unit,
    today: time::Date,
    now_ms: i64,
) -> Result<ProvinceView, QueryError> {
    let period = reporting::model::calendar::latest_due_month(today);
    let mut months = vec![period];
    while months.len() < SERIES_MONTHS {
        let earlier = months[0].previous();
        months.insert(0, earlier);
    }
    let national = data::national_figures(db, catalogue, visible, &[period]).await?;
    // Rank among provinces only what each province reports (not formulas).
    let reported: Vec<Indicator> = visible
        .iter()
        .filter(|i| i.formula.is_none())
        .cloned()
        .collect();
    let all = data::current_province_figures(db, &reported, &period).await?;
    let series = data::unit_series_batch(db, unit, &reported, &months).await?;
    let figures = visible
        .iter()
        .map(|ind| {
            let mut values: Vec<(String, f64)> = all
                .iter()
                .filter_map(|p| {
                    p.values
                        .get(&ind.code)
                        .copied()
                        .flatten()
                        .map(|v| (p.code.clone(), v))
                })
                .collect();
            values.sort_by(|a, b| b.1.total_cmp(&a.1));
            let value = values.iter().find(|(c, _)| *c == unit.code).map(|v| v.1);
            ProvinceFigure {
                code: ind.code.clone(),
                value,
                national: national
                    .iter()
                    .find(|f| f.indicator == ind.code)
                    .and_then(|f| f.value),
                // Equal values share a rank.
                rank: value.map(|v| values.iter().filter(|(_, x)| *x > v).count() + 1),
                ranked: values.len(),
                series: months
                    .iter()
                    .map(|m| series.get(&(ind.code.clone(), m.id())).copied())
                    .collect(),
                indicator: ind.clone(),
            }
        })
        .collect();
    let mut record = Vec::new();
    if let Some(t) = data::templates(db)
        .await?
        .into_iter()
        .find(|t| t.code == MONTHLY_PROVINCIAL)
    {
        let latest = t.latest_due(today);
        let mut periods: Vec<Period> = vec![latest];
        while periods.len() < RECORD_MONTHS {
            let earlier = periods.last().expect("one").previous();
            periods.push(earlier);
        }
        record = data::unit_record_batch(db, &t, unit, &periods, now_ms).await?;
    }
    Ok(ProvinceView {
        code: unit.code.clone(),
        name: unit.name.clone(),
        period: period.id(),
        months: months.iter().map(Period::id).collect(),
        figures,
        record,
    })
}
