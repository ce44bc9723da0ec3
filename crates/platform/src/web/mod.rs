//! The web shell: application state, one request-context middleware (who is calling, in which
//! language, CSRF cookie, security headers, error rendering), extractors, and the platform's own
//! pages and operational endpoints.

pub mod admin;
pub mod api_docs;
pub mod audit_view;
pub mod auth;
pub mod citizen;
pub mod ctx;
pub mod extract;
pub mod form;
pub mod format;
pub mod limits;
pub mod live;
pub mod ops;
pub mod render;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};

use crate::config::Config;
use crate::db::Db;
use crate::error::PendingError;
use crate::i18n::Lang;
use crate::identity::DirectoryRef;
pub use citizen::{Citizen, Representation};
pub use ctx::{Auth, CsrfForm, Ctx, Principal};
pub use extract::{Bytes, Json, Multipart, Path, Query};

/// Everything a handler may need; cheap to clone. Holds no state another node would need.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub directory: DirectoryRef,
    pub metrics: Arc<ops::Metrics>,
    /// The OpenAPI document of the whole product, served at /api/v1/openapi.json.
    pub openapi: Arc<serde_json::Value>,
    /// This node's live-update hub (`crate::live`): `serve` runs it.
    pub live: crate::live::Live,
    /// This node's read cache (`crate::cache`), current with `db` and `live`.
    pub cache: crate::cache::ReadCache,
    /// Where files outside database rows are kept (`crate::files`: the local directory, or S3
    /// when configured), built once from the configuration.
    pub files: crate::files::FileStore,
}

/// The OpenAPI entries of the platform's JSON API (the binary merges every crate's).
pub fn openapi() -> utoipa::openapi::OpenApi {
    auth::api().into_openapi()
}

/// The whole application router: platform pages and endpoints, the capabilities' routers, and
/// the middleware around them.
pub fn app(state: AppState, capabilities: Vec<Router<AppState>>) -> Router {
    let mut router = Router::new()
        .merge(auth::router())
        .merge(citizen::router())
        .merge(admin::router())
        .merge(ops::router())
        .merge(live::router());
    for r in capabilities {
        router = router.merge(r);
    }
    router
        .fallback(|| async { crate::error::AppError::not_found() })
        .method_not_allowed_fallback(|| async {
            crate::error::AppError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                crate::error::Problem::new("method_not_allowed"),
            )
        })
        // Inside the request context, so that a refused body gets the envelope and headers.
        .layer(middleware::from_fn(limits::body_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_context,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            ops::track_metrics,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(120),
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .with_state(state)
}

/// Is this request for the JSON API (errors as the JSON envelope, no redirects)?
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/sdmx/")
}

async fn request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let headers = req.headers().clone();
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let ip = peer.map(|p| ctx::client_ip(p, &headers, &state.config.trusted_proxies).to_string());
    let cookies = ctx::parse_cookies(&headers);

    // Cross-origin form posts are refused outright (on top of the CSRF token); so are
    // requests with a bad API token. Both still get the security headers.
    let early_error = |err: crate::error::AppError| {
        if let Some(cause) = &err.cause {
            tracing::error!(cause = %cause, "request refused");
        }
        let lang = ctx::lang_from(&headers, &cookies, None);
        let mut res = render_error(&err, lang, is_api_path(&path));
        security_headers(res.headers_mut());
        res
    };
    // Secure cookies mean the public site is served over HTTPS (egov behind a TLS proxy); the
    // demo's plain-HTTP cookies mean HTTP.
    let scheme = if state.config.cookie_secure {
        "https"
    } else {
        "http"
    };
    if !req.method().is_safe() && !ctx::same_origin(&headers, scheme) {
        return early_error(crate::error::AppError::forbidden());
    }
    // API tokens are for the JSON API only: never on pages and forms, whose CSRF protection a
    // token holder could satisfy by setting the cookie and the field itself.
    if headers.contains_key(header::AUTHORIZATION) && !is_api_path(&path) {
        return early_error(crate::error::AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            crate::error::Problem::new("token_api_only"),
        ));
    }
    let principal = match ctx::resolve_principal(&state, &headers, &cookies).await {
        Ok(p) => p,
        Err(e) => return early_error(e),
    };
    // A wall display is view-only: it submits nothing, and outside the operations center it
    // reads as an anonymous visitor.
    let principal = match principal {
        Some(p) if p.display.is_some() => {
            if !req.method().is_safe() {
                return early_error(crate::error::AppError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    crate::error::Problem::new("display_read_only"),
                ));
            }
            crate::identity::display::may_visit(&path).then_some(p)
        }
        other => other,
    };
    let lang = ctx::lang_from(
        &headers,
        &cookies,
        principal
            .as_ref()
            .and_then(|p| p.user.as_ref())
            .and_then(|u| u.locale.as_deref()),
    );
    let citizen = match cookies.get(crate::identity::citizen::COOKIE) {
        Some(token) => {
            match crate::identity::citizen::lookup(&state.db, &state.config, token).await {
                Ok(c) => c.map(Arc::new),
                Err(e) => return early_error(e.into()),
            }
        }
        None => None,
    };
    let (csrf, new_csrf) = match cookies.get(ctx::CSRF_COOKIE) {
        Some(c) if c.len() >= 32 => (c.clone(), false),
        _ => (crate::identity::sessions::random_token(), true),
    };
    let request_ctx = Ctx {
        lang,
        principal: principal.map(Arc::new),
        csrf: csrf.clone(),
        path: path.clone(),
        query: req.uri().query().unwrap_or("").to_owned(),
        ip,
        demo: state.config.demo,
        live_since: state.live.last_id(),
        citizen,
    };
    req.extensions_mut().insert(request_ctx.clone());

    let mut res = next.run(req).await;

    if let Some(PendingError(err)) = res.extensions_mut().remove::<PendingError>() {
        let status = res.status();
        let mut rendered = if is_api_path(&path) {
            render_error(&err, lang, true)
        } else {
            render::error_page(&request_ctx, &err)
        };
        *rendered.status_mut() = status;
        // A handler's `Retry-After` (429, 503) goes with the rendered error.
        if let Some(v) = res.headers().get(header::RETRY_AFTER) {
            rendered
                .headers_mut()
                .insert(header::RETRY_AFTER, v.clone());
        }
        res = rendered;
    }
    let h = res.headers_mut();
    security_headers(h);
    // Pages are personal (and some show a temporary password or a token secret once): no
    // browser or proxy keeps a copy, unless a handler chose caching (static files).
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if !h.contains_key(header::CONTENT_LANGUAGE) {
        h.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.code()),
        );
    }
    if new_csrf {
        let cookie = ctx::cookie(ctx::CSRF_COOKIE, &csrf, state.config.cookie_secure, None);
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            h.append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The JSON envelope (or a plain HTML fallback) for an error outside a page handler.
pub fn render_error(err: &crate::error::AppError, lang: Lang, api: bool) -> Response {
    if api {
        (err.status, axum::Json(err.envelope(lang))).into_response()
    } else {
        let items: String = err
            .envelope(lang)
            .errors
            .into_iter()
            .map(|e| format!("<li>{}</li>", askama_escape(&e.detail)))
            .collect();
        (err.status, Html(format!("<!doctype html><ul>{items}</ul>"))).into_response()
    }
}

fn askama_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// CSP without inline scripts or styles, no framing, no sniffing, a strict referrer policy.
pub fn security_headers(h: &mut HeaderMap) {
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         media-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    set(
        h,
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    set(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
}

/// The route template of a request (for metrics labels), or "unmatched".
pub fn route_of(req: &Request<Body>) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into())
}

/// The absolute address of this site for links sent away (a payment gateway's return, an e-mail) and
/// for passkeys (the WebAuthn origin):
/// `public_url` when configured, else the request's own host.
pub fn site_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = state.config.public_url.as_deref().filter(|u| !u.is_empty()) {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.cookie_secure {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// A stored file (its key in the file store) as a download named like `name`, in ASCII (other
/// characters become `_`, so that no header can be forged through a file name).
pub async fn attachment(
    state: &AppState,
    name: &str,
    key: &str,
) -> crate::error::AppResult<Response> {
    let bytes = state
        .files
        .get(key)
        .await
        .map_err(crate::error::AppError::internal)?;
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
