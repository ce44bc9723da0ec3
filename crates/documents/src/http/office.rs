//! `/documents/office`: the document office's settings of each agency the caller administers —
//! today the agency's abbreviation (Decree 30/2020, Appendix I: the last part of every notation,
//! `15/QĐ-UBND`). Numbering is refused until it is set, so the outgoing register links here.
//!
//! Who: whoever may manage an agency's users (its agency administrators; system administrators
//! for every agency), in a session that passed the second factor (never an API token: it is a
//! CSRF form). Anyone else gets 404. Each change is audited (`documents.office_set`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult};
use platform::identity::access::{Permission, Target};
use platform::web::form::{FormError, error_at};
use platform::web::render::render;
use platform::web::{AppState, Auth, CsrfForm, Ctx, Path, Query};
use serde::Deserialize;

use crate::engine::registers::{self as engine, RegisterError};
use crate::model::agency::AgencyId;
use crate::store::registers as store;

/// An agency whose office the caller may set up.
pub(super) struct OfficeRow {
    /// The agency's electronic identifier (short form), also the row's form id.
    pub code: String,
    /// The abbreviation field's element id (`abbreviation-H41`).
    pub field_id: String,
    pub name: String,
    pub abbreviation: String,
    /// What was typed, when the form comes back with an error.
    pub typed: String,
}

#[derive(Template)]
#[template(path = "documents_office.html")]
struct Page {
    ctx: Ctx,
    rows: Vec<OfficeRow>,
    form_errors: Vec<FormError>,
    saved: String,
    /// A system administrator also runs the axis: links to its directory and traffic.
    axis_operator: bool,
}

impl Page {
    fn error(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

fn target(agency_id: i64) -> Target {
    Target {
        national: false,
        agency: Some(agency_id),
        units: Vec::new(),
    }
}

/// The agencies with an electronic identifier whose office `auth` may set up, by name.
async fn offices(state: &AppState, auth: &Auth) -> AppResult<Vec<(AgencyId, String)>> {
    if auth.principal.user.is_none() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for a in registry::store::list_agencies(&state.db, None, None, None).await? {
        if !auth
            .principal
            .allowed(Permission::ManageUsers, &target(a.id))
        {
            continue;
        }
        let Some(id) = a
            .edoc_2020
            .as_deref()
            .or(a.edoc_qcvn.as_deref())
            .and_then(|c| AgencyId::parse(c).ok())
        else {
            continue;
        };
        let name = if auth.ctx.lang == platform::i18n::Lang::En && !a.name_en.is_empty() {
            a.name_en
        } else {
            a.name_vi
        };
        out.push((id, name));
    }
    Ok(out)
}

/// Whether `auth` may set up the office of `agency` (for the outgoing register's notice).
pub(super) async fn may_set(state: &AppState, auth: &Auth, agency: &AgencyId) -> bool {
    offices(state, auth)
        .await
        .is_ok_and(|o| o.iter().any(|(a, _)| a == agency))
}

async fn show(
    state: &AppState,
    auth: Auth,
    typed: Option<(&str, &str)>,
    form_errors: Vec<FormError>,
    saved: String,
) -> AppResult<Response> {
    let agencies = offices(state, &auth).await?;
    if agencies.is_empty() {
        return Err(AppError::not_found());
    }
    let mut rows = Vec::with_capacity(agencies.len());
    for (id, name) in agencies {
        let code = id.short();
        let abbreviation = store::office(&state.db, &code).await?.unwrap_or_default();
        let typed = match typed {
            Some((c, t)) if c == code => t.to_owned(),
            _ => abbreviation.clone(),
        };
        rows.push(OfficeRow {
            field_id: format!("abbreviation-{code}"),
            code,
            name,
            abbreviation,
            typed,
        });
    }
    let status = if form_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let axis_operator = auth
        .ctx
        .complete()
        .is_some_and(|p| p.allowed(Permission::ManageUsers, &Target::national()));
    let mut res = render(Page {
        axis_operator,
        ctx: auth.ctx,
        rows,
        form_errors,
        saved,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Deserialize, Default)]
pub struct PageParams {
    #[serde(default)]
    saved: String,
}

/// `GET /documents/office`.
pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<PageParams>,
) -> AppResult<Response> {
    show(&state, auth, None, Vec::new(), q.saved).await
}

#[derive(Deserialize)]
pub struct OfficeForm {
    abbreviation: String,
}

/// `POST /documents/office/{code}`: set the abbreviation; an error comes back beside the field
/// with what was typed, and nothing is written.
pub async fn save(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<OfficeForm>,
) -> AppResult<Response> {
    let Some((agency, _)) = offices(&state, &auth)
        .await?
        .into_iter()
        .find(|(a, _)| a.short() == code)
    else {
        return Err(AppError::not_found());
    };
    // An administrative change: a person's session past the second factor.
    auth.principal
        .admin_caller(auth.actor())
        .require_admin_session()?;
    match engine::set_office(&state.db, &agency, &f.abbreviation, &auth.actor()).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/documents/office?saved={code}#office-{code}")).into_response(),
        ),
        Err(RegisterError::Invalid(problems)) => {
            let lang = auth.ctx.lang;
            let errors = problems
                .iter()
                .map(|p| {
                    let label = platform::i18n::t(lang, "doc_office.field_abbreviation");
                    FormError::at(
                        format!("abbreviation-{code}"),
                        platform::i18n::t_args(
                            lang,
                            &format!("documents.{}", p.code),
                            &[("path", label)],
                        ),
                    )
                })
                .collect();
            show(
                &state,
                auth,
                Some((&code, &f.abbreviation)),
                errors,
                String::new(),
            )
            .await
        }
        Err(e) => Err(AppError::internal(e.to_string())),
    }
}
