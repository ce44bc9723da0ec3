//! The request context and the extractors built on it: who is calling ([`Principal`]), the page
//! context for templates ([`Ctx`]), a guard for signed-in callers ([`Auth`]), and forms with CSRF
//! protection ([`CsrfForm`]).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;

use super::AppState;
use crate::audit::Actor;
use crate::error::{AppError, Problem};
use crate::i18n::{Lang, t};
use crate::identity::access::{self, Grant, Permission, Role, Scope, Target};
use crate::identity::{self, User, sessions, tokens};

pub const CSRF_COOKIE: &str = "egov_csrf";
pub const LANG_COOKIE: &str = "egov_lang";

/// The caller: a signed-in official (session) or another system (API token).
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: Option<User>,
    pub token: Option<tokens::ApiToken>,
    pub session: Option<sessions::Session>,
    /// A wall display signed in with its display session (view-only: `identity::display`).
    pub display: Option<identity::display::Display>,
    pub grants: Vec<Grant>,
}

impl Principal {
    pub fn name(&self) -> String {
        match (&self.user, &self.token) {
            (Some(u), _) => u.username.clone(),
            (None, Some(t)) => format!("token:{}", t.token_prefix),
            (None, None) if self.display.is_some() => {
                format!("display:{}", self.display.as_ref().map_or(0, |d| d.id))
            }
            _ => "anonymous".into(),
        }
    }
    pub fn user_id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }
    /// Signed in with the second factor done (or a token).
    pub fn is_complete(&self) -> bool {
        self.token.is_some()
            || self.session.as_ref().is_some_and(|s| s.second_factor_ok)
            || self.display.as_ref().is_some_and(|d| d.scope().is_some())
    }
    /// A person whose session passed a TOTP code of an enrolled second factor (at sign-in, or
    /// when enrolling it). Administration needs this: a password-only session of someone who was
    /// granted an administrator role after signing in does not count, nor does an API token.
    pub fn two_factor_done(&self) -> bool {
        self.token.is_none()
            && self.session.as_ref().is_some_and(|s| s.second_factor_ok)
            && self.user.as_ref().is_some_and(|u| u.totp_enabled)
    }
    /// The caller as the administrative domain functions see it.
    pub fn admin_caller(&self, actor: Actor) -> identity::manage::Caller<'_> {
        identity::manage::Caller {
            actor,
            grants: &self.grants,
            credential: if self.token.is_some() {
                identity::manage::Credential::Token
            } else {
                identity::manage::Credential::Session {
                    two_factor: self.two_factor_done(),
                }
            },
        }
    }
    pub fn allowed(&self, p: Permission, target: &Target) -> bool {
        access::allowed(&self.grants, p, target)
    }
    pub fn has_role(&self, r: Role) -> bool {
        self.grants.iter().any(|g| g.role == r)
    }
    /// Does any grant let this caller hold `p` somewhere (to show a menu entry)?
    pub fn can_somewhere(&self, p: Permission) -> bool {
        self.grants.iter().any(|g| {
            let t = match g.scope {
                access::Scope::National => Target::national(),
                access::Scope::Agency(a) => Target {
                    national: false,
                    agency: Some(a),
                    units: g.scope_unit.into_iter().collect(),
                },
                access::Scope::Unit(u) => Target {
                    national: false,
                    agency: None,
                    units: vec![u],
                },
            };
            access::allowed(std::slice::from_ref(g), p, &t)
        })
    }
}

/// Per-request context, available to every handler and template.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub principal: Option<Arc<Principal>>,
    pub csrf: String,
    pub path: String,
    pub query: String,
    pub ip: Option<String>,
    pub demo: bool,
    /// The last live event this node had broadcast when the request came in: a page's live
    /// region follows events after it, so nothing written between drawing the page and opening
    /// its event stream is missed.
    pub live_since: i64,
    /// A citizen signed in through the identity provider (their own cookie and session: never an
    /// official's grants; see `identity::citizen`).
    pub citizen: Option<Arc<identity::citizen::CitizenSession>>,
}

impl Ctx {
    /// The signed-in citizen's name and, when acting for a business, its name (the header).
    pub fn citizen_label(&self) -> Option<(String, Option<String>)> {
        self.citizen.as_ref().map(|c| {
            (
                c.name.clone(),
                c.acting_for.as_ref().map(|r| r.name.clone()),
            )
        })
    }
    /// The caller when signed in completely: an official past the second factor, an API token,
    /// or a wall display with a scope.
    pub fn complete(&self) -> Option<&Principal> {
        self.principal.as_deref().filter(|p| p.is_complete())
    }
    /// A page this caller may not see: nobody signed in goes to sign in (and comes back here),
    /// anyone else is refused (403).
    pub fn refuse_page(&self) -> Result<Response, AppError> {
        if self.principal.is_none() {
            Ok(Redirect::to(&format!("/login?next={}", urlencode(&self.here()))).into_response())
        } else {
            Err(AppError::forbidden())
        }
    }
    /// Translate a key (used in templates: `{{ ctx.t("nav.units") }}`).
    pub fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }
    /// The label of a kind code (`kind.<code>`: province, ward, ministry, merge…).
    pub fn kind(&self, code: &str) -> String {
        t(self.lang, &format!("kind.{code}"))
    }
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }
    pub fn other_lang_code(&self) -> &'static str {
        self.lang.other().code()
    }
    /// The signed-in user's display name, if the sign-in is complete.
    pub fn user_name(&self) -> Option<String> {
        self.principal
            .as_ref()
            .filter(|p| p.is_complete())
            .and_then(|p| p.user.as_ref())
            .map(|u| u.display_name.clone())
    }
    /// Signed in with the password but not yet through the second factor (or a forced password
    /// change): the header says so instead of offering to sign in.
    pub fn signing_in(&self) -> bool {
        self.principal
            .as_ref()
            .is_some_and(|p| p.session.is_some() && p.user.is_some() && !p.is_complete())
    }
    pub fn can_manage_users(&self) -> bool {
        self.complete()
            .is_some_and(|p| p.can_somewhere(Permission::ManageUsers))
    }
    pub fn can_manage_tokens(&self) -> bool {
        self.complete()
            .is_some_and(|p| p.can_somewhere(Permission::ManageTokens))
    }
    /// May manage the operations center's wall displays and dashboards (national token
    /// managers: `/operations/admin`).
    pub fn can_manage_wall(&self) -> bool {
        self.complete()
            .is_some_and(|p| p.allowed(Permission::ManageTokens, &Target::national()))
    }
    /// Where this reader's document office starts, if they keep one: the outgoing register for
    /// an agency's clerk or leader (`reporter` / `approver` in an agency's scope), the office's
    /// settings for an agency's administrator or a system administrator.
    pub fn documents_home(&self) -> Option<&'static str> {
        let p = self.complete()?;
        p.user.as_ref()?;
        let agency = |roles: &[Role]| {
            p.grants
                .iter()
                .any(|g| matches!(g.scope, Scope::Agency(_)) && roles.contains(&g.role))
        };
        if agency(&[Role::Reporter, Role::Approver]) {
            Some("/documents/outgoing")
        } else if agency(&[Role::AgencyAdmin])
            || p.allowed(Permission::ManageUsers, &Target::national())
        {
            Some("/documents/office")
        } else {
            None
        }
    }
    pub fn can_view_audit(&self) -> bool {
        self.complete()
            .is_some_and(|p| p.can_somewhere(Permission::ViewAudit))
    }
    /// The current path with its query, for `next=` links.
    pub fn here(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
    pub fn is_current(&self, prefix: &str) -> bool {
        if prefix == "/" {
            self.path == "/"
        } else {
            self.path.starts_with(prefix)
        }
    }
    /// The actor for audit entries.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.principal.as_ref().and_then(|p| p.user_id()),
            name: self
                .principal
                .as_ref()
                .map(|p| p.name())
                .unwrap_or_else(|| "anonymous".into()),
            ip: self.ip.clone(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Ctx>().cloned().unwrap_or(Ctx {
            lang: Lang::Vi,
            principal: None,
            csrf: String::new(),
            path: parts.uri.path().to_owned(),
            query: String::new(),
            ip: None,
            demo: false,
            live_since: 0,
            citizen: None,
        }))
    }
}

/// A complete sign-in is required. Pages redirect to the login page (or to the second-factor or
/// password-change step still due); the API answers 401 with the error envelope.
pub struct Auth {
    pub ctx: Ctx,
    pub principal: Arc<Principal>,
}

impl Auth {
    pub fn require(&self, p: Permission, target: &Target) -> Result<(), AppError> {
        if self.principal.allowed(p, target) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }
    /// [`Auth::require`] for an administrative action: also a person's session that passed the
    /// second factor (never an API token).
    pub fn require_admin(&self, p: Permission, target: &Target) -> Result<(), AppError> {
        self.require(p, target)?;
        self.principal
            .admin_caller(self.actor())
            .require_admin_session()
    }
    pub fn actor(&self) -> Actor {
        self.ctx.actor()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|e| match e {});
        let api = super::is_api_path(&ctx.path);
        let Some(principal) = ctx.principal.clone() else {
            return Err(if api {
                AppError::unauthenticated().into_response()
            } else {
                Redirect::to(&format!("/login?next={}", urlencode(&ctx.here()))).into_response()
            });
        };
        if !principal.is_complete() {
            // A wall display showing public figures only: nothing to sign in to here.
            if principal.display.is_some() {
                return Err(AppError::forbidden().into_response());
            }
            if api {
                return Err(AppError::unauthenticated().into_response());
            }
            let needs_setup = principal.user.as_ref().is_some_and(|u| !u.totp_enabled);
            return Err(Redirect::to(if needs_setup {
                "/account/totp"
            } else {
                "/login/totp"
            })
            .into_response());
        }
        if let Some(u) = &principal.user
            && u.must_change_password
            && ctx.path != "/account/password"
            && ctx.path != "/logout"
        {
            return Err(if api {
                AppError::new(
                    StatusCode::FORBIDDEN,
                    Problem::new("password_change_required"),
                )
                .into_response()
            } else {
                Redirect::to("/account/password").into_response()
            });
        }
        Ok(Auth { ctx, principal })
    }
}

/// A URL-encoded form whose `csrf` field must equal the CSRF cookie (double-submit), compared in
/// constant time. Every state-changing form uses it. Its content is read like every other input
/// (see [`super::extract`]): control characters and repeated fields refused.
pub struct CsrfForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        // A form is a browser's, signed in by its session: never an API token's (the request
        // middleware refuses tokens outside the API already; this holds wherever a form is used).
        if req.headers().contains_key(header::AUTHORIZATION)
            || req
                .extensions()
                .get::<Ctx>()
                .and_then(|c| c.principal.as_ref())
                .is_some_and(|p| p.token.is_some() || p.display.is_some())
        {
            return Err(AppError::new(
                StatusCode::FORBIDDEN,
                Problem::new("token_api_only"),
            ));
        }
        let cookies = parse_cookies(req.headers());
        let expected = cookies.get(CSRF_COOKIE).cloned().unwrap_or_default();
        let limit = req
            .extensions()
            .get::<super::limits::BodyLimit>()
            .map_or(super::limits::DEFAULT_LIMIT, |l| l.0);
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| super::limits::too_large(limit))?;
        let given = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if expected.len() < 32 || !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            return Err(AppError::new(
                StatusCode::FORBIDDEN,
                Problem::new("csrf_failed"),
            ));
        }
        // Control characters, repeated fields and values of the wrong type: 422 naming the field.
        Ok(CsrfForm(super::extract::parse_form(&bytes)?))
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn parse_cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure when configured.
pub fn cookie(name: &str, value: &str, secure: bool, max_age_s: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age_s {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// For unsafe methods: an `Origin` (or `Referer`) header, if present, must name this host with
/// the scheme the site is served over (`https://host` is not `http://host`).
pub fn same_origin(headers: &HeaderMap, scheme: &str) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|h| h.to_str().ok());
    match origin {
        None => true,
        Some(o) => {
            let Some((origin_scheme, rest)) = o.split_once("://") else {
                // "null" (a sandboxed or privacy-sensitive context) and anything without a scheme.
                return false;
            };
            let origin_host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty()
                && origin_scheme.eq_ignore_ascii_case(scheme)
                && origin_host.eq_ignore_ascii_case(host)
        }
    }
}

/// The client's address: the TCP peer, or, when the peer is a trusted reverse proxy, the
/// right-most address in `X-Forwarded-For` that is not itself a trusted proxy (the left part of
/// that header is written by the client and proves nothing).
pub fn client_ip(
    peer: std::net::IpAddr,
    headers: &HeaderMap,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            // Garbage where an address should be: stop believing the header here.
            Err(_) => return peer,
        }
    }
    peer
}

/// Language: the user's profile, then the cookie, then `Accept-Language`, then Vietnamese.
pub fn lang_from(
    headers: &HeaderMap,
    cookies: &HashMap<String, String>,
    profile: Option<&str>,
) -> Lang {
    profile
        .and_then(Lang::parse)
        .or_else(|| cookies.get(LANG_COOKIE).and_then(|c| Lang::parse(c)))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

/// The credentials of an `Authorization: Bearer <token>` header; the scheme's name is
/// case-insensitive (RFC 9110 §11.1), so `bearer` and `BEARER` are the same. Another scheme
/// gives no token (and so a 401 `token_invalid`).
pub fn bearer_secret(header: &str) -> &str {
    let header = header.trim_start();
    match header.split_once([' ', '\t']) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => "",
    }
}

/// Find the caller from the `Authorization: Bearer` token or the session cookie.
pub async fn resolve_principal(
    state: &AppState,
    headers: &HeaderMap,
    cookies: &HashMap<String, String>,
) -> Result<Option<Principal>, AppError> {
    let dir = state.directory.as_ref();
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
    {
        let secret = bearer_secret(auth);
        let Some(tok) = tokens::authenticate(&state.db, secret).await? else {
            return Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                Problem::new("token_invalid"),
            ));
        };
        let grants = tokens::grant_of(dir, &tok).await?;
        return Ok(Some(Principal {
            user: None,
            token: Some(tok),
            session: None,
            display: None,
            grants,
        }));
    }
    let session = match cookies.get(sessions::COOKIE) {
        Some(token) => sessions::lookup(&state.db, &state.config, token).await?,
        None => None,
    };
    let Some(session) = session else {
        // A wall display's session (view-only; see identity::display).
        let Some(secret) = cookies.get(identity::display::COOKIE) else {
            return Ok(None);
        };
        let Some(d) = identity::display::lookup(&state.db, secret).await? else {
            return Ok(None);
        };
        let grants = identity::display::grants_of(dir, &d).await?;
        return Ok(Some(Principal {
            user: None,
            token: None,
            session: None,
            display: Some(d),
            grants,
        }));
    };
    let Some(user) = identity::get_user(&state.db, session.user_id).await? else {
        return Ok(None);
    };
    let grants = identity::grants_of(&state.db, dir, user.id).await?;
    Ok(Some(Principal {
        user: Some(user),
        token: None,
        session: Some(session),
        display: None,
        grants,
    }))
}

/// Percent-encode a value for a query string.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A local redirect target only (never another site).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/admin/users")), "/admin/users");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for h in [
            "Bearer egov_x",
            "bearer egov_x",
            "BEARER  egov_x ",
            "bEaReR\tegov_x",
        ] {
            assert_eq!(bearer_secret(h), "egov_x", "{h}");
        }
        for h in ["Basic egov_x", "Bearer", "Beareregov_x", "egov_x"] {
            assert_eq!(bearer_secret(h), "", "{h}");
        }
    }

    #[test]
    fn origin_must_match_host_and_scheme() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h, "http"));
        h.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h, "http"));
        assert!(
            !same_origin(&h, "https"),
            "plain-HTTP page posting to an HTTPS site"
        );
        h.insert(header::ORIGIN, "https://127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h, "https"));
        assert!(!same_origin(&h, "http"));
        h.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!same_origin(&h, "http"));
        h.insert(header::ORIGIN, "null".parse().unwrap());
        assert!(!same_origin(&h, "http"));
        h.remove(header::ORIGIN);
        h.insert(
            header::REFERER,
            "https://127.0.0.1:8080/login?next=/".parse().unwrap(),
        );
        assert!(same_origin(&h, "https") && !same_origin(&h, "http"));
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let proxy: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        let client: std::net::IpAddr = "203.0.113.7".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.7".parse().unwrap(),
        );
        // Not from a trusted proxy: the header is ignored.
        assert_eq!(client_ip(client, &h, &[proxy]), client);
        // From the proxy: the right-most address, not the client-written left part.
        assert_eq!(client_ip(proxy, &h, &[proxy]), client);
        h.insert("x-forwarded-for", "junk".parse().unwrap());
        assert_eq!(client_ip(proxy, &h, &[proxy]), proxy);
    }
}
