//! `/axis/agencies`: the axis directory for its administrators (a system administrator's
//! session that passed the second factor) — approve an agency that registered, suspend one,
//! approve it again. Each decision is audited (`engine::axis::decide`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult};
use platform::identity::access::{Permission, Target};
use platform::web::admin::{fmt_ms, render};
use platform::web::{AppState, Auth, CsrfForm, Ctx, Path};
use serde::Deserialize;

use crate::engine::axis::{self, DirectoryError};
use crate::store::agencies::{self, AgencyState};

fn require(auth: &Auth) -> AppResult<()> {
    auth.require_admin(Permission::ManageUsers, &Target::national())
}

struct Row {
    code: String,
    qcvn_code: String,
    name: String,
    state: String,
    state_key: &'static str,
    fingerprint: String,
}

#[derive(Template)]
#[template(path = "axis_agencies.html")]
struct Page {
    ctx: Ctx,
    rows: Vec<Row>,
    errors: Vec<String>,
    generated: String,
}

/// `GET /axis/agencies`.
pub async fn page(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    require(&auth)?;
    let ctx = auth.ctx;
    let rows = agencies::list(&state.db)
        .await?
        .into_iter()
        .map(|a| Row {
            state: ctx.t(&format!("axis_api.state_{}", a.state.as_str())),
            state_key: a.state.as_str(),
            code: a.code,
            qcvn_code: a.qcvn_code.unwrap_or_default(),
            name: a.name,
            fingerprint: a
                .fingerprint
                .map(|f| f.chars().take(16).collect())
                .unwrap_or_default(),
        })
        .collect();
    render(Page {
        ctx,
        rows,
        errors: Vec::new(),
        generated: fmt_ms(platform::db::now_ms()),
    })
}

#[derive(Deserialize)]
pub struct DecideForm {
    state: String,
}

/// `POST /axis/agencies/{code}/state`: `active` or `suspended`.
pub async fn decide(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<DecideForm>,
) -> AppResult<Response> {
    require(&auth)?;
    let next = match f.state.as_str() {
        "active" => AgencyState::Active,
        "suspended" => AgencyState::Suspended,
        _ => {
            // Only a forged form sends another value.
            return Err(AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                platform::error::Problem {
                    code: "form_invalid",
                    field: Some("state".into()),
                    args: Vec::new(),
                },
            ));
        }
    };
    match axis::decide(&state.db, &auth.actor(), &code, next).await {
        Ok(_) => Ok(Redirect::to("/axis/agencies").into_response()),
        Err(DirectoryError::NotFound) => Err(AppError::not_found()),
        Err(e) => Err(AppError::internal(e)),
    }
}
