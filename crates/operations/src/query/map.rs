//! The map's data: today's 34 provinces with an indicator's figure in a period — rolled up from
//! the provinces of the time for periods before July 2025 — ranked largest first.

use reporting::Period;
use reporting::model::indicator::Indicator;
use reporting::query::{self as data, QueryError};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MapProvince {
    pub code: String,
    pub name: String,
    pub value: Option<f64>,
    /// 1 for the largest value; none without a value.
    pub rank: Option<usize>,
    /// The provinces of the time whose figures were rolled up into this one (empty: its own).
    pub rolled_from: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MapData {
    pub indicator: String,
    pub period: String,
    /// Whether some figures were rolled up from the provinces of the time (a period before
    /// the 34 provinces).
    pub rolled: bool,
    /// In code order.
    pub provinces: Vec<MapProvince>,
}

/// The map of `indicator` in `period`.
pub async fn map(
    db: &platform::db::Db,
    indicator: &Indicator,
    period: Period,
) -> Result<MapData, QueryError> {
    let figures =
        data::current_province_figures(db, std::slice::from_ref(indicator), &period).await?;
    let mut provinces: Vec<MapProvince> = figures
        .into_iter()
        .map(|f| MapProvince {
            value: f.values.get(&indicator.code).copied().flatten(),
            rank: None,
            rolled_from: f.rolled_from,
            code: f.code,
            name: f.name,
        })
        .collect();
    let mut order: Vec<usize> = (0..provinces.len())
        .filter(|i| provinces[*i].value.is_some())
        .collect();
    order.sort_by(|a, b| {
        let (x, y) = (provinces[*a].value, provinces[*b].value);
        y.unwrap_or(0.0).total_cmp(&x.unwrap_or(0.0))
    });
    for (rank, i) in order.into_iter().enumerate() {
        provinces[i].rank = Some(rank + 1);
    }
    Ok(MapData {
        indicator: indicator.code.clone(),
        period: period.id(),
        rolled: provinces.iter().any(|p| !p.rolled_from.is_empty()),
        provinces,
    })
}
