//! DHIS2's `POST /api/dataValueSets` and `/api/{version}/dataValueSets`: the payload read (JSON or
//! CSV), the import run ([`crate::dhis2`]) and its answer, a WebMessage or (versions up to 37)
//! the bare import summary.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::{Permission, Target};
use platform::web::{AppState, Auth};
use platform::web::{Bytes, Path, Query};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::dhis2::{self, DataValueSet, ImportSummary, Options, Outcome, WebMessage};

/// DHIS2's `dataValueSets`, each route with its OpenAPI entry.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import))
        .routes(routes!(import_versioned))
}

/// Import a data value set (JSON, or CSV with `Content-Type: application/csv`), answered with
/// DHIS2 2.38+'s WebMessage.
#[utoipa::path(post, path = "/api/dataValueSets", tag = "reporting", operation_id = "post_data_value_sets",
    params(
        ("dryRun" = Option<bool>, Query, description = "Check everything and write nothing; the answer is what the import would do"),
        ("importStrategy" = Option<String>, Query, description = "CREATE_AND_UPDATE (default), CREATE, UPDATE, DELETE; also NEW_AND_UPDATES, NEW, UPDATES, DELETES"),
        ("atomicMode" = Option<String>, Query, description = "ALL (default): all or nothing; NONE: valid values imported, the others listed (WARNING)"),
        ("idScheme" = Option<String>, Query, description = "CODE (default) or NAME for every object; ID for org units; UID, UUID and ATTRIBUTE are refused"),
        ("dataElementIdScheme" = Option<String>, Query, description = "CODE or NAME"),
        ("orgUnitIdScheme" = Option<String>, Query, description = "CODE, NAME or ID (the unit's id in /api/v1/units)"),
        ("categoryOptionComboIdScheme" = Option<String>, Query, description = "CODE or NAME (also for attribute option combos)"),
        ("dataSetIdScheme" = Option<String>, Query, description = "CODE or NAME (report templates)"),
        ("async" = Option<bool>, Query, description = "false only: imports are synchronous"),
        ("skipExistingCheck" = Option<bool>, Query, description = "false only"),
        ("skipAudit" = Option<bool>, Query, description = "false only: every import is audited"),
        ("preheatCache" = Option<bool>, Query, description = "Accepted; no effect"),
    ),
    request_body(content = DataValueSet, description = "A DHIS2 data value set (JSON) or DHIS2 CSV"),
    responses((status = 200, description = "Imported (or, with dryRun, would be): status OK", body = WebMessage),
              (status = 400, description = "Not JSON or CSV of this shape", body = platform::error::ErrorEnvelope),
              (status = 401, description = "No valid token or session", body = platform::error::ErrorEnvelope),
              (status = 409, description = "Conflicts: ERROR (nothing written) or, with atomicMode=NONE, WARNING (valid values written)", body = WebMessage),
              (status = 422, description = "An unknown parameter or a value that does not parse", body = platform::error::ErrorEnvelope)))]
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    Bytes(body): Bytes,
) -> AppResult<Response> {
    run(state, auth, query, headers, body, false).await
}

/// The same import under DHIS2's versioned path: versions up to 37 answer the bare import
/// summary of DHIS2 before 2.38 (200 for SUCCESS and WARNING, 409 for ERROR); 38 and later the
/// WebMessage.
#[utoipa::path(post, path = "/api/{version}/dataValueSets", tag = "reporting", operation_id = "post_data_value_sets_versioned",
    params(("version" = u32, Path, description = "DHIS2 API version, 28–99; up to 37: the bare import summary")),
    request_body(content = DataValueSet, description = "A DHIS2 data value set (JSON) or DHIS2 CSV"),
    responses((status = 200, description = "Imported; for versions up to 37 the bare summary", body = ImportSummary),
              (status = 400, description = "Not JSON or CSV of this shape", body = platform::error::ErrorEnvelope),
              (status = 401, description = "No valid token or session", body = platform::error::ErrorEnvelope),
              (status = 404, description = "Not a DHIS2 API version", body = platform::error::ErrorEnvelope),
              (status = 409, description = "Conflicts", body = ImportSummary),
              (status = 422, description = "An unknown parameter or a value that does not parse", body = platform::error::ErrorEnvelope)))]
pub async fn import_versioned(
    State(state): State<AppState>,
    Path(version): Path<String>,
    auth: Auth,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    Bytes(body): Bytes,
) -> AppResult<Response> {
    let version: u32 = match version.parse() {
        Ok(v) if (28..=99).contains(&v) && !version.starts_with('0') => v,
        _ => return Err(AppError::not_found()),
    };
    run(state, auth, query, headers, body, version <= 37).await
}

async fn run(
    state: AppState,
    auth: Auth,
    pairs: Vec<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
    legacy: bool,
) -> AppResult<Response> {
    let lang = auth.ctx.lang;
    let mut options = Options::from_query(&pairs).map_err(invalid)?;
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("csv"));
    let set = if is_csv {
        dhis2::check_csv(&body).map_err(invalid)?;
        dhis2::parse_csv(&body)
            .map_err(|e| AppError::bad_request(Problem::new("csv_invalid").arg("reason", e)))?
    } else {
        platform::web::extract::parse_json::<DataValueSet>(&body)?
    };
    options.apply_payload(&set).map_err(invalid)?;
    let may_submit = |t: &Target| auth.principal.allowed(Permission::SubmitData, t);
    let report =
        super::dhis2_import::import(&state.db, &auth.actor(), lang, &may_submit, &set, &options)
            .await?;
    let outcome = report.outcome;
    let summary = report.summary(lang, &options);
    if legacy {
        // DHIS2 before 2.38: the bare summary; a partial import was a 200.
        let code = if outcome == Outcome::Refused {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        };
        return Ok((code, Json(summary)).into_response());
    }
    let message = WebMessage::of(lang, outcome, summary);
    let status = StatusCode::from_u16(message.http_status_code).unwrap_or(StatusCode::CONFLICT);
    Ok((status, Json(message)).into_response())
}

/// The request's own problems: 422, every one listed.
fn invalid(e: dhis2::Invalid) -> AppError {
    AppError::many(StatusCode::UNPROCESSABLE_ENTITY, e.problems)
}
