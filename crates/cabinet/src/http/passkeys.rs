//! `/cabinet/passkeys`: the member's passkeys (register, remove) and their own Ed25519 public
//! key for ballots that third parties verify offline. A session that passed the second factor is
//! required for every change.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::web::admin::render;
use platform::web::{AppState, Auth, CsrfForm, Ctx, Path};
use serde::Deserialize;

use super::common::{MAX_CREDENTIAL, refused, relying_party, require_two_factor};
use crate::engine::{bodies as bodies_engine, passkeys as engine};
use crate::model::{iso, time_label, vn_day};
use crate::store::{bodies, passkeys as store};

pub struct Row {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub used: String,
}

#[derive(Template)]
#[template(path = "cabinet_passkeys.html")]
struct Page {
    ctx: Ctx,
    rows: Vec<Row>,
    two_factor: bool,
    origin: String,
    origin_ok: bool,
    sign_key: String,
    member: bool,
}

/// `GET /cabinet/passkeys`.
pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
) -> AppResult<Response> {
    let user = auth.principal.user_id().ok_or_else(AppError::forbidden)?;
    let rows = store::of_user(&state.db, user)
        .await?
        .into_iter()
        .map(|p| Row {
            id: p.id,
            name: p.name,
            created: time_label(p.created_at),
            used: p.last_used_at.map(time_label).unwrap_or_default(),
        })
        .collect();
    let origin = platform::web::site_base(&state, &headers);
    let seats = bodies::of_user(&state.db, user, &iso(vn_day(platform::db::now_ms()))).await?;
    render(Page {
        rows,
        two_factor: auth.principal.two_factor_done(),
        origin_ok: engine::relying_party(&origin).is_ok(),
        origin,
        sign_key: seats
            .iter()
            .find_map(|m| m.sign_key.clone())
            .unwrap_or_default(),
        member: !seats.is_empty(),
        ctx: auth.ctx,
    })
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /cabinet/passkeys/start`: the options for `navigator.credentials.create`.
pub async fn start(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let user_id = require_two_factor(&auth)?;
    let user = auth
        .principal
        .user
        .as_ref()
        .ok_or_else(AppError::forbidden)?;
    let (rp, _) = relying_party(&state, &headers)?;
    let (ceremony, options) = engine::start_registration(
        &state.db,
        &rp,
        user_id,
        &user.username,
        &user.display_name,
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(axum::Json(serde_json::json!({"ceremony": ceremony, "options": options})).into_response())
}

#[derive(Deserialize)]
pub struct FinishForm {
    ceremony: String,
    credential: String,
    #[serde(default)]
    name: String,
}

/// `POST /cabinet/passkeys/finish`.
pub async fn finish(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<FinishForm>,
) -> AppResult<Response> {
    let user = require_two_factor(&auth)?;
    if f.credential.is_empty() || f.credential.len() > MAX_CREDENTIAL {
        return Err(AppError::invalid(
            Problem::new("cab_ceremony").field("credential"),
        ));
    }
    let (rp, _) = relying_party(&state, &headers)?;
    let name = if f.name.trim().is_empty() {
        platform::i18n::t(auth.ctx.lang, "cabinet.passkey_default_name")
    } else {
        f.name.clone()
    };
    engine::finish_registration(
        &state.db,
        &rp,
        &auth.actor(),
        user,
        f.ceremony.trim(),
        &f.credential,
        &name,
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(Redirect::to("/cabinet/passkeys").into_response())
}

/// `POST /cabinet/passkeys/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let user = require_two_factor(&auth)?;
    engine::remove(&state.db, &auth.actor(), user, id)
        .await
        .map_err(refused)?;
    Ok(Redirect::to("/cabinet/passkeys").into_response())
}

#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    public_key: String,
}

/// `POST /cabinet/sign-key`: the member's Ed25519 public key (64 hex digits), or none.
pub async fn sign_key(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(f): CsrfForm<KeyForm>,
) -> AppResult<Response> {
    let user = require_two_factor(&auth)?;
    let k = f.public_key.trim();
    bodies_engine::set_sign_key(&state.db, &auth.actor(), user, (!k.is_empty()).then_some(k))
        .await
        .map_err(refused)?;
    Ok(Redirect::to("/cabinet/passkeys").into_response())
}
