//! `/operations` and `/api/v1/operations/overview`: the national overview for the caller. Anyone
//! sees the public key indicators and each report's counts; a signed-in official also sees the
//! internal indicators their grants cover nationally and which units are late.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use platform::error::{AppError, AppResult};
use platform::i18n::Lang;
use platform::web::admin::render;
use platform::web::{AppState, Ctx};
use reporting::model::format::format_number;
use reporting::model::indicator::Indicator;
use reporting::query::Timeliness;

use crate::model::key::KEY_INDICATORS;
use crate::model::spark::polylines;
use crate::query::{self, Overview};

/// The key indicators the caller may see, in the overview's order.
async fn visible(state: &AppState, ctx: &Ctx) -> AppResult<(Arc<Vec<Indicator>>, Vec<Indicator>)> {
    let catalogue = reporting::query::shared_catalogue(&state.cache, &state.db).await?;
    let principal = ctx.complete();
    let visible = KEY_INDICATORS
        .iter()
        .filter_map(|code| catalogue.iter().find(|i| i.code == *code))
        .filter(|i| !i.is_retired())
        .filter(|i| reporting::model::access::may_view_national(principal, i))
        .cloned()
        .collect();
    Ok((catalogue, visible))
}

/// The overview for the caller, from the read cache: keyed by what it depends on (the indicators
/// the caller may see, and whether units are listed).
pub(crate) async fn load(state: &AppState, ctx: &Ctx) -> AppResult<(Arc<Overview>, String)> {
    let (catalogue, visible) = visible(state, ctx).await?;
    let signed_in = ctx.complete().is_some();
    let codes: Vec<&str> = visible.iter().map(|i| i.code.as_str()).collect();
    let key = format!(
        "operations.overview:{}:{}",
        codes.join(","),
        u8::from(signed_in)
    );
    let overview = state
        .cache
        .get_or_compute(&key, async {
            query::overview(
                &state.db,
                &catalogue,
                &visible,
                registry::Day::today().0,
                platform::db::now_ms(),
                signed_in,
            )
            .await
        })
        .await
        .map_err(|e| match e {
            reporting::query::QueryError::Db(e) => AppError::from(e),
            other => AppError::internal(other),
        })?;
    Ok((overview, key))
}

/// The national overview: key indicators of the latest month due (value, change on last year,
/// coverage, year to date against the target, 24 months), the provinces' ranking and every
/// template's compliance board. Public indicators for everyone; internal ones for officials whose
/// grants cover them nationally.
#[utoipa::path(get, path = "/api/v1/operations/overview", tag = "operations",
    operation_id = "operations_overview",
    responses((status = 200, description = "The overview", body = Overview)))]
pub async fn overview_json(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (overview, key) = load(&state, &ctx).await?;
    // The serialized answer is kept too: a wall or a crowd asks for the same bytes.
    let body = state
        .cache
        .get_or_compute(&format!("{key}:json"), async {
            serde_json::to_vec(&*overview).map_err(AppError::internal)
        })
        .await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        (*body).clone(),
    )
        .into_response())
}

struct FigureView {
    code: String,
    name: String,
    unit: String,
    value: String,
    provisional: bool,
    coverage: String,
    change: String,
    change_class: &'static str,
    ytd: String,
    target: String,
    target_status: Option<(&'static str, String)>,
    spark: Vec<String>,
    spark_label: String,
    series: Vec<(String, String)>,
    csv_href: String,
    xlsx_href: String,
}

struct RankView {
    rank: String,
    code: String,
    name: String,
    value: String,
}

struct BoardView {
    name: String,
    period: String,
    deadline: String,
    expected: usize,
    on_time: usize,
    late: usize,
    not_yet: usize,
    overdue: usize,
    units: Vec<(String, String, &'static str, String)>,
    units_more: usize,
}

#[derive(askama::Template)]
#[template(path = "operations.html")]
struct OverviewPage {
    ctx: Ctx,
    period_label: String,
    figures: Vec<FigureView>,
    ranking: Option<(String, String, Vec<RankView>)>,
    /// The ranking on the map (its unit for the map's table).
    map: Option<super::map::MapView>,
    unit: String,
    boards: Vec<BoardView>,
    signed_in: bool,
    alerts: Vec<super::alerts::AlertView>,
    alerts_more: usize,
}

fn dash() -> String {
    "—".to_owned()
}

fn signed_pct(v: f64, lang: Lang) -> String {
    format!(
        "{}{} %",
        if v >= 0.0 { "+" } else { "" },
        format_number(v, 1, lang)
    )
}

fn period_label(id: &str, lang: Lang) -> String {
    reporting::Period::parse(id)
        .map(|p| p.label(lang.code()))
        .unwrap_or_else(|_| id.to_owned())
}

fn figure_view(f: &query::KeyFigure, ctx: &Ctx) -> FigureView {
    let lang = ctx.lang;
    let ind = &f.indicator;
    let fmt = |v: Option<f64>| v.map(|v| ind.format(v, lang)).unwrap_or_else(dash);
    let values: Vec<Option<f64>> = f.series.iter().map(|p| p.value).collect();
    let first = f.series.first().map(|p| period_label(&p.period, lang));
    let last = f.series.last().map(|p| period_label(&p.period, lang));
    let periods: Vec<&str> = f.series.iter().map(|p| p.period.as_str()).collect();
    let data_href = format!(
        "/api/v1/data?indicator={}&unit=VN&period={}",
        f.code,
        periods.join(",")
    );
    FigureView {
        csv_href: format!("{data_href}&format=csv"),
        xlsx_href: format!("{data_href}&format=xlsx"),
        code: f.code.clone(),
        name: ind.name(lang).to_owned(),
        unit: ind.unit(lang).to_owned(),
        value: fmt(f.value),
        provisional: f.status.as_deref() == Some("provisional"),
        coverage: match (f.reported, f.expected) {
            (Some(r), Some(e)) => platform::i18n::t_args(
                lang,
                "operations.coverage",
                &[("reported", r.to_string()), ("expected", e.to_string())],
            ),
            _ => String::new(),
        },
        change: f
            .change_pct
            .map(|g| signed_pct(g, lang))
            .unwrap_or_else(dash),
        change_class: match f.change_pct {
            Some(g) if g > 0.0 => "up",
            Some(g) if g < 0.0 => "down",
            _ => "flat",
        },
        ytd: fmt(f.ytd),
        target: fmt(f.target),
        target_status: f.target_status.map(|s| {
            let pct = f
                .target_pct
                .map(|p| format_number(p, 1, lang))
                .unwrap_or_default();
            (
                s.as_str(),
                platform::i18n::t_args(
                    lang,
                    &format!("operations.target_{}", s.as_str()),
                    &[("pct", pct)],
                ),
            )
        }),
        spark: polylines(&values, 120.0, 32.0),
        spark_label: platform::i18n::t_args(
            lang,
            "operations.spark_label",
            &[
                ("name", ind.name(lang).to_owned()),
                ("from", first.unwrap_or_default()),
                ("to", last.unwrap_or_default()),
            ],
        ),
        series: f
            .series
            .iter()
            .map(|p| (period_label(&p.period, lang), fmt(p.value)))
            .collect(),
    }
}

fn timeliness_label(ctx: &Ctx, t: Timeliness) -> String {
    ctx.t(&format!("operations.timeliness_{}", t.as_str()))
}

/// `/operations`: the overview page (Điều hành). Open pages follow `live` and redraw within
/// two seconds of an approval.
pub async fn page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let (o, _) = load(&state, &ctx).await?;
    let lang = ctx.lang;
    let figures = o.figures.iter().map(|f| figure_view(f, &ctx)).collect();
    let ranking = o.ranking.as_ref().and_then(|r| {
        let ind = o.figures.iter().find(|f| f.code == r.indicator)?;
        let title = platform::i18n::t_args(
            lang,
            "operations.ranking_title",
            &[
                ("name", ind.indicator.name(lang).to_owned()),
                ("period", period_label(&r.period, lang)),
            ],
        );
        let rows = r
            .provinces
            .iter()
            .map(|p| RankView {
                rank: p.rank.map(|n| n.to_string()).unwrap_or_else(dash),
                code: p.code.clone(),
                name: p.name.clone(),
                value: p
                    .value
                    .map(|v| ind.indicator.format(v, lang))
                    .unwrap_or_else(|| ctx.t("operations.not_reported")),
            })
            .collect();
        Some((title, ind.indicator.unit(lang).to_owned(), rows))
    });
    let boards = o
        .boards
        .iter()
        .map(|b| BoardView {
            name: if lang == Lang::En {
                b.name_en.clone()
            } else {
                b.name_vi.clone()
            },
            period: period_label(&b.period, lang),
            deadline: time::Date::parse(
                &b.deadline,
                &time::format_description::well_known::Iso8601::DATE,
            )
            .map(|d| lang.date(d))
            .unwrap_or_else(|_| b.deadline.clone()),
            expected: b.expected,
            on_time: b.on_time,
            late: b.late,
            not_yet: b.not_yet,
            overdue: b.overdue,
            units: b
                .units
                .iter()
                .map(|u| {
                    (
                        u.code.clone(),
                        u.name.clone(),
                        u.timeliness.as_str(),
                        timeliness_label(&ctx, u.timeliness),
                    )
                })
                .collect(),
            units_more: b.units_more,
        })
        .collect();
    let (map, unit) = super::map::of_ranking(&state, &ctx, &o).await?;
    let signed_in = ctx.complete().is_some();
    let (alerts, alerts_more) = super::alerts::overview_section(&state, &ctx).await?;
    render(OverviewPage {
        map,
        unit,
        alerts,
        alerts_more,
        period_label: period_label(&o.period, lang),
        figures,
        ranking,
        boards,
        signed_in,
        ctx,
    })
}
