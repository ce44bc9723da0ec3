//! The catalogue's JSON API: `/api/v1/services/procedures` (search, public), one procedure
//! (public), the fields (public); for catalogue administrators: a procedure's versions, save a
//! draft, publish a version, retire, import and export (JSON, CSV, XLSX).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::web::{AppState, Auth, Bytes, Ctx, Json, Path, Query};
use serde::{Deserialize, Serialize};

use crate::engine::catalogue::{self as engine, CatalogueError, Imported, Saved};
use crate::engine::exchange::{self, Format};
use crate::http::catalogue::{SearchParams, parse_search, published_or_404};
use crate::model::catalogue::ProcedureSpec;
use crate::query::{self, Facets, ProcedureVersion, Summary};
use crate::store::procedures::FieldRow;

/// The answer to a refused change.
pub fn refused(e: CatalogueError, lang: platform::i18n::Lang) -> AppError {
    let _ = lang;
    match e {
        CatalogueError::Invalid(problems) => {
            AppError::many(StatusCode::UNPROCESSABLE_ENTITY, problems)
        }
        CatalogueError::Forbidden(p) => AppError::new(StatusCode::FORBIDDEN, p),
        CatalogueError::NotFound(p) => AppError::new(StatusCode::NOT_FOUND, p),
        CatalogueError::Conflict(p) => AppError::conflict(p),
        CatalogueError::Db(e) => AppError::from(e),
    }
}

/// Catalogue administrators only; a person's session must have passed the second factor (API
/// tokens may act).
fn require_editor(auth: &Auth) -> AppResult<()> {
    if !engine::may_manage_some(&auth.principal.grants) {
        return Err(AppError::forbidden());
    }
    if auth.principal.token.is_none() {
        auth.principal
            .admin_caller(auth.actor())
            .require_admin_session()?;
    }
    Ok(())
}

/// A page of procedures.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProcedureList {
    pub items: Vec<Summary>,
    pub meta: ProcedureListMeta,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProcedureListMeta {
    /// How many procedures match.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    /// Counts per field, agency, level and online level (each over the other filters).
    pub facets: Facets,
}

/// Search the published catalogue of administrative procedures: words of the code or name
/// (diacritics-insensitive), narrowed by field, implementing agency, level and online level;
/// with facet counts. Public.
#[utoipa::path(get, path = "/api/v1/services/procedures", tag = "services",
    operation_id = "list_procedures",
    params(SearchParams),
    responses((status = 200, description = "A page of procedures and the facets", body = ProcedureList),
              (status = 422, description = "An unknown field, agency, level or online level, or a bad limit", body = platform::error::ErrorEnvelope)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<ProcedureList>> {
    let s = parse_search(&state, &SearchParams { page: None, ..p }).await?;
    let found = query::search(&state.db, &s, ctx.lang).await?;
    Ok(Json(ProcedureList {
        items: found.items,
        meta: ProcedureListMeta {
            total: found.total,
            limit: s.limit,
            offset: s.offset,
            facets: found.facets,
        },
    }))
}

/// A version of a procedure as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProcedureOut {
    pub version: i64,
    /// `draft`, `published` or `retired`.
    pub status: String,
    /// Unix ms.
    pub published_at: Option<i64>,
    pub retired_at: Option<i64>,
    #[serde(flatten)]
    pub spec: ProcedureSpec,
}

fn out(v: ProcedureVersion) -> ProcedureOut {
    ProcedureOut {
        version: v.version,
        status: v.status.code().to_owned(),
        published_at: v.published_at,
        retired_at: v.retired_at,
        spec: v.spec,
    }
}

/// A procedure's published version: everything a citizen needs, its papers and its online
/// form (JSON Schema and layout). Public.
#[utoipa::path(get, path = "/api/v1/services/procedures/{code}", tag = "services",
    operation_id = "get_procedure",
    params(("code" = String, Path, description = "The procedure's code (`1.001193`)")),
    responses((status = 200, description = "The published version", body = ProcedureOut),
              (status = 404, description = "No such procedure, or none of its versions is published", body = platform::error::ErrorEnvelope)))]
pub async fn one(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> AppResult<Json<ProcedureOut>> {
    Ok(Json(out(published_or_404(&state, &code).await?)))
}

/// The fields.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldList {
    pub items: Vec<FieldRow>,
    pub meta: FieldListMeta,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldListMeta {
    pub total: usize,
}

/// The fields (lĩnh vực) procedures are filed under. Public.
#[utoipa::path(get, path = "/api/v1/services/fields", tag = "services",
    operation_id = "list_service_fields",
    responses((status = 200, description = "The fields", body = FieldList)))]
pub async fn fields(State(state): State<AppState>) -> AppResult<Json<FieldList>> {
    let items = query::fields(&state.db).await?;
    Ok(Json(FieldList {
        meta: FieldListMeta { total: items.len() },
        items,
    }))
}

/// The versions of a procedure.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VersionList {
    pub items: Vec<ProcedureOut>,
    pub meta: FieldListMeta,
}

/// Every version of a procedure, newest first (drafts included). Catalogue administrators.
#[utoipa::path(get, path = "/api/v1/services/procedures/{code}/versions", tag = "services",
    operation_id = "list_procedure_versions",
    params(("code" = String, Path, description = "The procedure's code")),
    responses((status = 200, description = "The versions", body = VersionList),
              (status = 401, description = "Not signed in", body = platform::error::ErrorEnvelope),
              (status = 403, description = "Not a catalogue administrator", body = platform::error::ErrorEnvelope),
              (status = 404, description = "No such procedure", body = platform::error::ErrorEnvelope)))]
pub async fn versions(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> AppResult<Json<VersionList>> {
    require_editor(&auth)?;
    let items: Vec<ProcedureOut> = query::versions(&state.db, &code)
        .await?
        .into_iter()
        .map(out)
        .collect();
    if items.is_empty() {
        return Err(AppError::not_found());
    }
    Ok(Json(VersionList {
        meta: FieldListMeta { total: items.len() },
        items,
    }))
}

/// Save a procedure's draft (the exchange format's JSON object: `name_vi`, `name_en`, `field`,
/// `level`, `agency`, `processing_days`, `fee_vnd` (whole đồng), `papers`, `online_level`,
/// `min_assurance`, `form_schema`, `form_layout`…): a new procedure, a changed draft, or a new
/// draft version of a published one (a published version never changes). Agency administrators
/// for their agency's procedures; system administrators.
#[utoipa::path(put, path = "/api/v1/services/procedures/{code}/draft", tag = "services",
    operation_id = "save_procedure_draft",
    params(("code" = String, Path, description = "The procedure's code")),
    request_body(content = Object, description = "The procedure, as one item of the JSON export"),
    responses((status = 200, description = "Saved (or unchanged)", body = Saved),
              (status = 401, description = "Not signed in", body = platform::error::ErrorEnvelope),
              (status = 403, description = "Not an administrator of the implementing agency", body = platform::error::ErrorEnvelope),
              (status = 422, description = "Every problem, by field (the form definition's with its path)", body = platform::error::ErrorEnvelope)))]
pub async fn save_draft(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    Json(body): Json<serde_json::Map<String, serde_json::Value>>,
) -> AppResult<Json<Saved>> {
    require_editor(&auth)?;
    let mut draft = exchange::draft_of_object(&body).map_err(AppError::invalid)?;
    if draft.code.trim().is_empty() {
        draft.code = code.clone();
    } else if !draft.code.trim().eq_ignore_ascii_case(code.trim()) {
        return Err(AppError::invalid(
            Problem::new("param_invalid")
                .field("code")
                .arg("value", draft.code.trim()),
        ));
    }
    engine::save_draft(
        &state.db,
        &auth.actor(),
        &auth.principal.grants,
        auth.ctx.lang,
        &draft,
    )
    .await
    .map(Json)
    .map_err(|e| refused(e, auth.ctx.lang))
}

/// What a publication or retirement did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Done {
    pub code: String,
    pub status: String,
}

/// Publish a draft version: it becomes the procedure's one published version; the one
/// published before is retired.
#[utoipa::path(post, path = "/api/v1/services/procedures/{code}/versions/{version}/publish", tag = "services",
    operation_id = "publish_procedure_version",
    params(("code" = String, Path, description = "The procedure's code"),
           ("version" = i64, Path, description = "The draft's version number")),
    responses((status = 200, description = "Published", body = Done),
              (status = 401, description = "Not signed in", body = platform::error::ErrorEnvelope),
              (status = 403, description = "Not an administrator of the implementing agency", body = platform::error::ErrorEnvelope),
              (status = 404, description = "No such procedure or version", body = platform::error::ErrorEnvelope),
              (status = 409, description = "The version is not a draft", body = platform::error::ErrorEnvelope)))]
pub async fn publish(
    State(state): State<AppState>,
    auth: Auth,
    Path((code, version)): Path<(String, i64)>,
) -> AppResult<Json<Done>> {
    require_editor(&auth)?;
    let code = code.trim().to_ascii_uppercase();
    engine::publish(
        &state.db,
        &auth.actor(),
        &auth.principal.grants,
        &code,
        version,
    )
    .await
    .map_err(|e| refused(e, auth.ctx.lang))?;
    Ok(Json(Done {
        code,
        status: "published".into(),
    }))
}

/// Retire a procedure's published version (no longer offered; dossiers keep it).
#[utoipa::path(post, path = "/api/v1/services/procedures/{code}/retire", tag = "services",
    operation_id = "retire_procedure",
    params(("code" = String, Path, description = "The procedure's code")),
    responses((status = 200, description = "Retired", body = Done),
              (status = 401, description = "Not signed in", body = platform::error::ErrorEnvelope),
              (status = 403, description = "Not an administrator of the implementing agency", body = platform::error::ErrorEnvelope),
              (status = 404, description = "No such procedure", body = platform::error::ErrorEnvelope),
              (status = 409, description = "Nothing is published", body = platform::error::ErrorEnvelope)))]
pub async fn retire(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> AppResult<Json<Done>> {
    require_editor(&auth)?;
    let code = code.trim().to_ascii_uppercase();
    engine::retire(&state.db, &auth.actor(), &auth.principal.grants, &code)
        .await
        .map_err(|e| refused(e, auth.ctx.lang))?;
    Ok(Json(Done {
        code,
        status: "retired".into(),
    }))
}

/// `?format=` of an import or export.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParams {
    /// `json` (default), `csv` or `xlsx`.
    format: Option<String>,
}

fn format_of(p: &FormatParams) -> AppResult<Format> {
    match p.format.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Format::Json),
        Some(f) => Format::parse(f).ok_or_else(|| {
            AppError::invalid(
                Problem::new("svc_format_invalid")
                    .field("format")
                    .arg("value", f),
            )
        }),
    }
}

/// Import procedures (JSON, CSV or XLSX: the export's columns): all or nothing; each row saved
/// as a draft (a new procedure, a changed draft, or a new draft version). Every problem names
/// its sheet, row and column (the first 100).
#[utoipa::path(post, path = "/api/v1/services/procedures/import", tag = "services",
    operation_id = "import_procedures",
    params(FormatParams),
    request_body(content = String, description = "The file"),
    responses((status = 200, description = "Imported whole", body = Imported),
              (status = 401, description = "Not signed in", body = platform::error::ErrorEnvelope),
              (status = 403, description = "Not a catalogue administrator", body = platform::error::ErrorEnvelope),
              (status = 422, description = "Refused whole: every problem by sheet, row and column", body = platform::error::ErrorEnvelope)))]
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<FormatParams>,
    Bytes(body): Bytes,
) -> AppResult<Json<Imported>> {
    require_editor(&auth)?;
    let format = format_of(&p)?;
    let lang = auth.ctx.lang;
    let table = exchange::read(&body, format, lang)
        .map_err(|ps| AppError::many(StatusCode::UNPROCESSABLE_ENTITY, ps))?;
    engine::import(
        &state.db,
        &auth.actor(),
        &auth.principal.grants,
        lang,
        &table,
    )
    .await
    .map(Json)
    .map_err(|e| refused(e, lang))
}

/// Export the catalogue: the newest version of every procedure (drafts included), as the
/// import reads it. Catalogue administrators.
#[utoipa::path(get, path = "/api/v1/services/procedures/export", tag = "services",
    operation_id = "export_procedures",
    params(FormatParams),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = String),
              (status = 401, description = "Not signed in", body = platform::error::ErrorEnvelope),
              (status = 403, description = "Not a catalogue administrator", body = platform::error::ErrorEnvelope)))]
pub async fn export(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<FormatParams>,
) -> AppResult<Response> {
    require_editor(&auth)?;
    let format = format_of(&p)?;
    let specs = engine::latest_specs(&state.db).await?;
    let bytes = exchange::write(&specs, format).map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"thu-tuc.{}\"", format.extension()),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `?name=` of a form file.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileParams {
    /// The file's name as citizens download it (`to-khai.docx`).
    name: String,
}

/// Attach a form file (the blank to fill in) to a paper of a procedure: the body is the file
/// (at most 10 MiB), kept in the file store by its SHA-256; the procedure's draft gets it (a
/// published procedure gets a new draft version). Agency administrators for their agency's
/// procedures; system administrators.
#[utoipa::path(post, path = "/api/v1/services/procedures/{code}/papers/{paper}/form-file", tag = "services",
    operation_id = "attach_paper_form_file",
    params(("code" = String, Path, description = "The procedure's code"),
           ("paper" = usize, Path, description = "The paper's position, from 1"),
           FileParams),
    request_body(content = String, content_type = "application/octet-stream", description = "The file"),
    responses((status = 200, description = "Saved in the draft", body = Saved),
              (status = 401, description = "Not signed in", body = platform::error::ErrorEnvelope),
              (status = 403, description = "Not an administrator of the implementing agency", body = platform::error::ErrorEnvelope),
              (status = 404, description = "No such procedure", body = platform::error::ErrorEnvelope),
              (status = 422, description = "No such paper, an empty file or a bad name", body = platform::error::ErrorEnvelope)))]
pub async fn attach_form_file(
    State(state): State<AppState>,
    auth: Auth,
    Path((code, paper)): Path<(String, usize)>,
    Query(q): Query<FileParams>,
    Bytes(body): Bytes,
) -> AppResult<Json<Saved>> {
    require_editor(&auth)?;
    if body.is_empty() || paper == 0 {
        return Err(AppError::invalid(
            Problem::new("svc_papers_invalid")
                .field(if paper == 0 { "paper" } else { "file" })
                .arg("why", if paper == 0 { "#0" } else { "empty file" }),
        ));
    }
    let code = code.trim().to_ascii_uppercase();
    engine::attach_form_file(
        &state.db,
        &state.files,
        &auth.actor(),
        &auth.principal.grants,
        &code,
        paper - 1,
        &q.name,
        &body,
    )
    .await
    .map(Json)
    .map_err(|e| refused(e, auth.ctx.lang))
}
