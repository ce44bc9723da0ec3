//! Citizens' and businesses' sign-in pages (through the national identity provider, or the demo's
//! labelled demo sign-in), the choice of the business one acts for, signing out, the person's own
//! data, and the [`Citizen`] extractor other crates' pages use.
//!
//! ```ignore
//! async fn my_page(citizen: Citizen, ctx: Ctx) -> AppResult<Response> {
//!     citizen.require_assurance(2)?;           // a clear page asking for a level-2 sign-in
//!     if let Some(business) = &citizen.acting_for { /* acting for business.tax_code */ }
//! }
//! ```

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::ctx::{cookie, safe_next, urlencode};
use super::extract::Query;
use super::render::render;
use super::{AppState, CsrfForm, Ctx};
use crate::db::now_ms;
use crate::error::{AppError, AppResult, Problem};
use crate::identity::citizen::{self as store, CitizenSession, DEMO_PEOPLE};
use crate::identity::{oidc, throttle};

pub use crate::identity::citizen::Representation;

/// A citizen signed in through the identity provider (or the demo's sign-in). Pages that take it
/// send a visitor who is not signed in to `/citizen/login?next=<this page>`; the JSON API answers
/// 401. It never stands for an official: grants are not part of it.
#[derive(Debug, Clone)]
pub struct Citizen {
    pub user_id: i64,
    pub name: String,
    /// The 12-digit citizen identity number, when the provider gave it.
    pub personal_id: Option<String>,
    /// Level of assurance of this sign-in: 1 or 2.
    pub assurance: u8,
    /// The business the person acts for in this session, if they chose one.
    pub acting_for: Option<Representation>,
}

impl Citizen {
    /// Demand a level of assurance: below it, a 403 page (vi/en) asking to sign in again with an
    /// identity of that level.
    pub fn require_assurance(&self, level: u8) -> Result<(), AppError> {
        if self.assurance >= level {
            Ok(())
        } else {
            Err(AppError::new(
                StatusCode::FORBIDDEN,
                Problem::new("assurance_required")
                    .arg("level", level)
                    .arg("current", self.assurance),
            ))
        }
    }

    fn from_session(s: &CitizenSession) -> Citizen {
        Citizen {
            user_id: s.user_id,
            name: s.name.clone(),
            personal_id: s.personal_id.clone(),
            assurance: s.assurance,
            acting_for: s.acting_for.clone(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Citizen {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|e| match e {});
        match &ctx.citizen {
            Some(s) => Ok(Citizen::from_session(s)),
            None if super::is_api_path(&ctx.path) => {
                Err(AppError::unauthenticated().into_response())
            }
            None => Err(
                Redirect::to(&format!("/citizen/login?next={}", urlencode(&ctx.here())))
                    .into_response(),
            ),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/citizen", get(home))
        .route("/citizen/login", get(login_page))
        .route("/citizen/login/start", get(login_start))
        .route("/citizen/callback", get(callback))
        .route("/citizen/demo", post(demo_sign_in))
        .route("/citizen/acting", get(acting_page).post(acting_submit))
        .route("/citizen/logout", post(logout))
        .route("/citizen/data", get(data_page))
        .route("/citizen/data/export", post(data_export))
}

fn set_cookie(res: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A level as the pages show it.
fn level_label(ctx: &Ctx, level: u8) -> String {
    ctx.t(&format!("citizen.level_{level}"))
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

struct DemoChoice {
    subject: &'static str,
    name: &'static str,
    detail: String,
}

#[derive(Template)]
#[template(path = "citizen_login.html")]
struct LoginPage {
    ctx: Ctx,
    next: String,
    next_q: String,
    provider: bool,
    demo: Vec<DemoChoice>,
}

async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    let next = safe_next(q.next.as_deref());
    let provider = state.config.oidc().ok().flatten().is_some();
    let demo = if state.config.demo {
        DEMO_PEOPLE
            .iter()
            .map(|p| DemoChoice {
                subject: p.subject,
                name: p.name,
                detail: if p.represents.is_empty() {
                    level_label(&ctx, p.assurance)
                } else {
                    format!(
                        "{} · {}",
                        level_label(&ctx, p.assurance),
                        ctx.t("citizen.demo_business")
                    )
                },
            })
            .collect()
    } else {
        Vec::new()
    };
    render(LoginPage {
        next_q: urlencode(&next),
        next,
        provider,
        demo,
        ctx,
    })
}

/// Go to the provider (a GET: the site's CSP allows forms to post to itself only).
async fn login_start(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    if state.config.oidc().ok().flatten().is_none() {
        return Err(AppError::not_found());
    }
    // Every start stores a pending sign-in: starts from one address are counted (before the
    // provider is asked anything) and slowed down past a generous number; a finished sign-in
    // from the address ends the count.
    let key = throttle::oidc_start_key(ctx.ip.as_deref().unwrap_or("-"));
    if let throttle::Claim::Refused { retry_after_ms } =
        throttle::claim(&state.db, &key, &throttle::OIDC_START, now_ms()).await?
    {
        let seconds = (retry_after_ms + 999) / 1000;
        let mut res = AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            Problem::new("oidc_start_throttled").arg("seconds", seconds),
        )
        .into_response();
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return Ok(res);
    }
    let next = safe_next(q.next.as_deref());
    let (url, browser) = oidc::start(&state.db, &state.config, &next).await?;
    let mut res = Redirect::to(&url).into_response();
    set_cookie(
        &mut res,
        cookie(
            store::PENDING_COOKIE,
            &browser,
            state.config.cookie_secure,
            Some(store::PENDING_TTL_MS / 1000),
        ),
    );
    Ok(res)
}

/// Open the citizen session and go on: to the choice of business when the person represents
/// any, else to `next`.
fn signed_in(state: &AppState, token: &str, reps: usize, next: &str) -> Response {
    let to = if reps > 0 {
        format!("/citizen/acting?next={}", urlencode(next))
    } else {
        next.to_owned()
    };
    let mut res = Redirect::to(&to).into_response();
    set_cookie(
        &mut res,
        cookie(store::COOKIE, token, state.config.cookie_secure, None),
    );
    res
}

async fn callback(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(cb): Query<oidc::Callback>,
) -> AppResult<Response> {
    if state.config.oidc().ok().flatten().is_none() {
        return Err(AppError::not_found());
    }
    let cookies = super::ctx::parse_cookies(&headers);
    let browser = cookies.get(store::PENDING_COOKIE).map(String::as_str);
    let (identity, next) = oidc::finish(&state.db, &state.config, &cb, browser).await?;
    throttle::succeed(
        &state.db,
        &throttle::oidc_start_key(ctx.ip.as_deref().unwrap_or("-")),
        now_ms(),
        false,
    )
    .await?;
    let token = store::sign_in(
        &state.db,
        &state.config,
        &identity,
        ctx.ip.clone(),
        user_agent(&headers),
    )
    .await?;
    let mut res = signed_in(
        &state,
        &token,
        identity.representations.len(),
        &safe_next(Some(&next)),
    );
    set_cookie(
        &mut res,
        cookie(
            store::PENDING_COOKIE,
            "",
            state.config.cookie_secure,
            Some(0),
        ),
    );
    Ok(res)
}

#[derive(Deserialize)]
struct DemoForm {
    person: String,
    next: Option<String>,
}

/// The demo's sign-in: only in `egov demo` (404 anywhere else).
async fn demo_sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<DemoForm>,
) -> AppResult<Response> {
    if !state.config.demo {
        return Err(AppError::not_found());
    }
    let Some(person) = DEMO_PEOPLE.iter().find(|p| p.subject == form.person) else {
        return Err(AppError::invalid(
            Problem::new("param_invalid")
                .field("person")
                .arg("field", "person")
                .arg("value", form.person.chars().take(40).collect::<String>()),
        ));
    };
    let identity = person.identity();
    let token = store::sign_in(
        &state.db,
        &state.config,
        &identity,
        ctx.ip.clone(),
        user_agent(&headers),
    )
    .await?;
    Ok(signed_in(
        &state,
        &token,
        identity.representations.len(),
        &safe_next(form.next.as_deref()),
    ))
}

struct Choice {
    value: String,
    label: String,
    detail: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "citizen_acting.html")]
struct ActingPage {
    ctx: Ctx,
    next: String,
    choices: Vec<Choice>,
    errors: Vec<String>,
}

fn acting_choices(ctx: &Ctx, s: &CitizenSession) -> Vec<Choice> {
    let current = s.acting_for.as_ref().map(|r| r.tax_code.as_str());
    let mut out = vec![Choice {
        value: String::new(),
        label: ctx.t("citizen.acting_self"),
        detail: s.name.clone(),
        checked: current.is_none(),
    }];
    for r in &s.representations {
        out.push(Choice {
            value: r.tax_code.clone(),
            label: r.name.clone(),
            detail: format!(
                "{} {} · {}",
                ctx.t("citizen.tax_code"),
                r.tax_code,
                role_label(ctx, &r.role)
            ),
            checked: current == Some(r.tax_code.as_str()),
        });
    }
    out
}

fn role_label(ctx: &Ctx, role: &str) -> String {
    let key = format!("citizen.role_{role}");
    let t = ctx.t(&key);
    if t == key { role.to_owned() } else { t }
}

/// The citizen's session, or the way to sign in (and come back here).
fn session_of(ctx: &Ctx) -> Result<std::sync::Arc<CitizenSession>, Box<Response>> {
    ctx.citizen.clone().ok_or_else(|| {
        Box::new(
            Redirect::to(&format!("/citizen/login?next={}", urlencode(&ctx.here())))
                .into_response(),
        )
    })
}

async fn acting_page(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    let s = match session_of(&ctx) {
        Ok(s) => s,
        Err(r) => return Ok(*r),
    };
    render(ActingPage {
        next: safe_next(q.next.as_deref()),
        choices: acting_choices(&ctx, &s),
        errors: Vec::new(),
        ctx,
    })
}

#[derive(Deserialize)]
struct ActingForm {
    tax_code: Option<String>,
    next: Option<String>,
}

async fn acting_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<ActingForm>,
) -> AppResult<Response> {
    let s = match session_of(&ctx) {
        Ok(s) => s,
        Err(r) => return Ok(*r),
    };
    let next = safe_next(form.next.as_deref());
    match store::choose_delegation(&state.db, &s, form.tax_code.as_deref(), ctx.ip.clone()).await {
        Ok(_) => Ok(Redirect::to(&next).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = e.problems.iter().map(|p| p.detail(ctx.lang)).collect();
            let mut res = render(ActingPage {
                next,
                choices: acting_choices(&ctx, &s),
                errors,
                ctx,
            })?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct EmptyForm {}

async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    if let Some(s) = &ctx.citizen {
        store::sign_out(&state.db, s, ctx.ip.clone()).await?;
    }
    let mut res = Redirect::to("/").into_response();
    set_cookie(
        &mut res,
        cookie(store::COOKIE, "", state.config.cookie_secure, Some(0)),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "citizen_home.html")]
struct HomePage {
    ctx: Ctx,
    citizen: Citizen,
    level: String,
    masked_id: String,
    can_switch: bool,
    acting_role: String,
}

async fn home(ctx: Ctx, citizen: Citizen) -> AppResult<Response> {
    let can_switch = ctx
        .citizen
        .as_ref()
        .is_some_and(|s| !s.representations.is_empty());
    render(HomePage {
        level: level_label(&ctx, citizen.assurance),
        masked_id: citizen
            .personal_id
            .as_deref()
            .map(store::mask_personal_id)
            .unwrap_or_else(|| "—".into()),
        acting_role: citizen
            .acting_for
            .as_ref()
            .map(|r| role_label(&ctx, &r.role))
            .unwrap_or_default(),
        can_switch,
        citizen,
        ctx,
    })
}

struct Row3 {
    a: String,
    b: String,
    c: String,
    d: String,
}

#[derive(Template)]
#[template(path = "citizen_data.html")]
struct DataPage {
    ctx: Ctx,
    data: store::PersonalData,
    masked_id: String,
    identities: Vec<Row3>,
    sessions: Vec<Row3>,
    audit: Vec<Row3>,
}

fn when(ms: i64) -> String {
    super::format::fmt_ms(ms)
}

async fn data_page(
    State(state): State<AppState>,
    ctx: Ctx,
    citizen: Citizen,
) -> AppResult<Response> {
    let data = store::personal_data(&state.db, citizen.user_id).await?;
    let identities = data
        .identities
        .iter()
        .map(|i| Row3 {
            a: i.issuer.clone(),
            b: i.subject.clone(),
            c: when(i.created_at),
            d: when(i.last_login_at),
        })
        .collect();
    let sessions = data
        .sessions
        .iter()
        .map(|s| Row3 {
            a: ctx.t(&format!("citizen.session_{}", s.kind)),
            b: when(s.created_at),
            c: s.ip.clone().unwrap_or_default(),
            d: s.assurance
                .and_then(|a| u8::try_from(a).ok())
                .map(|a| level_label(&ctx, a))
                .unwrap_or_default(),
        })
        .collect();
    let audit = data
        .audit
        .iter()
        .map(|e| Row3 {
            a: when(e.at),
            b: super::audit_view::action_label(&e.action, ctx.lang),
            c: e.actor_name.clone(),
            d: format!("{} {}", e.object_type, e.object_id),
        })
        .collect();
    render(DataPage {
        masked_id: data
            .personal_id
            .as_deref()
            .map(store::mask_personal_id)
            .unwrap_or_else(|| "—".into()),
        identities,
        sessions,
        audit,
        data,
        ctx,
    })
}

async fn data_export(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let s = match session_of(&ctx) {
        Ok(s) => s,
        Err(r) => return Ok(*r),
    };
    let data = store::export_personal_data(&state.db, &s, ctx.ip.clone()).await?;
    let body = serde_json::to_vec_pretty(&data).map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"egov-personal-data.json\"",
            ),
        ],
        body,
    )
        .into_response())
}
