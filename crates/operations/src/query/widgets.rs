//! The data of a dashboard's single-indicator widgets: an indicator's national figures over the
//! last months (the line), and its latest period (the bar, the table and the map then read the
//! provinces through [`super::map`]).

use reporting::Period;
use reporting::model::indicator::Indicator;
use reporting::query::{self as data, QueryError};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct MonthFigure {
    pub period: String,
    pub value: Option<f64>,
    /// `complete` or `provisional`.
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthSeries {
    pub indicator: String,
    /// Oldest first, ending with the latest month due.
    pub months: Vec<MonthFigure>,
    /// The latest of these months whose national figure is complete, else the latest month
    /// due: the period the provinces are compared in.
    pub latest: String,
}

/// The national figures of `ind` over the `months` months ending with the latest month due on
/// `today`.
pub async fn national_months(
    db: &platform::db::Db,
    catalogue: &[Indicator],
    ind: &Indicator,
    today: time::Date,
    months: usize,
) -> Result<MonthSeries, QueryError> {
    let last = reporting::model::calendar::latest_due_month(today);
    let mut periods = vec![last];
    while periods.len() < months.max(1) {
        let earlier = periods[0].previous();
        periods.insert(0, earlier);
    }
    let figures =
        data::national_figures(db, catalogue, std::slice::from_ref(ind), &periods).await?;
    let fig = |p: &Period| figures.iter().find(|f| f.period == *p);
    let latest = periods
        .iter()
        .rev()
        .find(|p| fig(p).and_then(|f| f.status) == Some(data::FigureStatus::Complete))
        .copied()
        .unwrap_or(last);
    Ok(MonthSeries {
        indicator: ind.code.clone(),
        months: periods
            .iter()
            .map(|p| MonthFigure {
                period: p.id(),
                value: fig(p).and_then(|f| f.value),
                status: fig(p).and_then(|f| f.status).map(|s| s.as_str().to_owned()),
            })
            .collect(),
        latest: latest.id(),
    })
}
