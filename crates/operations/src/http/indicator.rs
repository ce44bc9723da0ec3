//! `/operations/indicators/{code}`: an indicator's page — its national series by month, quarter,
//! year and year to date with coverage and status, the provinces compared on a map and in a
//! table for a chosen period, downloads, its definition and source, and the late reports.
//! Public indicators for everyone; internal ones for officials who may read national figures.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t_args};
use platform::web::admin::render;
use platform::web::extract::{Path, Query};
use platform::web::{AppState, Ctx};
use reporting::Period;
use reporting::model::format::format_number;
use reporting::model::indicator::Indicator;
use serde::Deserialize;

use super::charts::{LineChart, line_chart};
use super::map::{MapView, dash, period_label, view, view_old};
use crate::query::{self, Figure, IndicatorSeries, MapData};

/// The indicator `code` if the caller may read its national figures: unknown is 404, internal
/// is 401 for anonymous callers and 403 for officials without a national grant.
pub(super) async fn readable(state: &AppState, ctx: &Ctx, code: &str) -> AppResult<Indicator> {
    let catalogue = reporting::query::shared_catalogue(&state.cache, &state.db).await?;
    let ind = catalogue
        .iter()
        .find(|i| i.code == code)
        .cloned()
        .ok_or_else(AppError::not_found)?;
    let principal = ctx.complete();
    if !reporting::model::access::may_view_national(principal, &ind) {
        return Err(if principal.is_none() {
            AppError::unauthenticated()
        } else {
            AppError::forbidden()
        });
    }
    Ok(ind)
}

pub(super) fn query_error(e: reporting::query::QueryError) -> AppError {
    match e {
        reporting::query::QueryError::Db(e) => AppError::from(e),
        other => AppError::internal(other),
    }
}

#[derive(Debug, Deserialize)]
pub struct IndicatorParams {
    /// The period of the map and the comparison (`202611`, `2026Q3`, `2026`…).
    pub period: Option<String>,
    /// `old`: the provinces of the time (before July 2025), as a table; default: rolled into
    /// today's 34.
    pub view: Option<String>,
}

struct FigureRow {
    period: String,
    value: String,
    coverage: String,
    provisional: bool,
}

struct OldRow {
    rank: String,
    code: String,
    name: String,
    value: String,
}

#[derive(askama::Template)]
#[template(path = "ops_indicator.html")]
struct IndicatorPage {
    ctx: Ctx,
    code: String,
    name: String,
    unit: String,
    definition: String,
    source: String,
    public: bool,
    /// The months' line (`chart_line.html`).
    line: LineChart,
    months: Vec<FigureRow>,
    quarters: Vec<FigureRow>,
    years: Vec<FigureRow>,
    ytd_label: String,
    ytd: String,
    ytd_last: String,
    ytd_change: String,
    lateness: Vec<String>,
    period: String,
    period_label: String,
    periods: Vec<(String, String, bool)>,
    old_view: bool,
    rolled: bool,
    old_rows: Vec<OldRow>,
    map: MapView,
    national_csv: String,
    national_xlsx: String,
    provinces_csv: String,
    provinces_xlsx: String,
}

fn rows(ind: &Indicator, figures: &[Figure], lang: Lang) -> Vec<FigureRow> {
    figures
        .iter()
        .map(|f| FigureRow {
            period: period_label(&f.period, lang),
            value: f.value.map(|v| ind.format(v, lang)).unwrap_or_else(dash),
            coverage: match (f.reported, f.expected) {
                (Some(r), Some(e)) => format!("{r}/{e}"),
                _ => String::new(),
            },
            provisional: f.status.as_deref() == Some("provisional"),
        })
        .collect()
}

/// The national series of `ind` from the node's read cache, with the report compliance of
/// `chosen` (none: of the default period). The page and the API read the same entry.
pub(super) async fn load_series(
    state: &AppState,
    ind: &Indicator,
    chosen: Option<Period>,
) -> AppResult<Arc<IndicatorSeries>> {
    let catalogue = reporting::query::shared_catalogue(&state.cache, &state.db).await?;
    state
        .cache
        .get_or_compute(
            &format!(
                "operations.indicator:{}:{}",
                ind.code,
                chosen.map(|p| p.id()).unwrap_or_default()
            ),
            query::series(
                &state.db,
                &catalogue,
                ind,
                registry::Day::today().0,
                platform::db::now_ms(),
                chosen,
            ),
        )
        .await
        .map_err(query_error)
}

/// Today's provinces' figures of `ind` in `period` (rolled up before July 2025), from the
/// node's read cache.
pub(super) async fn load_map(
    state: &AppState,
    ind: &Indicator,
    period: Period,
) -> AppResult<Arc<MapData>> {
    state
        .cache
        .get_or_compute(
            &format!("operations.map:{}:{}", ind.code, period.id()),
            query::map(&state.db, ind, period),
        )
        .await
        .map_err(query_error)
}

/// The provinces of the time in `period` with their figures of `ind`, largest first, from the
/// node's read cache.
pub(super) async fn load_old(
    state: &AppState,
    ind: &Indicator,
    period: Period,
) -> AppResult<Arc<Vec<reporting::query::ProvinceValue>>> {
    Ok(state
        .cache
        .get_or_compute(
            &format!("operations.old:{}:{}", ind.code, period.id()),
            reporting::query::province_values(&state.db, ind, &period),
        )
        .await?)
}

/// The `?view=` of an indicator's page: `old` for the provinces of the time.
pub(super) fn parse_view(raw: Option<&str>) -> AppResult<bool> {
    match raw {
        None | Some("rolled") => Ok(false),
        Some("old") => Ok(true),
        Some(other) => Err(AppError::invalid(
            Problem::new("param_invalid")
                .field("view")
                .arg("value", other),
        )),
    }
}

pub(super) fn parse_period(raw: &str) -> AppResult<Period> {
    Period::parse(raw).map_err(|_| {
        AppError::invalid(
            Problem::new("period_invalid")
                .field("period")
                .arg("value", raw),
        )
    })
}

/// `/operations/indicators/{code}`.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(params): Query<IndicatorParams>,
) -> AppResult<Response> {
    let ind = readable(&state, &ctx, &code).await?;
    let chosen = params.period.as_deref().map(parse_period).transpose()?;
    let old_view = parse_view(params.view.as_deref())?;
    let lang = ctx.lang;
    let series = load_series(&state, &ind, chosen).await?;
    let period = match chosen {
        Some(p) => p,
        None => Period::parse(&series.default_period).map_err(|_| AppError::not_found())?,
    };
    let map_data = load_map(&state, &ind, period).await?;
    let mut map = view(&state, &ctx, &ind, &map_data).await?;
    let mut old_rows = Vec::new();
    if old_view {
        let old = load_old(&state, &ind, period).await?;
        if crate::model::tilegrid::before_merger(&period) {
            map = view_old(&state, &ctx, &ind, &old, &map_data).await?;
        }
        old_rows = old
            .iter()
            .enumerate()
            .map(|(i, p)| OldRow {
                rank: if p.value.is_some() {
                    (i + 1).to_string()
                } else {
                    dash()
                },
                code: p.code.clone(),
                name: p.name.clone(),
                value: p
                    .value
                    .map(|v| ind.format(v, lang))
                    .unwrap_or_else(|| ctx.t("ops_pages.no_data")),
            })
            .collect();
    }
    // The periods offered: the series' months, quarters and years, newest first.
    let mut periods: Vec<(String, String, bool)> = series
        .months
        .iter()
        .rev()
        .chain(series.quarters.iter().rev())
        .chain(series.years.iter().rev())
        .map(|f| {
            (
                f.period.clone(),
                period_label(&f.period, lang),
                f.period == period.id(),
            )
        })
        .collect();
    if !periods.iter().any(|p| p.2) {
        periods.insert(0, (period.id(), period_label(&period.id(), lang), true));
    }
    let month_ids: Vec<&str> = series.months.iter().map(|f| f.period.as_str()).collect();
    let national = format!(
        "/api/v1/data?indicator={}&unit=VN&period={}",
        ind.code,
        month_ids.join(",")
    );
    let codes: Vec<&str> = map_data.provinces.iter().map(|p| p.code.as_str()).collect();
    let provinces = format!(
        "/api/v1/data?indicator={}&unit={}&period={}&units=current",
        ind.code,
        codes.join(","),
        period.id()
    );
    let values: Vec<Option<f64>> = series.months.iter().map(|f| f.value).collect();
    let fmt = |v: Option<f64>| v.map(|v| ind.format(v, lang)).unwrap_or_else(dash);
    let name = ind.name(lang).to_owned();
    render(IndicatorPage {
        line: line_chart(&ind, &month_ids, &values, lang),
        months: rows(&ind, &series.months, lang),
        quarters: rows(&ind, &series.quarters, lang),
        years: rows(&ind, &series.years, lang),
        ytd_label: t_args(
            lang,
            "ops_pages.ytd_through",
            &[("period", period_label(&series.ytd.through, lang))],
        ),
        ytd: fmt(series.ytd.value),
        ytd_last: fmt(series.ytd.last_year),
        ytd_change: series
            .ytd
            .change_pct
            .map(|g| {
                format!(
                    "{}{} %",
                    if g >= 0.0 { "+" } else { "" },
                    format_number(g, 1, lang)
                )
            })
            .unwrap_or_else(dash),
        lateness: series
            .lateness
            .iter()
            .map(|l| {
                t_args(
                    lang,
                    "ops_pages.lateness",
                    &[
                        (
                            "template",
                            if lang == Lang::En {
                                l.name_en.clone()
                            } else {
                                l.name_vi.clone()
                            },
                        ),
                        ("period", period_label(&l.period, lang)),
                        ("late", l.late.to_string()),
                        ("overdue", l.overdue.to_string()),
                        ("expected", l.expected.to_string()),
                    ],
                )
            })
            .collect(),
        code: ind.code.clone(),
        unit: ind.unit(lang).to_owned(),
        definition: match lang {
            Lang::En => ind.definition_en.clone(),
            Lang::Vi => ind.definition_vi.clone(),
        }
        .unwrap_or_default(),
        source: ind.source.clone().unwrap_or_default(),
        public: ind.is_public,
        name,
        period: period.id(),
        period_label: period_label(&period.id(), lang),
        periods,
        old_view,
        rolled: map_data.rolled,
        old_rows,
        map,
        national_csv: format!("{national}&format=csv"),
        national_xlsx: format!("{national}&format=xlsx"),
        provinces_csv: format!("{provinces}&format=csv"),
        provinces_xlsx: format!("{provinces}&format=xlsx"),
        ctx,
    })
}
