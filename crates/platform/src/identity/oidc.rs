//! egov as an OpenID Connect relying party of ONE configured provider (the national electronic
//! identity): authorization code flow with PKCE (S256), `state` and `nonce`, through the
//! `openidconnect` crate. Its HTTP requests go through [`crate::http_client`] (rustls with ring,
//! no redirect followed: an answer of 3xx is an error, so a provider cannot bounce egov's
//! requests to an internal address), never through reqwest.
//!
//! - [`start`]: discovery from the issuer, a fresh state, PKCE verifier and nonce kept server-side
//!   ([`citizen::save_pending`]: any node can finish the sign-in; ten minutes; single use), and the
//!   provider's authorization URL to send the browser to.
//! - [`finish`]: the pending sign-in taken (state and browser binding checked), the code exchanged
//!   with the PKCE verifier, the ID token validated (signature against the provider's keys, `iss`,
//!   `aud`, `exp`, `nonce`), then its claims read: `sub`, `name`, the identity number, `acr`
//!   (mapped to level 1 or 2 by `oidc_acr_levels`; an unknown value is refused) and the
//!   businesses the person represents.

use std::future::Future;
use std::pin::Pin;

use axum::body::Bytes;
use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse,
};

use super::citizen::{self, Pending, VerifiedIdentity};
use crate::config::Config;
use crate::db::Db;
use crate::error::{AppError, AppResult, Problem};
use crate::http_client::{FetchError, HttpClient, Limits};

/// The HTTP client `openidconnect` calls: [`HttpClient`] (redirects not followed).
struct Http(HttpClient);

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = FetchError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, FetchError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let headers: Vec<(&str, String)> = parts
                .headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?.to_owned())))
                .collect();
            let res = self
                .0
                .request(
                    parts.method.clone(),
                    &parts.uri.to_string(),
                    &headers,
                    Bytes::from(body),
                )
                .await?;
            let mut out = http_1::Response::builder().status(res.status);
            for (k, v) in &res.headers {
                out = out.header(k, v);
            }
            out.body(res.body.to_vec())
                .map_err(|e| FetchError::Protocol(e.to_string()))
        })
    }
}

use axum::http as http_1;

fn http() -> Http {
    Http(HttpClient::new(Limits {
        connect: std::time::Duration::from_secs(3),
        total: std::time::Duration::from_secs(10),
        max_body: 256 * 1024,
    }))
}

/// The provider's answer could not be used: logged with its cause (never a secret), shown to the
/// person as `oidc_failed`.
fn failed(stage: &str, cause: impl std::fmt::Display) -> AppError {
    tracing::warn!(stage, cause = %cause, "citizen sign-in failed");
    AppError::new(
        axum::http::StatusCode::BAD_GATEWAY,
        Problem::new("oidc_failed"),
    )
}

type Ready = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    openidconnect::core::CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

async fn client(cfg: &Config, http: &Http) -> AppResult<(Ready, String)> {
    let oidc = cfg
        .oidc()
        .map_err(AppError::internal)?
        .ok_or_else(AppError::not_found)?;
    let issuer = IssuerUrl::new(oidc.issuer.clone()).map_err(|e| failed("issuer", e))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| failed("discovery", e))?;
    let redirect = RedirectUrl::new(oidc.redirect_url).map_err(|e| failed("redirect_url", e))?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(oidc.client_id),
        Some(ClientSecret::new(oidc.client_secret.expose().to_owned())),
    )
    .set_redirect_uri(redirect);
    Ok((client, oidc.issuer))
}

/// Begin a sign-in: returns the provider's authorization URL and the browser-binding token (for
/// [`citizen::PENDING_COOKIE`]). `next` is a local path to come back to.
pub async fn start(db: &Db, cfg: &Config, next: &str) -> AppResult<(String, String)> {
    let http = http();
    let (client, _) = client(cfg, &http).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let browser = citizen::save_pending(
        db,
        state.secret(),
        &Pending {
            pkce_verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
            next_url: next.to_owned(),
        },
    )
    .await?;
    Ok((url.to_string(), browser))
}

/// What the provider sent the browser back with.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// RFC 9207: the issuer of the answer, when the provider sends it.
    pub iss: Option<String>,
}

/// Finish a sign-in: the verified identity and where to go next.
pub async fn finish(
    db: &Db,
    cfg: &Config,
    cb: &Callback,
    browser: Option<&str>,
) -> AppResult<(VerifiedIdentity, String)> {
    let refused = || {
        AppError::new(
            axum::http::StatusCode::BAD_REQUEST,
            Problem::new("oidc_state_invalid"),
        )
    };
    let (Some(state), Some(browser)) = (cb.state.as_deref(), browser) else {
        return Err(refused());
    };
    // Taken first, whatever the answer: a state is used once.
    let Some(pending) = citizen::take_pending(db, state, browser).await? else {
        return Err(refused());
    };
    if let Some(e) = &cb.error {
        tracing::info!(error = %e, "the provider ended the sign-in");
        return Err(AppError::new(
            axum::http::StatusCode::BAD_REQUEST,
            Problem::new("oidc_cancelled"),
        ));
    }
    let Some(code) = cb.code.as_deref().filter(|c| !c.is_empty()) else {
        return Err(refused());
    };
    let http = http();
    let (client, issuer) = client(cfg, &http).await?;
    if let Some(iss) = &cb.iss
        && iss != &issuer
    {
        return Err(failed("callback", "the answer names another issuer"));
    }
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| failed("token_endpoint", e))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
        .request_async(&http)
        .await
        .map_err(|e| failed("token", e))?;
    let _ = token.access_token();
    let id_token = token
        .id_token()
        .ok_or_else(|| failed("token", "no ID token"))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(pending.nonce))
        .map_err(|e| failed("id_token", e))?;
    // The signature is verified: the payload's other claims can be read.
    let payload = id_token
        .to_string()
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .ok_or_else(|| failed("id_token", "payload is not JSON"))?;
    let acr = claims.auth_context_ref().map(|a| a.as_str().to_owned());
    let Some(assurance) = acr
        .as_deref()
        .and_then(|a| cfg.oidc_acr_levels.get(a).copied())
    else {
        tracing::warn!(acr = ?acr, "citizen sign-in refused: unknown level of assurance");
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            Problem::new("oidc_acr_unknown"),
        ));
    };
    let personal_id = payload
        .get(&cfg.oidc_personal_id_claim)
        .and_then(|v| v.as_str())
        .filter(|p| citizen::valid_personal_id(p))
        .map(str::to_owned);
    let (representations, dropped) =
        citizen::parse_representations(payload.get(&cfg.oidc_representations_claim));
    if dropped > 0 {
        tracing::warn!(dropped, "representations left out: not well formed");
    }
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_owned())
        .or_else(|| {
            payload
                .get("name")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let name: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned();
    Ok((
        VerifiedIdentity {
            issuer: claims.issuer().as_str().to_owned(),
            subject: claims.subject().as_str().to_owned(),
            name,
            personal_id,
            acr,
            assurance,
            representations,
        },
        pending.next_url,
    ))
}
