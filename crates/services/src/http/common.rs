//! What the applicant's and the desk's dossier pages share: who the citizen is in the audit
//! chain, the engine's context, the owner's check, a refusal as a page's error, the papers'
//! list and download, a draft's answers read back.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use platform::audit::Actor;
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t};
use platform::web::{AppState, Citizen, Ctx};
use serde::Deserialize;

use crate::engine::dossiers::{Env, Refused};
use crate::model::dossier::Dossier;
use crate::query::ProcedureVersion;
use crate::store::dossiers as store;

/// Most papers one dossier holds.
pub const MAX_PAPERS: usize = 20;

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub struct NoFields {}

/// The person as the audit chain and the timeline name them.
pub fn citizen_actor(c: &Citizen, ctx: &Ctx) -> Actor {
    Actor {
        user_id: Some(c.user_id),
        name: format!("citizen:{}", c.name),
        ip: ctx.ip.clone(),
    }
}

pub async fn env_of(state: &AppState) -> AppResult<Env> {
    Ok(Env::load(
        &state.db,
        state.config.public_url.as_deref().unwrap_or_default(),
    )
    .await?)
}

/// The applicant's own dossier (draft or not), else 404.
pub async fn own(state: &AppState, c: &Citizen, id: i64) -> AppResult<Dossier> {
    match store::get(&state.db, id).await? {
        Some(d) if d.applicant.user_id == Some(c.user_id) => Ok(d),
        _ => Err(AppError::not_found()),
    }
}

pub async fn version_of(state: &AppState, d: &Dossier) -> AppResult<ProcedureVersion> {
    crate::query::version(&state.db, d.version_id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// A refusal of the engine, as the page's error (409, translated).
pub fn refused(r: Refused) -> AppError {
    let status = match r {
        Refused::NotFound => StatusCode::NOT_FOUND,
        Refused::AssuranceTooLow => StatusCode::FORBIDDEN,
        Refused::ReasonNeeded => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::CONFLICT,
    };
    AppError::new(status, Problem::new(r.code()))
}

pub struct PaperRow {
    pub n: usize,
    pub name: String,
    pub size: String,
    pub result: bool,
}

fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

pub async fn papers_of(state: &AppState, d: &Dossier) -> AppResult<Vec<PaperRow>> {
    Ok(store::files(&state.db, d.id)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, f)| PaperRow {
            n: i + 1,
            name: f.name,
            size: size_label(f.size),
            result: f.result,
        })
        .collect())
}

/// A stored draft's answers as the form's typed text (a number or a tick as typed back).
pub fn typed_of(data: &serde_json::Value) -> BTreeMap<String, String> {
    data.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let s = match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k.clone(), s)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A field's answer as the applicant reads it back: an option's label, yes or no for a tick.
pub fn shown(lang: Lang, f: &crate::model::form::FieldView) -> String {
    match f.widget {
        "select" | "radios" => f
            .options
            .iter()
            .find(|o| o.selected)
            .map(|o| o.label.clone())
            .unwrap_or_default(),
        "checkbox" => t(
            lang,
            if f.checked {
                "svc_apply.yes"
            } else {
                "svc_apply.no"
            },
        ),
        _ => f.value.clone(),
    }
}

/// The absolute address of this site (see [`platform::web::site_base`]).
pub fn site_base(state: &AppState, headers: &HeaderMap) -> String {
    platform::web::site_base(state, headers)
}

/// A stored file as an attachment named (in ASCII) like the paper.
pub async fn download(state: &AppState, name: &str, sha256: &str) -> AppResult<Response> {
    platform::web::attachment(state, name, sha256).await
}
