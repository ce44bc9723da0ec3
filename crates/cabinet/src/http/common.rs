//! What the e-Cabinet's pages share: who may do what in a body, the mapping of the engine's
//! refusals to statuses, the passkeys' relying party, uploads (downloads: platform::web::attachment).

use axum::http::{HeaderMap, StatusCode};
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::{Permission, Target};
use platform::web::{AppState, Auth, Multipart};

use crate::engine::Error;
use crate::model::{iso, vn_day};
use crate::store::bodies::{self as bodies, Body, Member};

/// Largest passkey credential the browser may send (JSON), in bytes.
pub const MAX_CREDENTIAL: usize = 16 * 1024;

/// The engine's refusal as a response.
pub fn refused(e: Error) -> AppError {
    let code = e.code();
    match e {
        Error::Db(d) => AppError::internal(d),
        Error::NotFound => AppError::not_found(),
        Error::NotAllowed => AppError::new(StatusCode::FORBIDDEN, Problem::new(code)),
        Error::Invalid { field, .. } => AppError::invalid(Problem::new(code).field(field)),
        Error::NoQuorum { present, needed } => AppError::conflict(
            Problem::new(code)
                .arg("present", present)
                .arg("needed", needed),
        ),
        Error::Passkey(detail) => {
            tracing::info!(%detail, "passkey refused");
            AppError::invalid(Problem::new(code).field("credential"))
        }
        Error::Ceremony | Error::NoPasskey | Error::MemberSignature => {
            AppError::invalid(Problem::new(code).field("credential"))
        }
        Error::File(detail) => {
            tracing::info!(%detail, "file refused");
            AppError::invalid(Problem::new(code).field("file"))
        }
        _ => AppError::conflict(Problem::new(code)),
    }
}

/// The body's target for access checks: its agency and the agency's unit.
pub async fn target_of(state: &AppState, body: &Body) -> AppResult<Target> {
    let unit = registry::store::agency(&state.db, body.agency_id)
        .await?
        .and_then(|a| a.unit_id);
    Ok(Target {
        national: false,
        agency: Some(body.agency_id),
        units: unit.into_iter().collect(),
    })
}

/// Who the caller is in a body.
pub struct Standing {
    pub body: Body,
    pub target: Target,
    /// Their seat, when a member in office today.
    pub seat: Option<Member>,
    /// The members they assist.
    pub assists: Vec<Member>,
    /// The body's secretariat (the Government Office for the Government): plans sessions,
    /// records attendance, runs polls, drafts forms.
    pub secretariat: bool,
    /// May read the body's forms and sessions.
    pub reader: bool,
}

impl Standing {
    pub fn chair(&self) -> bool {
        self.seat.as_ref().is_some_and(|m| m.chair)
    }
}

/// The caller's standing in `body`; 404 when they may not even read it.
pub async fn standing(state: &AppState, auth: &Auth, body: Body) -> AppResult<Standing> {
    let target = target_of(state, &body).await?;
    let today = iso(vn_day(platform::db::now_ms()));
    let user = auth.principal.user_id().unwrap_or(0);
    let seat = bodies::of_user(&state.db, user, &today)
        .await?
        .into_iter()
        .find(|m| m.body_id == body.id);
    let assists: Vec<Member> = bodies::assisted_by(&state.db, user, &today)
        .await?
        .into_iter()
        .filter(|m| m.body_id == body.id)
        .collect();
    let secretariat = auth.principal.allowed(Permission::SubmitData, &target);
    let reader = seat.is_some()
        || !assists.is_empty()
        || secretariat
        || auth.principal.allowed(Permission::ViewData, &target);
    if !reader {
        return Err(AppError::not_found());
    }
    Ok(Standing {
        body,
        target,
        seat,
        assists,
        secretariat,
        reader,
    })
}

/// A person's own session (never an API token) that passed the second factor: required to
/// answer, vote, or manage passkeys.
pub fn require_two_factor(auth: &Auth) -> AppResult<i64> {
    let p = &auth.principal;
    if p.token.is_some() || p.session.is_none() {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            Problem::new("token_api_only"),
        ));
    }
    if !p.two_factor_done() {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            Problem::new("cab_two_factor"),
        ));
    }
    p.user_id().ok_or_else(AppError::forbidden)
}

/// The passkeys' relying party for this request.
pub fn relying_party(
    state: &AppState,
    headers: &HeaderMap,
) -> AppResult<(webauthn_rs::prelude::Webauthn, String)> {
    let origin = platform::web::site_base(state, headers);
    let rp = crate::engine::passkeys::relying_party(&origin).map_err(refused)?;
    Ok((rp, origin))
}

/// Reads a multipart upload: its `csrf` (checked), `file`, and the other text fields.
pub async fn upload(
    auth: &Auth,
    mut multipart: Multipart,
) -> AppResult<(String, Vec<u8>, Vec<(String, String)>)> {
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "csrf" => csrf = field.text().await?,
            "file" => {
                let fname = field
                    .file_name()
                    .map(|n| {
                        n.rsplit(['/', '\\'])
                            .next()
                            .unwrap_or_default()
                            .trim()
                            .to_owned()
                    })
                    .unwrap_or_default();
                file = Some((fname, field.bytes().await?.to_vec()));
            }
            _ if fields.len() < 10 => fields.push((name, field.text().await?)),
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
    let (name, bytes) = file.unwrap_or_default();
    if bytes.is_empty() {
        return Err(AppError::invalid(
            Problem::new("cab_file_missing").field("file"),
        ));
    }
    if name.is_empty() || platform::web::extract::refused_char(&name).is_some() {
        return Err(AppError::invalid(
            Problem::new("cab_file_name").field("file"),
        ));
    }
    for (k, v) in &fields {
        platform::web::extract::check_text(k, v).map_err(AppError::invalid)?;
    }
    Ok((name, bytes, fields))
}

/// `12.3 MB`-style size.
pub fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1048576.0)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}
