//! The catalogue over HTTP: import (system administrators, national scope), the detail of an
//! indicator with its breakdown and targets, and the catalogue page with its upload form.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::Lang;
use platform::identity::access::{Permission, Target};
use platform::web::admin::render;
use platform::web::{AppState, Auth, Ctx};
use platform::web::{Bytes, Json, Multipart, Path, Query};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::engine::catalogue::{self as import, CatalogueError, CellError, Format, ImportReport};
use crate::model::breakdown::{Part, breakdown};
use crate::model::indicator::Indicator;
use crate::model::target;
use crate::store;

/// The catalogue's pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reporting/catalogue", get(page))
        .route("/reporting/catalogue/import", post(page_import))
}

/// The catalogue's JSON API, each route with its OpenAPI entry.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_indicators))
        .routes(routes!(get_indicator))
}

/// `?dry_run=` and `?format=` of an import.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check and report what would change, write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// `csv`, `xlsx` or `json`; by default from the Content-Type, else from the content.
    #[param(value_type = Option<crate::http::download::DownloadFormat>, inline)]
    pub format: Option<String>,
}

pub(crate) fn format_of(q: &ImportParams, headers: &HeaderMap, body: &[u8]) -> AppResult<Format> {
    if let Some(f) = q.format.as_deref() {
        return Format::parse(f).ok_or_else(|| {
            AppError::invalid(
                Problem::new("format_invalid")
                    .field("format")
                    .arg("value", f),
            )
        });
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Ok(if ct.contains("json") {
        Format::Json
    } else if ct.contains("csv") {
        Format::Csv
    } else if ct.contains("spreadsheetml") {
        Format::Xlsx
    } else {
        Format::detect("", body)
    })
}

pub(crate) fn rejected(errors: &[CellError]) -> AppError {
    AppError::many(
        StatusCode::UNPROCESSABLE_ENTITY,
        errors.iter().map(CellError::problem).collect(),
    )
}

/// An import that could not run to its end, in the error envelope (500 for the database).
pub(crate) fn failed(e: CatalogueError) -> AppError {
    match e {
        CatalogueError::Store(e) => AppError::internal(e),
        other => AppError::invalid(Problem::new(other.code())),
    }
}

/// Import the catalogue (CSV, XLSX or JSON in the export's columns). Every row is checked first;
/// any problem rejects the whole file, every problem listed with its row and column. Indicators
/// absent from the file are left as they are; the same file again changes nothing.
#[utoipa::path(post, path = "/api/v1/indicators/import", tag = "reporting", operation_id = "import_indicators",
    params(ImportParams),
    request_body(content = String, description = "The catalogue file: CSV (text/csv), XLSX or JSON (application/json)"),
    responses((status = 200, description = "Imported whole (or checked, with dry_run)", body = ImportReport),
              (status = 401, description = "Not signed in", body = platform::error::ErrorEnvelope),
              (status = 403, description = "Not a national system administrator", body = platform::error::ErrorEnvelope),
              (status = 422, description = "Rejected whole: every problem listed by row and column", body = platform::error::ErrorEnvelope)))]
pub async fn import_indicators(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ImportParams>,
    headers: HeaderMap,
    Bytes(body): Bytes,
) -> AppResult<Json<ImportReport>> {
    auth.require_admin(Permission::ManageCatalogue, &Target::national())?;
    let format = format_of(&q, &headers, &body)?;
    let table = import::read(&body, format).map_err(|e| rejected(&e))?;
    match import::import(&state.db, &auth.actor(), &table, q.dry_run)
        .await
        .map_err(failed)?
    {
        Ok(report) => Ok(Json(report)),
        Err(errors) => Err(rejected(&errors)),
    }
}

/// An indicator with its place in the catalogue's structure.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IndicatorDetail {
    #[serde(flatten)]
    pub indicator: Indicator,
    /// Its last day of validity has passed (kept for history).
    pub retired: bool,
    /// Its parts, by dimension (e.g. `sex`: male, female).
    pub breakdown: std::collections::BTreeMap<String, Vec<Part>>,
    pub targets: Vec<target::Target>,
}

/// One indicator: definition, rules, validity, breakdown and targets. Internal indicators need
/// a signed-in caller.
#[utoipa::path(get, path = "/api/v1/indicators/{code}", tag = "reporting", operation_id = "get_indicator",
    params(("code" = String, Path, description = "Indicator code, e.g. POPULATION")),
    responses((status = 200, description = "The indicator", body = IndicatorDetail),
              (status = 401, description = "An internal indicator and no signed-in caller", body = platform::error::ErrorEnvelope),
              (status = 404, description = "No such indicator", body = platform::error::ErrorEnvelope)))]
pub async fn get_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> AppResult<Json<IndicatorDetail>> {
    let ind = store::catalogue::by_code(&state.db, &code)
        .await?
        .ok_or_else(AppError::not_found)?;
    let signed_in = ctx.principal.as_ref().is_some_and(|p| p.is_complete());
    if !ind.is_public && !signed_in {
        return Err(AppError::unauthenticated());
    }
    let all = store::catalogue::list(&state.db).await?;
    Ok(Json(IndicatorDetail {
        retired: ind.is_retired(),
        breakdown: breakdown(&ind.code, &all),
        targets: store::targets::query(&state.db, Some(&ind.code), None, None).await?,
        indicator: ind,
    }))
}

struct PageRow {
    code: String,
    name: String,
    unit: String,
    periodicity: String,
    validity: String,
    retired: bool,
    part_of: String,
    breakdown: String,
    definition: String,
}

#[derive(askama::Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    ctx: Ctx,
    rows: Vec<PageRow>,
    can_import: bool,
    notices: Vec<String>,
    errors: Vec<String>,
}

fn can_import(ctx: &Ctx) -> bool {
    ctx.principal
        .as_ref()
        .filter(|p| p.is_complete())
        .is_some_and(|p| p.allowed(Permission::ManageCatalogue, &Target::national()))
}

async fn render_page(
    state: &AppState,
    ctx: Ctx,
    notices: Vec<String>,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let signed_in = ctx.principal.as_ref().is_some_and(|p| p.is_complete());
    let all = store::catalogue::list(&state.db).await?;
    let rows = all
        .iter()
        .filter(|i| i.is_public || signed_in)
        .map(|i| PageRow {
            code: i.code.clone(),
            name: i.name(lang).to_owned(),
            unit: i.unit(lang).to_owned(),
            periodicity: ctx.t(&format!("reporting.periodicity_{}", i.periodicity)),
            validity: match (&i.valid_from, &i.valid_to) {
                (None, None) => String::new(),
                (f, t) => format!(
                    "{} – {}",
                    f.as_deref().unwrap_or(""),
                    t.as_deref().unwrap_or("")
                ),
            },
            retired: i.is_retired(),
            part_of: match (&i.parent, &i.dimension, &i.option) {
                (Some(p), Some(d), Some(o)) => format!("{p} · {d}: {o}"),
                _ => String::new(),
            },
            breakdown: breakdown(&i.code, &all)
                .iter()
                .map(|(d, parts)| {
                    let codes: Vec<&str> = parts.iter().map(|p| p.code.as_str()).collect();
                    format!("{d}: {}", codes.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; "),
            definition: match lang {
                Lang::En => i.definition_en.clone(),
                Lang::Vi => i.definition_vi.clone(),
            }
            .unwrap_or_default(),
        })
        .collect();
    let page = CataloguePage {
        can_import: can_import(&ctx),
        ctx,
        rows,
        notices,
        errors,
    };
    let mut res = render(page)?;
    *res.status_mut() = status;
    Ok(res)
}

async fn page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    render_page(&state, ctx, Vec::new(), Vec::new(), StatusCode::OK).await
}

/// The upload form: a catalogue file, optionally a dry run; problems are listed on the page.
async fn page_import(
    State(state): State<AppState>,
    auth: Auth,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let mut csrf = String::new();
    let mut dry_run = false;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart.next_field().await? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await?,
            "dry_run" => dry_run = !field.text().await?.is_empty(),
            "file" => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    if auth.ctx.csrf.len() < 32
        || !platform::web::ctx::constant_time_eq(csrf.as_bytes(), auth.ctx.csrf.as_bytes())
    {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            Problem::new("csrf_failed"),
        ));
    }
    auth.require_admin(Permission::ManageCatalogue, &Target::national())?;
    let lang = auth.ctx.lang;
    let ctx = auth.ctx.clone();
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let msg = Problem::new("catalogue_file_missing").detail(lang);
        return render_page(
            &state,
            ctx,
            Vec::new(),
            vec![msg],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let outcome = match import::read(&bytes, Format::detect(&name, &bytes)) {
        Err(e) => Err(e),
        Ok(table) => import::import(&state.db, &auth.actor(), &table, dry_run)
            .await
            .map_err(failed)?,
    };
    match outcome {
        Ok(r) => {
            let key = if r.dry_run {
                "reporting.catalogue_dry_run_done"
            } else {
                "reporting.catalogue_import_done"
            };
            let msg = platform::i18n::t_args(
                lang,
                key,
                &[
                    ("rows", r.rows.to_string()),
                    ("inserted", r.inserted.to_string()),
                    ("updated", r.updated.to_string()),
                    ("unchanged", r.unchanged.to_string()),
                ],
            );
            render_page(&state, ctx, vec![msg], Vec::new(), StatusCode::OK).await
        }
        Err(errors) => {
            let mut msgs = vec![platform::i18n::t_args(
                lang,
                "reporting.catalogue_errors",
                &[("n", import::error_count(&errors).to_string())],
            )];
            msgs.extend(errors.iter().map(|e| e.problem().detail(lang)));
            render_page(
                &state,
                ctx,
                Vec::new(),
                msgs,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
