//! `GET /api/v1/indicators`: the indicator catalogue, as JSON or as a download in the catalogue
//! file format.

use axum::extract::State;
use platform::error::{AppError, AppResult, Problem};
use platform::web::{AppState, Ctx};
use platform::web::{Json, Query};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::download::{download_csv, download_xlsx};
use crate::engine::catalogue as catalogue_io;
use crate::model::indicator::Indicator;
use crate::store::catalogue;

/// `GET /api/v1/indicators` with its OpenAPI entry.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_indicators))
}

/// The indicator catalogue.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IndicatorList {
    pub items: Vec<Indicator>,
    pub meta: serde_json::Value,
}

/// `?format=` of the catalogue export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueParams {
    /// `json` (default), `csv` or `xlsx`: the catalogue as a download, in the columns of
    /// `seed/indicators.csv` (the same file format the catalogue is loaded from).
    #[param(value_type = Option<super::download::DownloadFormat>, inline)]
    pub format: Option<String>,
}

/// List indicators: public ones for everyone, internal ones too for signed-in callers; as JSON,
/// or as a CSV or XLSX download in the catalogue file format.
#[utoipa::path(get, path = "/api/v1/indicators", tag = "reporting", operation_id = "list_indicators",
    params(CatalogueParams),
    responses((status = 200, description = "The catalogue (JSON; CSV or XLSX with format=csv|xlsx)",
               content((IndicatorList = "application/json"), ("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 422, description = "Unknown format", body = platform::error::ErrorEnvelope)))]
pub async fn list_indicators(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CatalogueParams>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let signed_in = ctx.principal.as_ref().is_some_and(|p| p.is_complete());
    let items: Vec<Indicator> = catalogue::list(&state.db)
        .await?
        .into_iter()
        .filter(|i| i.is_public || signed_in)
        .collect();
    let format = q
        .format
        .as_deref()
        .map(str::trim)
        .unwrap_or("json")
        .to_ascii_lowercase();
    let rows: Vec<Vec<String>> = items.iter().map(catalogue_io::export_row).collect();
    let header = catalogue_io::header();
    match format.as_str() {
        "json" => Ok(Json(IndicatorList {
            meta: serde_json::json!({ "total": items.len() }),
            items,
        })
        .into_response()),
        "csv" => download_csv("egov-indicators.csv", &header, &rows),
        // The catalogue's own file format (it imports back): column codes as headers.
        "xlsx" => download_xlsx(
            "egov-indicators.xlsx",
            "indicators",
            &header,
            &[],
            &rows,
            &catalogue_io::NUMERIC,
        ),
        other => Err(AppError::invalid(
            Problem::new("format_invalid")
                .field("format")
                .arg("value", other),
        )),
    }
}
