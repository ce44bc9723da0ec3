//! The JSON of the map, an indicator's page and a province's page
//! (`/api/v1/operations/map`, `/api/v1/operations/indicators/{code}`,
//! `/api/v1/operations/provinces/{code}`): the same read models as the pages, from the same
//! entries of the node's read cache, with the same access (an unknown indicator or province is
//! 404; an internal indicator is 401 for anonymous callers and 403 for officials without a
//! national grant). Numbers are given as computed, never rounded.

use axum::extract::State;
use platform::error::AppResult;
use platform::web::{AppState, Ctx, Json, Path, Query};
use reporting::Period;
use reporting::model::indicator::Indicator;
use reporting::query::Timeliness;
use serde::{Deserialize, Serialize};

use super::indicator::{load_map, load_old, load_series, parse_period, readable};
use crate::model::choropleth::{Classes, PALETTE};
use crate::model::tilegrid;
use crate::query::{Figure, Lateness, MapData, ProvinceFigure, YearToDate};

/// `?indicator=&period=&old=` of the map.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapParams {
    /// The indicator's code.
    indicator: String,
    /// The period (`202611`, `2026Q3`, `2026`…); default: the latest month whose national figure
    /// is complete, as on the indicator's page.
    period: Option<String>,
    /// `true`: the provinces of the time (the 63 before July 2025); default `false`: today's 34,
    /// figures of earlier periods rolled up into them.
    old: Option<bool>,
}

/// One province on the map.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MapCell {
    pub code: String,
    pub name: String,
    pub value: Option<f64>,
    /// 1 for the largest value; none without a value.
    pub rank: Option<usize>,
    /// The provinces of the time whose figures were rolled up into this one (empty: its own).
    pub rolled_from: Vec<String>,
    /// Its class in `classes` (0: the smallest values); none without a value.
    pub class: Option<usize>,
    /// Its cell on the tile grid the pages draw, `[column, row]` from the top-left cell (north
    /// at the top): the grid of today's 34 provinces, or with `old=true` for a period before
    /// July 2025 that of the 63 provinces of the time.
    pub tile: Option<[u8; 2]>,
    /// With `old=true` for a period before July 2025: the code of today's province that
    /// succeeded this one (whose page a click on its cell opens).
    pub successor: Option<String>,
}

/// One class of the map's legend: the smallest and largest value in it and its fill.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MapClass {
    pub min: f64,
    pub max: f64,
    /// The fill colour (a single-hue blue scale, lightest for the smallest values).
    pub colour: String,
}

/// The map of an indicator in a period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MapJson {
    pub indicator: String,
    pub period: String,
    /// Whether the provinces are those of the time (`old=true`) rather than today's.
    pub old: bool,
    /// Whether some figures were rolled up from the provinces of the time.
    pub rolled: bool,
    /// In code order.
    pub provinces: Vec<MapCell>,
    /// Up to five classes of about equal counts, smallest values first; provinces without a
    /// value are in none ("no data").
    pub classes: Vec<MapClass>,
}

/// Classes of the values, with each class's fill as the page draws it.
fn classes(values: &[f64]) -> (Classes, Vec<MapClass>) {
    let c = Classes::of(values);
    let legend = c
        .bounds
        .iter()
        .enumerate()
        .map(|(i, (lo, hi))| MapClass {
            min: *lo,
            max: *hi,
            colour: PALETTE[c.shade(i)].to_owned(),
        })
        .collect();
    (c, legend)
}

/// The period asked for, else the indicator's default (its latest complete month).
async fn period_of(state: &AppState, ind: &Indicator, raw: Option<&str>) -> AppResult<Period> {
    match raw {
        Some(raw) => parse_period(raw),
        None => {
            let series = load_series(state, ind, None).await?;
            Period::parse(&series.default_period)
                .map_err(|_| platform::error::AppError::not_found())
        }
    }
}

fn map_json(data: &MapData) -> MapJson {
    let values: Vec<f64> = data.provinces.iter().filter_map(|p| p.value).collect();
    let (c, legend) = classes(&values);
    MapJson {
        indicator: data.indicator.clone(),
        period: data.period.clone(),
        old: false,
        rolled: data.rolled,
        provinces: data
            .provinces
            .iter()
            .map(|p| MapCell {
                code: p.code.clone(),
                name: p.name.clone(),
                value: p.value,
                rank: p.rank,
                rolled_from: p.rolled_from.clone(),
                class: p.value.and_then(|v| c.class(v)),
                tile: tilegrid::cell(&p.code).map(|(x, y)| [x, y]),
                successor: None,
            })
            .collect(),
        classes: legend,
    }
}

/// The provinces' map of an indicator in a period: each province's figure, rank and colour
/// class, and the classes of the legend. Periods before July 2025: today's 34 provinces with
/// the figures of the provinces of the time rolled up into them, or with `old=true` those
/// provinces (63) as they reported. Public indicators for everyone; internal ones for officials
/// who may read their national figures.
#[utoipa::path(get, path = "/api/v1/operations/map", tag = "operations",
    operation_id = "get_operations_map",
    params(MapParams),
    responses((status = 200, description = "The map", body = MapJson),
              (status = 401, description = "An internal indicator, not signed in", body = platform::error::ErrorEnvelope),
              (status = 403, description = "An internal indicator the caller may not read nationally", body = platform::error::ErrorEnvelope),
              (status = 404, description = "No such indicator", body = platform::error::ErrorEnvelope),
              (status = 422, description = "A period or parameter that cannot be read", body = platform::error::ErrorEnvelope)))]
pub async fn map(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MapParams>,
) -> AppResult<Json<MapJson>> {
    let ind = readable(&state, &ctx, &q.indicator).await?;
    let period = period_of(&state, &ind, q.period.as_deref()).await?;
    if !q.old.unwrap_or(false) {
        return Ok(Json(map_json(&*load_map(&state, &ind, period).await?)));
    }
    let old = load_old(&state, &ind, period).await?;
    let values: Vec<f64> = old.iter().filter_map(|p| p.value).collect();
    let (c, legend) = classes(&values);
    // The page's ranks (largest first), in code order.
    let data = super::map::old_data(&ind, &period.id(), &old);
    let before = tilegrid::before_merger(&period);
    let provinces: Vec<MapCell> = data
        .provinces
        .iter()
        .map(|p| {
            let (tile, successor) = if before {
                match tilegrid::old_cell(&p.code) {
                    Some(((x, y), next)) => (Some([x, y]), Some(next.to_owned())),
                    None => (None, None),
                }
            } else {
                (tilegrid::cell(&p.code).map(|(x, y)| [x, y]), None)
            };
            MapCell {
                code: p.code.clone(),
                name: p.name.clone(),
                value: p.value,
                rank: p.rank,
                rolled_from: Vec::new(),
                class: p.value.and_then(|v| c.class(v)),
                tile,
                successor,
            }
        })
        .collect();
    Ok(Json(MapJson {
        indicator: ind.code.clone(),
        period: period.id(),
        old: true,
        rolled: false,
        provinces,
        classes: legend,
    }))
}

/// `?period=` of an indicator.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndicatorParams {
    /// The period of the provinces' comparison and of the report compliance (`202611`,
    /// `2026Q3`, `2026`…); default: the latest month whose national figure is complete.
    period: Option<String>,
}

/// What an indicator is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Definition {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub unit_vi: String,
    pub unit_en: String,
    pub definition_vi: Option<String>,
    pub definition_en: Option<String>,
    pub source: Option<String>,
    /// Public (open data) or internal.
    pub public: bool,
    /// How provinces' values make the national figure (`sum`, `avg`, …) and how months make a
    /// longer period.
    pub agg_units: String,
    pub agg_time: String,
}

/// What a reader should know about the figures' quality.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Quality {
    /// Periods of the series whose national figure is provisional (not every unit reported).
    pub provisional: Vec<String>,
    /// The reports carrying the indicator for `period`: how many were late or are overdue.
    pub late_reports: Vec<Lateness>,
}

/// An indicator's page as data.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IndicatorJson {
    pub definition: Definition,
    /// The national series: 24 months, 8 quarters and 5 years, oldest first.
    pub months: Vec<Figure>,
    pub quarters: Vec<Figure>,
    pub years: Vec<Figure>,
    pub ytd: YearToDate,
    /// The period of the provinces' comparison.
    pub period: String,
    /// Whether some provinces' figures were rolled up from the provinces of the time.
    pub rolled: bool,
    /// Today's provinces in `period`, in code order.
    pub provinces: Vec<MapCell>,
    pub quality: Quality,
}

/// An indicator: its definition and source, its national series by month, quarter and year and
/// its year to date (each figure with its coverage and status), today's provinces compared in a
/// period, and quality flags (provisional figures, late reports). Public indicators for
/// everyone; internal ones for officials who may read their national figures.
#[utoipa::path(get, path = "/api/v1/operations/indicators/{code}", tag = "operations",
    operation_id = "get_operations_indicator",
    params(("code" = String, Path, description = "The indicator's code"), IndicatorParams),
    responses((status = 200, description = "The indicator", body = IndicatorJson),
              (status = 401, description = "An internal indicator, not signed in", body = platform::error::ErrorEnvelope),
              (status = 403, description = "An internal indicator the caller may not read nationally", body = platform::error::ErrorEnvelope),
              (status = 404, description = "No such indicator", body = platform::error::ErrorEnvelope),
              (status = 422, description = "A period that cannot be read", body = platform::error::ErrorEnvelope)))]
pub async fn indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<IndicatorParams>,
) -> AppResult<Json<IndicatorJson>> {
    let ind = readable(&state, &ctx, &code).await?;
    let chosen = q.period.as_deref().map(parse_period).transpose()?;
    let series = load_series(&state, &ind, chosen).await?;
    let period = match chosen {
        Some(p) => p,
        None => Period::parse(&series.default_period)
            .map_err(|_| platform::error::AppError::not_found())?,
    };
    let map = map_json(&*load_map(&state, &ind, period).await?);
    let provisional = series
        .months
        .iter()
        .chain(&series.quarters)
        .chain(&series.years)
        .filter(|f| f.status.as_deref() == Some("provisional"))
        .map(|f| f.period.clone())
        .collect();
    Ok(Json(IndicatorJson {
        definition: definition(&ind),
        months: series.months.clone(),
        quarters: series.quarters.clone(),
        years: series.years.clone(),
        ytd: series.ytd.clone(),
        period: period.id(),
        rolled: map.rolled,
        provinces: map.provinces,
        quality: Quality {
            provisional,
            late_reports: series.lateness.clone(),
        },
    }))
}

fn definition(ind: &Indicator) -> Definition {
    Definition {
        code: ind.code.clone(),
        name_vi: ind.name_vi.clone(),
        name_en: ind.name_en.clone(),
        unit_vi: ind.unit_vi.clone(),
        unit_en: ind.unit_en.clone(),
        definition_vi: ind.definition_vi.clone(),
        definition_en: ind.definition_en.clone(),
        source: ind.source.clone(),
        public: ind.is_public,
        agg_units: ind.agg_units.clone(),
        agg_time: ind.agg_time.clone(),
    }
}

/// One monthly report of a province's record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordJson {
    pub period: String,
    /// The last day to submit (ISO date).
    pub deadline: String,
    /// When it was submitted (milliseconds since 1970), if it was.
    pub submitted_at: Option<i64>,
    pub timeliness: Timeliness,
}

/// A province's page as data.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProvinceJson {
    pub code: String,
    pub name: String,
    /// The latest month due: the month of `value`, `national` and `rank`.
    pub period: String,
    /// The months of each indicator's `series`, oldest first.
    pub months: Vec<String>,
    /// The key indicators the caller may read nationally, in the overview's order.
    pub indicators: Vec<ProvinceFigure>,
    /// The monthly report, newest first.
    pub record: Vec<RecordJson>,
}

/// One of today's provinces: its key indicators in the latest month due beside the national
/// figures, its rank among the provinces on each, 24 months of its own figures, and its record
/// with the monthly report. The indicators are those the caller may read nationally.
#[utoipa::path(get, path = "/api/v1/operations/provinces/{code}", tag = "operations",
    operation_id = "get_operations_province",
    params(("code" = String, Path, description = "The province's statistical code (`01`)")),
    responses((status = 200, description = "The province", body = ProvinceJson),
              (status = 404, description = "Not one of today's provinces", body = platform::error::ErrorEnvelope)))]
pub async fn province(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> AppResult<Json<ProvinceJson>> {
    let v = super::province::load(&state, &ctx, &code).await?;
    Ok(Json(ProvinceJson {
        code: v.code.clone(),
        name: v.name.clone(),
        period: v.period.clone(),
        months: v.months.clone(),
        indicators: v.figures.clone(),
        record: v
            .record
            .iter()
            .map(|r| RecordJson {
                period: r.period.id(),
                deadline: r.deadline.clone(),
                submitted_at: r.submitted_at,
                timeliness: r.timeliness,
            })
            .collect(),
    }))
}
