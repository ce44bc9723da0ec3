//! Who is calling: an agency whose signed request (`crate::auth`) verifies with the certificate
//! the directory holds for it, within the time window, never seen before, and that is active.

use axum::http::StatusCode;
use axum::http::request::Parts;
use platform::db::{Db, now_ms};

use super::refusal::Refusal;
use crate::auth::{self, AuthError, SignatureInput, Target};
use crate::store::agencies::{self, Agency, AgencyState};

/// The refusal of a signature problem: 401 (the caller is not authenticated), or 400 for a
/// body that does not match its digest.
pub fn refusal(e: &AuthError) -> Refusal {
    let status = match e {
        AuthError::Digest | AuthError::DigestMismatch => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNAUTHORIZED,
    };
    let r = Refusal::new(status, e.code());
    match e {
        AuthError::Malformed(reason) => r.arg("reason", reason),
        AuthError::Algorithm(alg) => r.arg("alg", alg),
        AuthError::Stale { created, now } => r
            .arg("created", created)
            .arg("now", now)
            .arg("max", auth::MAX_SKEW_SECS),
        _ => r,
    }
}

fn header<'a>(parts: &'a Parts, name: &str) -> Result<Option<&'a str>, Refusal> {
    parts
        .headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map_err(|_| refusal(&AuthError::Malformed(format!("{name} is not ASCII"))))
        })
        .transpose()
}

/// Parse and time-check the signature headers of a request.
pub fn signature_of(parts: &Parts) -> Result<SignatureInput, Refusal> {
    auth::parse(
        header(parts, "signature-input")?,
        header(parts, "signature")?,
        header(parts, "content-digest")?,
        now_ms().div_euclid(1000),
    )
    .map_err(|e| refusal(&e))
}

pub fn target(parts: &Parts) -> Target<'_> {
    Target {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
    }
}

/// Refuse a signature seen before; remember this one.
pub async fn not_replayed(db: &Db, input: &SignatureInput, agency: &str) -> Result<(), Refusal> {
    let hash = hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        &input.signature,
    ));
    let now = now_ms();
    if agencies::remember_signature(db, &hash, agency, now, now + auth::REPLAY_TTL_MS).await? {
        Ok(())
    } else {
        Err(Refusal::new(StatusCode::UNAUTHORIZED, "signature_replayed"))
    }
}

/// The active agency that signed this request (its body is checked against the digest by the
/// caller, which reads it).
pub async fn agency(db: &Db, parts: &Parts) -> Result<(Agency, SignatureInput), Refusal> {
    let input = signature_of(parts)?;
    let Some(agency) = agencies::find(db, &input.agency).await? else {
        return Err(Refusal::new(StatusCode::UNAUTHORIZED, "agency_unknown")
            .arg("agency", input.agency.as_str()));
    };
    let Some(certificate) = agencies::certificate(db, &agency.code).await? else {
        return Err(Refusal::new(StatusCode::FORBIDDEN, "agency_no_certificate"));
    };
    auth::verify(&input, target(parts), &certificate).map_err(|e| refusal(&e))?;
    match agency.state {
        AgencyState::Active => {}
        AgencyState::Pending => {
            return Err(Refusal::new(StatusCode::FORBIDDEN, "agency_pending"));
        }
        AgencyState::Suspended => {
            return Err(Refusal::new(StatusCode::FORBIDDEN, "agency_suspended"));
        }
    }
    not_replayed(db, &input, &agency.code).await?;
    Ok((agency, input))
}

/// The body of a small request, read within `limit` and checked against the signed digest.
pub async fn small_body(
    body: axum::body::Body,
    input: &SignatureInput,
    limit: usize,
) -> Result<Vec<u8>, Refusal> {
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| Refusal::from(platform::web::limits::too_large(limit)))?;
    if ring::digest::digest(&ring::digest::SHA256, &bytes).as_ref() != input.sha256.as_slice() {
        return Err(refusal(&AuthError::DigestMismatch));
    }
    Ok(bytes.to_vec())
}
