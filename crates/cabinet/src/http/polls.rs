//! Polls: the secretariat opens and closes them; a member gets a passkey challenge for their
//! ballot and casts it; anyone who may read the session reads the result.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::web::admin::render;
use platform::web::{AppState, Auth, CsrfForm, Ctx, Path};
use serde::Deserialize;

use super::common::{MAX_CREDENTIAL, refused, relying_party, require_two_factor};
use super::sessions::load;
use crate::engine::polls::{self as engine, Cast, Cast0};
use crate::model::kinds::{Choice, PollStatus};
use crate::store::polls as store;

#[derive(Deserialize)]
pub struct OpenForm {
    question: String,
    #[serde(default)]
    item: Option<i64>,
    #[serde(default)]
    secret: Option<String>,
}

/// `POST /cabinet/sessions/{id}/polls`.
pub async fn open(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<OpenForm>,
) -> AppResult<Response> {
    let (s, st) = load(&state, &auth, id).await?;
    if !(st.secretariat || st.chair()) {
        return Err(AppError::forbidden());
    }
    engine::open(
        &state.db,
        &auth.actor(),
        &st.body,
        &s,
        f.item.filter(|i| *i > 0),
        &f.question,
        f.secret.is_some(),
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(Redirect::to(&format!("/cabinet/sessions/{id}#ballot")).into_response())
}

async fn poll_and_session(
    state: &AppState,
    auth: &Auth,
    poll_id: i64,
) -> AppResult<(store::Poll, super::common::Standing)> {
    let p = store::get(&state.db, poll_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (_, st) = load(state, auth, p.session_id).await?;
    Ok((p, st))
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /cabinet/polls/{id}/close`: before everyone voted.
pub async fn close(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let (p, st) = poll_and_session(&state, &auth, id).await?;
    if !(st.secretariat || st.chair()) {
        return Err(AppError::forbidden());
    }
    engine::close(
        &state.db,
        &auth.actor(),
        &st.body,
        &p,
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(Redirect::to(&format!("/cabinet/sessions/{}#polls", p.session_id)).into_response())
}

#[derive(Deserialize)]
pub struct ChallengeForm {
    #[serde(default)]
    choice: String,
    #[serde(default)]
    client_id: String,
}

/// `POST /cabinet/polls/{id}/challenge`: the passkey confirmation of a ballot, and its canonical
/// text (for a member who signs with their own key).
pub async fn challenge(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ChallengeForm>,
) -> AppResult<Response> {
    let user = require_two_factor(&auth)?;
    let (p, _) = poll_and_session(&state, &auth, id).await?;
    let Some(member) = store::seat_of_db(&state.db, id, user).await? else {
        return Err(AppError::forbidden());
    };
    if p.status != PollStatus::Open {
        return Err(AppError::conflict(Problem::new("cab_wrong_state")));
    }
    let (rp, _) = relying_party(&state, &headers)?;
    let (ceremony, options) = crate::engine::passkeys::start_confirmation(
        &state.db,
        &rp,
        user,
        &format!("ballot:{id}"),
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    let canonical = match Choice::parse(f.choice.trim()) {
        Some(c) if crate::model::ballot::client_id_ok(f.client_id.trim()) => {
            engine::canonical(&p, member, c, f.client_id.trim())
        }
        _ => String::new(),
    };
    Ok(axum::Json(serde_json::json!({
        "ceremony": ceremony, "options": options, "canonical": canonical
    }))
    .into_response())
}

#[derive(Deserialize)]
pub struct VoteForm {
    choice: String,
    client_id: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    member_sig: String,
}

/// `POST /cabinet/polls/{id}/vote`: 303 to the session (the ballot counted, or already counted
/// under the same client id); `Accept: application/json` gets `{"cast", "closed", "repeated"}`.
pub async fn vote(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<VoteForm>,
) -> AppResult<Response> {
    let user = require_two_factor(&auth)?;
    let (p, _) = poll_and_session(&state, &auth, id).await?;
    let Some(choice) = Choice::parse(f.choice.trim()) else {
        return Err(AppError::invalid(
            Problem::new("cab_bad_choice").field("choice"),
        ));
    };
    if f.credential.len() > MAX_CREDENTIAL {
        return Err(AppError::invalid(
            Problem::new("cab_ceremony").field("credential"),
        ));
    }
    let (rp, _) = relying_party(&state, &headers)?;
    let done = engine::cast(
        &state.db,
        &rp,
        &auth.actor(),
        user,
        id,
        &Cast {
            choice,
            client_id: f.client_id.trim(),
            ceremony: f.ceremony.trim(),
            credential: &f.credential,
            member_sig: &f.member_sig,
        },
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    let wants_json = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    if wants_json {
        let body = match done {
            Cast0::Counted { cast, closed } => {
                serde_json::json!({"cast": cast, "closed": closed, "repeated": false})
            }
            Cast0::Repeated => serde_json::json!({"repeated": true}),
        };
        return Ok(axum::Json(body).into_response());
    }
    Ok(Redirect::to(&format!("/cabinet/sessions/{}#ballot", p.session_id)).into_response())
}

/// Most named votes listed on a poll's page.
const MAX_VOTES_LISTED: i64 = 5000;

#[derive(Template)]
#[template(path = "cabinet_poll.html")]
struct PollPage {
    ctx: Ctx,
    session_id: i64,
    question: String,
    secret: bool,
    open: bool,
    cast: i64,
    eligible: i64,
    result: String,
    passed: bool,
    voters: Vec<(String, String)>,
}

/// `GET /cabinet/polls/{id}`: the poll's count or result, and in a named poll who voted how.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (p, _) = poll_and_session(&state, &auth, id).await?;
    let lang = auth.ctx.lang;
    let mut voters = Vec::new();
    if !p.secret && p.status == PollStatus::Closed {
        for (name, c) in store::named_votes(&state.db, id, MAX_VOTES_LISTED).await? {
            voters.push((
                name,
                platform::i18n::t(lang, &format!("cab_choice.{}", c.code())),
            ));
        }
    }
    let row = super::sessions::poll_result(lang, &p);
    render(PollPage {
        session_id: p.session_id,
        question: p.question.clone(),
        secret: p.secret,
        open: p.status == PollStatus::Open,
        cast: p.cast,
        eligible: p.eligible,
        result: row,
        passed: p.passed.unwrap_or(false),
        voters,
        ctx: auth.ctx,
    })
}
