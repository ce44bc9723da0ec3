//! The catalogue administrators' pages: `/services/admin` (the procedures' newest versions, the
//! import form, the export links), a procedure's editor `/services/admin/procedures/{code}` (every
//! field as text, the form definition as JSON; saved as a draft, checked whole, every problem at
//! its field), its versions with a button to publish a draft.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t, t_args};
use platform::web::admin::render;
use platform::web::form::{FormError, error_at};
use platform::web::{AppState, Auth, CsrfForm, Multipart, Path, Query};
use serde::Deserialize;

use crate::engine::catalogue::{self as engine, CatalogueError};
use crate::engine::exchange::{self, Format};
use crate::model::catalogue::{COLUMNS, ProcedureDraft};
use crate::query;

/// The most procedures the list shows.
pub const MAX_LISTED: i64 = 1_000;

/// Catalogue administrators, signed in with the second factor.
fn require_editor(auth: &Auth) -> AppResult<()> {
    if !engine::may_manage_some(&auth.principal.grants) {
        return Err(AppError::forbidden());
    }
    auth.principal
        .admin_caller(auth.actor())
        .require_admin_session()
}

fn status_label(lang: Lang, s: crate::model::procedure::VersionStatus) -> String {
    t(lang, &format!("services_admin.status_{}", s.code()))
}

struct Row {
    code: String,
    name: String,
    version: i64,
    status: String,
    agency: String,
}

#[derive(askama::Template)]
#[template(path = "services_admin.html")]
struct AdminPage {
    ctx: platform::web::Ctx,
    rows: Vec<Row>,
    count_text: String,
    notice: Option<String>,
    form_errors: Vec<FormError>,
}

#[derive(Deserialize, Default)]
pub struct DoneParams {
    done: Option<String>,
}

async fn admin_page_with(
    state: &AppState,
    ctx: platform::web::Ctx,
    notice: Option<String>,
    form_errors: Vec<FormError>,
    status: StatusCode,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let latest = query::latest_versions(&state.db, MAX_LISTED).await?;
    let mut res = render(AdminPage {
        count_text: t_args(
            lang,
            "services_admin.count",
            &[("n", latest.len().to_string())],
        ),
        rows: latest
            .into_iter()
            .map(|l| Row {
                name: if lang == Lang::Vi {
                    l.name_vi
                } else {
                    l.name_en
                },
                status: status_label(lang, l.status),
                agency: l.agency.unwrap_or_default(),
                code: l.code,
                version: l.version,
            })
            .collect(),
        notice,
        form_errors,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `/services/admin`: the catalogue for its administrators.
pub async fn admin_page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<DoneParams>,
) -> AppResult<Response> {
    require_editor(&auth)?;
    let notice = match q.done.as_deref() {
        Some("imported") => Some(t(auth.ctx.lang, "services_admin.done_imported")),
        _ => None,
    };
    admin_page_with(&state, auth.ctx, notice, Vec::new(), StatusCode::OK).await
}

/// Import a file from the form (multipart, with the CSRF field): all rows or none.
pub async fn import_form(
    State(state): State<AppState>,
    auth: Auth,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let mut csrf = String::new();
    let mut format = String::new();
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = multipart.next_field().await? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await?,
            "format" => format = field.text().await?,
            "file" => file = Some(field.bytes().await?.to_vec()),
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
    require_editor(&auth)?;
    let ctx = auth.ctx.clone();
    let lang = ctx.lang;
    let refused = |problems: Vec<Problem>| {
        let mut errors = vec![FormError::at(
            "file",
            t(lang, "services_admin.import_refused"),
        )];
        errors.extend(
            platform::error::bounded(&problems)
                .iter()
                .map(|p| FormError {
                    text: p.detail(lang),
                    field: None,
                }),
        );
        errors
    };
    let Some(format) = Format::parse(&format) else {
        let e = Problem::new("svc_format_invalid").arg("value", &format);
        return admin_page_with(
            &state,
            ctx,
            None,
            refused(vec![e]),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let bytes = file.unwrap_or_default();
    if bytes.is_empty() {
        let e = Problem::new("svc_import_empty");
        return admin_page_with(
            &state,
            ctx,
            None,
            refused(vec![e]),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let table = match exchange::read(&bytes, format, lang) {
        Ok(t) => t,
        Err(ps) => {
            return admin_page_with(
                &state,
                ctx,
                None,
                refused(ps),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match engine::import(
        &state.db,
        &auth.actor(),
        &auth.principal.grants,
        lang,
        &table,
    )
    .await
    {
        Ok(r) => {
            let notice = t_args(
                lang,
                "services_admin.imported",
                &[
                    ("rows", r.rows.to_string()),
                    ("created", r.created.to_string()),
                    ("updated", r.updated.to_string()),
                    ("new_versions", r.new_versions.to_string()),
                    ("unchanged", r.unchanged.to_string()),
                ],
            );
            admin_page_with(&state, ctx, Some(notice), Vec::new(), StatusCode::OK).await
        }
        Err(CatalogueError::Invalid(ps)) => {
            admin_page_with(
                &state,
                ctx,
                None,
                refused(ps),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(crate::http::procedures::refused(e, lang)),
    }
}

struct FieldView {
    name: &'static str,
    label: String,
    hint: Option<String>,
    value: String,
    long: bool,
    error: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "services_admin_edit.html")]
struct EditPage {
    ctx: platform::web::Ctx,
    title: String,
    typed: ProcedureDraft,
    fields: Vec<FieldView>,
    versions: Vec<(i64, String, bool)>,
    notice: Option<String>,
    form_errors: Vec<FormError>,
}

async fn edit_page_with(
    state: &AppState,
    ctx: platform::web::Ctx,
    typed: ProcedureDraft,
    form_errors: Vec<FormError>,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let versions = if typed.code.trim().is_empty() {
        Vec::new()
    } else {
        query::versions(&state.db, &typed.code)
            .await?
            .into_iter()
            .map(|v| {
                (
                    v.version,
                    status_label(lang, v.status),
                    v.status == crate::model::procedure::VersionStatus::Draft,
                )
            })
            .collect()
    };
    let mut values = typed.clone();
    let fields = COLUMNS
        .iter()
        .map(|c| {
            let key = format!("services_admin.hint_{c}");
            let hint = t(lang, &key);
            FieldView {
                name: c,
                label: t(lang, &format!("services_admin.col_{c}")),
                hint: (hint != key).then_some(hint),
                value: values.get_mut(c).cloned().unwrap_or_default(),
                long: matches!(
                    *c,
                    "papers" | "form_schema" | "form_layout" | "legal_basis" | "fees_note"
                ),
                error: error_at(&form_errors, c).map(str::to_owned),
            }
        })
        .collect();
    let title = if typed.code.trim().is_empty() {
        t(lang, "services_admin.new")
    } else {
        t_args(lang, "services_admin.edit", &[("code", typed.code.clone())])
    };
    let mut res = render(EditPage {
        title,
        typed,
        fields,
        versions,
        notice,
        form_errors,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `/services/admin/procedures/new`: an empty editor.
pub async fn new_page(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    require_editor(&auth)?;
    let typed = ProcedureDraft {
        level: "commune".into(),
        online_level: "full".into(),
        min_assurance: "2".into(),
        fee_vnd: "0".into(),
        papers: "[]".into(),
        form_schema: "{}".into(),
        form_layout: "[]".into(),
        ..Default::default()
    };
    edit_page_with(&state, auth.ctx, typed, Vec::new(), None, StatusCode::OK).await
}

/// `/services/admin/procedures/{code}`: the editor holding the newest version.
pub async fn edit_page(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    Query(q): Query<DoneParams>,
) -> AppResult<Response> {
    require_editor(&auth)?;
    let code = code.trim().to_ascii_uppercase();
    let Some(latest) = query::versions(&state.db, &code).await?.into_iter().next() else {
        return Err(AppError::not_found());
    };
    let lang = auth.ctx.lang;
    let notice = match q.done.as_deref() {
        Some("saved") => Some(t(lang, "services_admin.done_saved")),
        Some("published") => Some(t(lang, "services_admin.done_published")),
        _ => None,
    };
    edit_page_with(
        &state,
        auth.ctx,
        ProcedureDraft::of(&latest.spec),
        Vec::new(),
        notice,
        StatusCode::OK,
    )
    .await
}

/// Save the editor's procedure as a draft.
pub async fn save(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(typed): CsrfForm<ProcedureDraft>,
) -> AppResult<Response> {
    require_editor(&auth)?;
    let lang = auth.ctx.lang;
    match engine::save_draft(
        &state.db,
        &auth.actor(),
        &auth.principal.grants,
        lang,
        &typed,
    )
    .await
    {
        Ok(saved) => Ok(Redirect::to(&format!(
            "/services/admin/procedures/{}?done=saved",
            saved.code
        ))
        .into_response()),
        Err(CatalogueError::Invalid(ps)) => {
            let errors = FormError::from_problems(&ps, lang, "");
            edit_page_with(
                &state,
                auth.ctx,
                typed,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(CatalogueError::Forbidden(p)) => {
            let errors = FormError::from_problems(&[p], lang, "");
            edit_page_with(&state, auth.ctx, typed, errors, None, StatusCode::FORBIDDEN).await
        }
        Err(e) => Err(crate::http::procedures::refused(e, lang)),
    }
}

#[derive(Deserialize)]
pub struct PublishForm {
    version: i64,
}

/// Publish a draft version from the editor.
pub async fn publish(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    CsrfForm(form): CsrfForm<PublishForm>,
) -> AppResult<Response> {
    require_editor(&auth)?;
    let code = code.trim().to_ascii_uppercase();
    engine::publish(
        &state.db,
        &auth.actor(),
        &auth.principal.grants,
        &code,
        form.version,
    )
    .await
    .map_err(|e| crate::http::procedures::refused(e, auth.ctx.lang))?;
    Ok(Redirect::to(&format!("/services/admin/procedures/{code}?done=published")).into_response())
}
