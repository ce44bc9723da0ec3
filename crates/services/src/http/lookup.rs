//! Anyone may look a dossier's status up by its code and the secret printed on its receipt
//! (form 01): `/services/lookup` (a page) and `/api/v1/services/lookup` (JSON). A wrong code and
//! a wrong secret get the same answer, so the lookup never tells whether a code exists.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t};
use platform::web::admin::render;
use platform::web::{AppState, Ctx, Json, Query};
use serde::{Deserialize, Serialize};

use crate::engine::dossiers::secret_matches;
use crate::model::dossier::Dossier;
use crate::store::dossiers as store;

/// Longest code or secret read.
const MAX_INPUT: usize = 64;

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct LookupParams {
    /// The dossier's code, as printed on the receipt (`000.00.00.H40-261203-0001`).
    pub code: Option<String>,
    /// The 8-character secret printed on the receipt.
    pub secret: Option<String>,
}

/// A dossier's public status.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LookupOut {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    /// The national exchange's status, 1–10.
    pub status: u8,
    /// The status in the caller's language.
    pub status_name: String,
    /// Unix ms.
    pub received_at: Option<i64>,
    /// The appointment (yyyy-mm-dd, Việt Nam).
    pub appointment: Option<String>,
    /// Unix ms.
    pub returned_at: Option<i64>,
}

fn out(d: &Dossier, lang: Lang) -> Option<LookupOut> {
    let status = d.status?;
    Some(LookupOut {
        code: d.code.clone()?,
        procedure_code: d.procedure_code.clone(),
        procedure_name: d.procedure_name.clone(),
        status: status.number(),
        status_name: t(lang, &format!("svc_status.s{}", status.number())),
        received_at: d.received_at,
        appointment: d.due_date.map(|x| x.to_string()),
        returned_at: d.returned_at,
    })
}

/// The dossier the code and secret name, or `None` (no such code, a wrong secret, too long).
async fn find(state: &AppState, code: &str, secret: &str) -> AppResult<Option<Dossier>> {
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() || code.len() > MAX_INPUT || secret.len() > MAX_INPUT {
        return Ok(None);
    }
    let found = store::by_code(&state.db, &code).await?;
    // The secret is compared even when the code is unknown (against nothing), so the answer
    // takes the same path either way.
    let (d, hash) = match found {
        Some((d, h)) => (Some(d), h),
        None => (None, None),
    };
    if secret_matches(hash.as_deref(), secret) {
        Ok(d)
    } else {
        Ok(None)
    }
}

fn not_found() -> AppError {
    AppError::new(StatusCode::NOT_FOUND, Problem::new("svc_lookup_not_found"))
}

/// A dossier's status by its code and the receipt's secret. Public; the same 404 whether the
/// code or the secret is wrong.
#[utoipa::path(get, path = "/api/v1/services/lookup", tag = "services",
    operation_id = "services_lookup",
    params(LookupParams),
    responses((status = 200, description = "The dossier's status", body = LookupOut),
              (status = 404, description = "No dossier with this code and secret", body = platform::error::ErrorEnvelope),
              (status = 422, description = "The code or the secret is missing", body = platform::error::ErrorEnvelope)))]
pub async fn api(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LookupParams>,
) -> AppResult<Json<LookupOut>> {
    let (Some(code), Some(secret)) = (q.code.as_deref(), q.secret.as_deref()) else {
        let field = if q.code.is_none() { "code" } else { "secret" };
        return Err(AppError::invalid(
            Problem::new("field_required")
                .field(field)
                .arg("field", field),
        ));
    };
    match find(&state, code, secret).await? {
        Some(d) => out(&d, ctx.lang).map(Json).ok_or_else(not_found),
        None => Err(not_found()),
    }
}

#[derive(Template)]
#[template(path = "services_lookup.html")]
struct LookupPage {
    ctx: Ctx,
    code: String,
    found: Option<LookupOut>,
    /// A code and secret were given and matched nothing.
    missed: bool,
}

/// `/services/lookup?code=…&secret=…`: the form, and the status when both are given.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LookupParams>,
) -> AppResult<Response> {
    let code = q.code.clone().unwrap_or_default();
    let (found, missed) = match (q.code.as_deref(), q.secret.as_deref()) {
        (Some(c), Some(s)) if !c.trim().is_empty() => {
            let d = find(&state, c, s).await?;
            let o = d.as_ref().and_then(|d| out(d, ctx.lang));
            let missed = o.is_none();
            (o, missed)
        }
        _ => (None, false),
    };
    render(LookupPage {
        ctx,
        code,
        found,
        missed,
    })
}
