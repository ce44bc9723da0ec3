//! Signing in and out, the second factor, the language switch, the home page and the user's own
//! account page.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ctx::{LANG_COOKIE, cookie, safe_next};
use super::extract::Query;
use super::render::render;
use super::{AppState, Auth, CsrfForm, Ctx};
use crate::audit::Actor;
use crate::error::{AppError, AppResult, Problem};
use crate::i18n::Lang;
use crate::identity::sealed::SecretKey;
use crate::identity::{self, LoginRefused, TotpRefused, sessions, totp};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/login/totp", get(totp_page).post(totp_submit))
        .route("/logout", post(logout))
        .route("/lang", post(set_lang))
        .route("/account", get(account_page))
        .route(
            "/account/password",
            get(password_page).post(password_submit),
        )
        .route("/account/logout-all", post(logout_all))
        .route(
            "/account/totp",
            get(totp_setup_page).post(totp_setup_submit),
        )
        .merge(api().split_for_parts().0)
}

/// The platform's JSON API: each route registered with its OpenAPI entry.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api_me))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
}

async fn home(ctx: Ctx) -> AppResult<Response> {
    render(HomePage { ctx })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    next: String,
    username: String,
    errors: Vec<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    render(LoginPage {
        ctx,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    HeaderValue::from_str(&cookie(
        sessions::COOKIE,
        token,
        state.config.cookie_secure,
        None,
    ))
    .expect("cookie value is ASCII")
}

/// Where reporters, approvers and viewers land after signing in: the reports due to them.
const WORKLIST: &str = "/reporting/worklist";

async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    let next = safe_next(form.next.as_deref());
    let outcome =
        identity::authenticate(&state.db, &form.username, &form.password, ctx.ip.clone()).await?;
    let user = match outcome {
        Ok(u) => u,
        // The same answers whether the username exists or not.
        Err(LoginRefused::BadCredentials) => {
            let msg = Problem::new("login_failed").detail(ctx.lang);
            return login_refused(
                ctx,
                next,
                form.username,
                msg,
                StatusCode::UNAUTHORIZED,
                None,
            );
        }
        Err(LoginRefused::Throttled { retry_after_s }) => {
            let msg = Problem::new("login_throttled")
                .arg("seconds", retry_after_s)
                .detail(ctx.lang);
            return login_refused(
                ctx,
                next,
                form.username,
                msg,
                StatusCode::TOO_MANY_REQUESTS,
                Some(retry_after_s),
            );
        }
    };
    let grants = identity::grants_of(&state.db, state.directory.as_ref(), user.id).await?;
    let needs_totp = user.totp_enabled || grants.iter().any(|g| g.role.requires_totp());
    // Without a page asked for, officials who report, approve or read land on their worklist;
    // administrators keep the home page with its administration links.
    let next = if form
        .next
        .as_deref()
        .is_none_or(|n| n.is_empty() || n == "/")
        && !grants.is_empty()
        && !grants.iter().any(|g| g.role.requires_totp())
    {
        WORKLIST.to_owned()
    } else {
        next
    };
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let token =
        sessions::create(&state.db, &state.config, user.id, !needs_totp, ctx.ip, ua).await?;
    let to = if !needs_totp && user.must_change_password {
        // A temporary password is changed before anything else.
        "/account/password".to_owned()
    } else if !needs_totp {
        next
    } else if user.totp_enabled {
        format!("/login/totp?next={}", super::ctx::urlencode(&next))
    } else {
        "/account/totp".to_owned()
    };
    let mut res = Redirect::to(&to).into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, session_cookie(&state, &token));
    Ok(res)
}

/// The login page again with an error, a status and, when throttled, `Retry-After`.
fn login_refused(
    ctx: Ctx,
    next: String,
    username: String,
    message: String,
    status: StatusCode,
    retry_after_s: Option<i64>,
) -> AppResult<Response> {
    let mut res = render(LoginPage {
        ctx,
        next,
        username,
        errors: vec![message],
    })?;
    *res.status_mut() = status;
    if let Some(s) = retry_after_s
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(res)
}

/// The configured key of second-factor secrets (a malformed one was refused at start).
fn totp_key(state: &AppState) -> AppResult<Option<SecretKey>> {
    SecretKey::from_config(&state.config).map_err(AppError::internal)
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    ctx: Ctx,
    next: String,
    errors: Vec<String>,
}

async fn totp_page(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    if ctx.principal.is_none() {
        return Ok(Redirect::to("/login").into_response());
    }
    render(TotpPage {
        ctx,
        next: safe_next(q.next.as_deref()),
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
    next: Option<String>,
}

async fn totp_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    let Some(p) = ctx.principal.clone() else {
        return Ok(Redirect::to("/login").into_response());
    };
    let (Some(user), Some(session)) = (&p.user, &p.session) else {
        return Err(AppError::forbidden());
    };
    let key = totp_key(&state)?;
    let outcome = identity::check_second_factor(
        &state.db,
        key.as_ref(),
        user,
        &session.id_hash,
        &form.code,
        ctx.ip.clone(),
    )
    .await?;
    let next = safe_next(form.next.as_deref());
    let (problem, status) = match outcome {
        Ok(()) => (None, StatusCode::OK),
        Err(TotpRefused::Invalid) => (Some(Problem::new("totp_invalid")), StatusCode::UNAUTHORIZED),
        Err(TotpRefused::Throttled { retry_after_s }) => (
            Some(Problem::new("totp_throttled").arg("seconds", retry_after_s)),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(TotpRefused::SessionEnded) => {
            // The half-signed-in session is gone: back to the password.
            let msg = Problem::new("totp_session_ended").detail(ctx.lang);
            let mut res = login_refused(
                ctx,
                next,
                user.username.clone(),
                msg,
                StatusCode::UNAUTHORIZED,
                None,
            )?;
            res.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_str(&cookie(
                    sessions::COOKIE,
                    "",
                    state.config.cookie_secure,
                    Some(0),
                ))
                .expect("ASCII"),
            );
            return Ok(res);
        }
    };
    if let Some(p) = problem {
        let mut res = render(TotpPage {
            errors: vec![p.detail(ctx.lang)],
            ctx,
            next,
        })?;
        *res.status_mut() = status;
        return Ok(res);
    }
    sessions::mark_second_factor(&state.db, &session.id_hash).await?;
    if user.must_change_password {
        return Ok(Redirect::to("/account/password").into_response());
    }
    Ok(Redirect::to(&safe_next(form.next.as_deref())).into_response())
}

async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(_): CsrfForm<serde_json::Value>,
) -> AppResult<Response> {
    if let Some(s) = ctx.principal.as_ref().and_then(|p| p.session.as_ref()) {
        sessions::delete(&state.db, &s.id_hash).await?;
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie(
            sessions::COOKIE,
            "",
            state.config.cookie_secure,
            Some(0),
        ))
        .expect("ASCII"),
    );
    Ok(res)
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
    next: Option<String>,
}

/// Switch language: remembered in a cookie, and in the profile of a signed-in user.
async fn set_lang(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<LangForm>,
) -> AppResult<Response> {
    let lang = Lang::parse(&form.lang)
        .ok_or_else(|| AppError::invalid(Problem::new("lang_invalid").field("lang")))?;
    if let Some(uid) = ctx.principal.as_ref().and_then(|p| p.user_id()) {
        identity::set_locale(&state.db, uid, lang.code()).await?;
    }
    let mut res = Redirect::to(&safe_next(form.next.as_deref())).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie(
            LANG_COOKIE,
            lang.code(),
            state.config.cookie_secure,
            Some(365 * 86_400),
        ))
        .expect("ASCII"),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: Ctx,
    username: String,
    display_name: String,
    totp_enabled: bool,
    grants: Vec<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
struct NoticeQuery {
    done: Option<String>,
}

async fn account_page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let user = auth
        .principal
        .user
        .clone()
        .ok_or_else(AppError::forbidden)?;
    let mut grants = Vec::new();
    for g in &auth.principal.grants {
        grants.push(super::admin::grant_label(&state, auth.ctx.lang, g.role, g.scope).await?);
    }
    let notice = q.done.map(|d| {
        auth.ctx.t(&format!(
            "account.done_{}",
            d.replace(|c: char| !c.is_ascii_alphanumeric(), "")
        ))
    });
    render(AccountPage {
        ctx: auth.ctx,
        username: user.username,
        display_name: user.display_name,
        totp_enabled: user.totp_enabled,
        grants,
        notice,
    })
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: Ctx,
    forced: bool,
    errors: Vec<String>,
}

async fn password_page(auth: Auth) -> AppResult<Response> {
    let forced = auth
        .principal
        .user
        .as_ref()
        .is_some_and(|u| u.must_change_password);
    render(PasswordPage {
        ctx: auth.ctx,
        forced,
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new_password: String,
    confirm: String,
}

async fn password_submit(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    let user = auth
        .principal
        .user
        .clone()
        .ok_or_else(AppError::forbidden)?;
    let problem = if !identity::password::verify(&form.current, &user.password_hash) {
        Some(Problem::new("password_current_wrong").field("current"))
    } else if form.new_password != form.confirm {
        Some(Problem::new("password_mismatch").field("confirm"))
    } else {
        identity::password::check_policy(&form.new_password, &user.username).err()
    };
    if let Some(p) = problem {
        let mut res = render(PasswordPage {
            errors: vec![p.detail(auth.ctx.lang)],
            forced: user.must_change_password,
            ctx: auth.ctx,
        })?;
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    identity::set_password(&state.db, &auth.actor(), user.id, &form.new_password, false).await?;
    // Changing the password ends every session, including this one: sign in again.
    Ok(Redirect::to("/login").into_response())
}

async fn logout_all(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(_): CsrfForm<serde_json::Value>,
) -> AppResult<Response> {
    let uid = auth.principal.user_id().ok_or_else(AppError::forbidden)?;
    let mut tx = state.db.begin().await?;
    let n = tx
        .execute(
            "DELETE FROM sessions WHERE user_id = $1",
            crate::params![uid],
        )
        .await?;
    crate::audit::append(
        &mut tx,
        &auth.actor(),
        crate::audit::Change {
            action: "user.logout_all",
            object_type: "user",
            object_id: uid.to_string(),
            before: None,
            after: Some(serde_json::json!({"sessions_ended": n})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/login").into_response())
}

#[derive(Template)]
#[template(path = "totp_setup.html")]
struct TotpSetupPage {
    ctx: Ctx,
    secret: String,
    uri: String,
    /// The `otpauth://` URI as an inline SVG QR code (no script, no inline style).
    qr: String,
    errors: Vec<String>,
}

/// Enrol a second factor. Reached with a signed-in session, even before the second factor is
/// done (an administrator without one is sent here at first sign-in).
/// `uri` as an inline `<svg>` QR code for an authenticator app to scan: the crate's SVG without
/// its XML declaration (not allowed inside HTML), labelled for assistive technology by the
/// caption beside it. Only attributes, no `style`: it passes the page's CSP.
fn qr_svg(uri: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(uri.as_bytes()) else {
        return String::new();
    };
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    let svg = svg.find("<svg").map(|i| &svg[i..]).unwrap_or(&svg);
    svg.replacen(
        "<svg ",
        "<svg id=\"totp-qr\" role=\"img\" aria-labelledby=\"totp-qr-label\" ",
        1,
    )
}

async fn totp_setup_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let Some(user) = ctx.principal.as_ref().and_then(|p| p.user.clone()) else {
        return Ok(Redirect::to("/login?next=/account/totp").into_response());
    };
    if user.totp_enabled {
        return Ok(Redirect::to("/account").into_response());
    }
    let key = totp_key(&state)?;
    let secret = match user.totp_secret_with(key.as_ref()) {
        Some(s) => s,
        None => {
            let key = key.ok_or_else(|| AppError::internal("totp_key is not configured"))?;
            let s = totp::new_secret();
            identity::set_totp_secret(&state.db, &key, &ctx.actor(), user.id, &s).await?;
            s
        }
    };
    let uri = totp::uri(&secret, &user.username).unwrap_or_default();
    render(TotpSetupPage {
        qr: qr_svg(&uri),
        ctx,
        secret,
        uri,
        errors: Vec::new(),
    })
}

async fn totp_setup_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    let Some(p) = ctx.principal.clone() else {
        return Ok(Redirect::to("/login").into_response());
    };
    let (Some(user), Some(session)) = (&p.user, &p.session) else {
        return Err(AppError::forbidden());
    };
    let key = totp_key(&state)?;
    let Some(secret) = user
        .totp_secret_with(key.as_ref())
        .filter(|_| !user.totp_enabled)
    else {
        return Ok(Redirect::to("/account").into_response());
    };
    if let Err(refused) =
        identity::check_enrolment_code(&state.db, key.as_ref(), user, &form.code).await?
    {
        let (problem, status) = match refused {
            TotpRefused::Throttled { retry_after_s } => (
                Problem::new("totp_throttled").arg("seconds", retry_after_s),
                StatusCode::TOO_MANY_REQUESTS,
            ),
            _ => (
                Problem::new("totp_invalid"),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        };
        let uri = totp::uri(&secret, &user.username).unwrap_or_default();
        let mut res = render(TotpSetupPage {
            errors: vec![problem.detail(ctx.lang)],
            qr: qr_svg(&uri),
            ctx,
            secret,
            uri,
        })?;
        *res.status_mut() = status;
        return Ok(res);
    }
    let actor = Actor {
        user_id: Some(user.id),
        name: user.username.clone(),
        ip: ctx.ip.clone(),
    };
    identity::enable_totp(&state.db, &actor, user.id).await?;
    sessions::mark_second_factor(&state.db, &session.id_hash).await?;
    Ok(Redirect::to("/account?done=totp").into_response())
}

/// The caller, as the API sees it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    /// Username, or `token:<prefix>` for an API token.
    pub name: String,
    pub display_name: Option<String>,
    pub grants: Vec<MeGrant>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MeGrant {
    /// system_admin, agency_admin, reporter, approver or viewer.
    pub role: String,
    /// national, agency or unit.
    pub scope_kind: String,
    pub scope_id: Option<i64>,
}

/// Who am I: the signed-in user or the API token, with grants.
#[utoipa::path(get, path = "/api/v1/me", tag = "identity", operation_id = "get_me",
    responses((status = 200, description = "The caller", body = Me),
              (status = 401, description = "Not signed in", body = crate::error::ErrorEnvelope)))]
pub async fn api_me(auth: Auth) -> AppResult<axum::Json<Me>> {
    let p = &auth.principal;
    Ok(axum::Json(Me {
        name: p.name(),
        display_name: p.user.as_ref().map(|u| u.display_name.clone()),
        grants: p
            .grants
            .iter()
            .map(|g| MeGrant {
                role: g.role.as_str().into(),
                scope_kind: g.scope.kind().into(),
                scope_id: g.scope.id(),
            })
            .collect(),
    }))
}
