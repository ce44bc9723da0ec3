//! Targets over HTTP: the targets query (chỉ tiêu kế hoạch) and the targets import.

use axum::extract::State;
use axum::http::HeaderMap;
use platform::error::AppResult;
use platform::identity::access::{Permission, Target as Scope};
use platform::web::{AppState, Auth, Ctx};
use platform::web::{Bytes, Json, Query};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::catalogue::{ImportParams, failed, format_of, rejected};
use crate::engine::targets::{self, TargetReport};
use crate::model::target::Target;
use crate::store;

/// The targets' JSON API, each route with its OpenAPI entry.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_targets))
        .routes(routes!(import_targets))
}

/// Filters of `GET /api/v1/targets`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetParams {
    /// Indicator code.
    pub indicator: Option<String>,
    /// `VN` (national) or a province code.
    pub unit: Option<String>,
    pub year: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TargetList {
    pub items: Vec<Target>,
}

/// Targets per year and unit (chỉ tiêu kế hoạch); those of internal indicators for signed-in
/// callers only.
#[utoipa::path(get, path = "/api/v1/targets", tag = "reporting", operation_id = "list_targets",
    params(TargetParams),
    responses((status = 200, description = "Targets", body = TargetList)))]
pub async fn list_targets(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TargetParams>,
) -> AppResult<Json<TargetList>> {
    let signed_in = ctx.principal.as_ref().is_some_and(|p| p.is_complete());
    let public: std::collections::HashSet<String> = store::catalogue::list(&state.db)
        .await?
        .into_iter()
        .filter(|i| i.is_public || signed_in)
        .map(|i| i.code)
        .collect();
    let items = store::targets::query(&state.db, q.indicator.as_deref(), q.unit.as_deref(), q.year)
        .await?
        .into_iter()
        .filter(|t| public.contains(&t.indicator))
        .collect();
    Ok(Json(TargetList { items }))
}

/// Import targets (CSV or XLSX: indicator, unit, year, target). All or nothing; the same file
/// again changes nothing.
#[utoipa::path(post, path = "/api/v1/targets/import", tag = "reporting", operation_id = "import_targets",
    params(ImportParams),
    request_body(content = String, description = "Targets file: CSV (text/csv) or XLSX"),
    responses((status = 200, description = "Imported whole (or checked, with dry_run)", body = TargetReport),
              (status = 403, description = "Not a national system administrator", body = platform::error::ErrorEnvelope),
              (status = 422, description = "Rejected whole: every problem listed by row and column", body = platform::error::ErrorEnvelope)))]
pub async fn import_targets(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ImportParams>,
    headers: HeaderMap,
    Bytes(body): Bytes,
) -> AppResult<Json<TargetReport>> {
    auth.require_admin(Permission::ManageCatalogue, &Scope::national())?;
    let format = format_of(&q, &headers, &body)?;
    let table = crate::engine::catalogue::read(&body, format).map_err(|e| rejected(&e))?;
    match targets::import(
        &state.db,
        &auth.actor(),
        &table,
        q.dry_run,
        state.config.target_lead_years,
    )
    .await
    .map_err(failed)?
    {
        Ok(report) => Ok(Json(report)),
        Err(errors) => Err(rejected(&errors)),
    }
}
