//! `/operations/provinces/{code}`: one of today's provinces — its key indicators in the latest
//! month due beside the national figures, its rank among the provinces, 24-month trends, and
//! its record with the monthly report. The indicators shown are those the caller may read
//! nationally, as on the overview.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use platform::error::{AppError, AppResult};
use platform::i18n::t_args;
use platform::web::admin::render;
use platform::web::extract::Path;
use platform::web::{AppState, Ctx};
use reporting::query::Timeliness;

use super::indicator::query_error;
use super::map::{dash, period_label};
use crate::model::key::KEY_INDICATORS;
use crate::model::spark::polylines;
use crate::query::{self, ProvinceView};

struct Row {
    code: String,
    name: String,
    unit: String,
    value: String,
    national: String,
    rank: String,
    spark: Vec<String>,
    spark_label: String,
    series: Vec<(String, String)>,
}

struct RecordRow {
    period: String,
    deadline: String,
    key: &'static str,
    label: String,
}

#[derive(askama::Template)]
#[template(path = "ops_province.html")]
struct ProvincePage {
    ctx: Ctx,
    code: String,
    name: String,
    period_label: String,
    rows: Vec<Row>,
    record: Vec<RecordRow>,
    on_time: usize,
    late: usize,
    overdue: usize,
}

/// Today's province `code` for the caller (the key indicators they may read nationally), from
/// the node's read cache; 404 for a code that is not one of today's provinces. The page and the
/// API read the same entry.
pub(super) async fn load(state: &AppState, ctx: &Ctx, code: &str) -> AppResult<Arc<ProvinceView>> {
    let unit = registry::store::unit_by_code(&state.db, code, registry::Day::today())
        .await?
        .filter(|u| u.level == registry::Level::Province)
        .ok_or_else(AppError::not_found)?;
    let catalogue = reporting::query::shared_catalogue(&state.cache, &state.db).await?;
    let principal = ctx.complete();
    let visible: Vec<_> = KEY_INDICATORS
        .iter()
        .filter_map(|c| catalogue.iter().find(|i| i.code == *c))
        .filter(|i| !i.is_retired())
        .filter(|i| reporting::model::access::may_view_national(principal, i))
        .cloned()
        .collect();
    let codes: Vec<&str> = visible.iter().map(|i| i.code.as_str()).collect();
    state
        .cache
        .get_or_compute(
            &format!("operations.province:{}:{}", unit.code, codes.join(",")),
            query::province(
                &state.db,
                &catalogue,
                &visible,
                &unit,
                registry::Day::today().0,
                platform::db::now_ms(),
            ),
        )
        .await
        .map_err(query_error)
}

/// `/operations/provinces/{code}`.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let v = load(&state, &ctx, &code).await?;
    let lang = ctx.lang;
    let first = v
        .months
        .first()
        .map(|p| period_label(p, lang))
        .unwrap_or_default();
    let last = v
        .months
        .last()
        .map(|p| period_label(p, lang))
        .unwrap_or_default();
    let rows = v
        .figures
        .iter()
        .map(|f| {
            let ind = &f.indicator;
            let fmt = |x: Option<f64>| x.map(|x| ind.format(x, lang)).unwrap_or_else(dash);
            Row {
                code: f.code.clone(),
                name: ind.name(lang).to_owned(),
                unit: ind.unit(lang).to_owned(),
                value: fmt(f.value),
                national: fmt(f.national),
                rank: match f.rank {
                    Some(r) => t_args(
                        lang,
                        "ops_pages.rank_of",
                        &[("rank", r.to_string()), ("of", f.ranked.to_string())],
                    ),
                    None => dash(),
                },
                spark: polylines(&f.series, 120.0, 32.0),
                spark_label: t_args(
                    lang,
                    "operations.spark_label",
                    &[
                        ("name", ind.name(lang).to_owned()),
                        ("from", first.clone()),
                        ("to", last.clone()),
                    ],
                ),
                series: v
                    .months
                    .iter()
                    .zip(&f.series)
                    .map(|(p, x)| (period_label(p, lang), fmt(*x)))
                    .collect(),
            }
        })
        .collect();
    let count = |t: Timeliness| v.record.iter().filter(|r| r.timeliness == t).count();
    let record = v
        .record
        .iter()
        .map(|r| RecordRow {
            period: r.period.label(lang.code()),
            deadline: time::Date::parse(
                &r.deadline,
                &time::format_description::well_known::Iso8601::DATE,
            )
            .map(|d| lang.date(d))
            .unwrap_or_else(|_| r.deadline.clone()),
            key: r.timeliness.as_str(),
            label: ctx.t(&format!("operations.timeliness_{}", r.timeliness.as_str())),
        })
        .collect();
    render(ProvincePage {
        code: v.code.clone(),
        name: v.name.clone(),
        period_label: period_label(&v.period, lang),
        rows,
        record,
        on_time: count(Timeliness::OnTime),
        late: count(Timeliness::Late),
        overdue: count(Timeliness::Overdue),
        ctx,
    })
}
