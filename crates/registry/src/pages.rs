//! Pages of the registry: browse the unit tree on any date, a unit's page with its history, and
//! the agency list. Public: no sign-in needed.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use platform::error::{AppError, AppResult};
use platform::web::admin::render;
use platform::web::{AppState, Ctx};
use platform::web::{Path, Query};

use crate::api::{
    AgenciesParams, UnitDetail, UnitParams, UnitsParams, parse_day, unit_detail, unit_query,
};
use crate::model::Level;
use crate::store::{self, Agency, Unit};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/units", get(units_page))
        .route("/units/{code}", get(unit_page))
        .route("/agencies", get(agencies_page))
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    ctx: Ctx,
    units: Vec<Unit>,
    valid_on: String,
    q: String,
    level: String,
    caption: String,
    count: String,
}

async fn units_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(mut p): Query<UnitsParams>,
) -> AppResult<Response> {
    if p.level.as_deref().is_none_or(str::is_empty) && p.q.as_deref().is_none_or(str::is_empty) {
        p.level = Some("province".into());
    }
    p.limit.get_or_insert_with(|| "500".into());
    let q = unit_query(&state, &p).await?;
    let (units, total) = store::list_units(&state.db, &q).await?;
    let valid_on = q.valid_on.map(|d| d.iso()).unwrap_or_default();
    let caption = platform::i18n::t_args(
        ctx.lang,
        "registry.unit_tree_caption",
        &[("date", valid_on.clone())],
    );
    let count = platform::i18n::t_args(ctx.lang, "registry.count", &[("n", total.to_string())]);
    render(UnitsPage {
        ctx,
        units,
        valid_on,
        q: p.q.unwrap_or_default(),
        level: q.level.map(|l| l.as_str().to_owned()).unwrap_or_default(),
        caption,
        count,
    })
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    ctx: Ctx,
    detail: UnitDetail,
    valid_on: String,
    ancestors: Vec<Unit>,
    level_label: String,
}

async fn unit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(p): Query<UnitParams>,
) -> AppResult<Response> {
    let day = parse_day(p.valid_on.as_deref(), "valid_on")?;
    let unit = store::unit_by_code(&state.db, &code, day)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut ancestors = Vec::new();
    for id in store::chain(&state.db, unit.id).await?.into_iter().skip(1) {
        if let Some(u) = store::unit(&state.db, id).await? {
            ancestors.insert(0, u);
        }
    }
    let level_label = ctx.t(match unit.level {
        Level::Nation => "registry.level_nation",
        Level::Province => "registry.level_province",
        Level::District => "registry.level_district",
        Level::Commune => "registry.level_commune",
    });
    let d = unit_detail(&state, unit, day).await?;
    render(UnitPage {
        ctx,
        detail: d,
        valid_on: day.iso(),
        ancestors,
        level_label,
    })
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct AgenciesPage {
    ctx: Ctx,
    agencies: Vec<Agency>,
    valid_on: String,
    q: String,
    kind: String,
}

async fn agencies_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<AgenciesParams>,
) -> AppResult<Response> {
    let day = parse_day(p.valid_on.as_deref(), "valid_on")?;
    crate::api::parse_agency_kind(p.kind.as_deref())?;
    let agencies =
        store::list_agencies(&state.db, Some(day), p.kind.as_deref(), p.q.as_deref()).await?;
    render(AgenciesPage {
        ctx,
        agencies,
        valid_on: day.iso(),
        q: p.q.unwrap_or_default(),
        kind: p.kind.unwrap_or_default(),
    })
}
