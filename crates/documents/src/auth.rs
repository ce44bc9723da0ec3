//! How an agency's system proves who it is to the axis: every request is signed with the
//! agency's private key — the key whose certificate the axis directory holds, the one that signs
//! its edXML — as an HTTP Message Signature (RFC 9421), over a fixed set of components:
//!
//! ```text
//! Content-Digest: sha-256=:<base64 of SHA-256 of the body>:          (RFC 9530; empty body too)
//! Signature-Input: axis=("@method" "@path" "@query" "content-digest");created=<unix s>;
//!                  keyid="<agency id>";alg="ecdsa-p256-sha256"|"rsa-v1_5-sha256";nonce="<random>"
//! Signature: axis=:<base64 of the signature>:
//! ```
//!
//! The signature base is RFC 9421's (§2.5): one line per component, `"name": value`, then
//! `"@signature-params": <the inner list as sent>`, joined by LF. ECDSA signatures are the
//! fixed-width `r‖s` (64 bytes) RFC 9421 §3.3.4 asks for. A request whose `created` is more than
//! [`MAX_SKEW_SECS`] from the axis clock is stale; the same signature seen twice is a replay
//! (the transport keeps each one [`REPLAY_TTL_MS`]). This module has no I/O: it parses, builds
//! the base, signs and verifies; `http::auth` looks the agency up and remembers signatures.
//! See docs/documents.md for why signed requests rather than mutual TLS.

use base64::Engine as _;
use ring::signature;

use crate::model::agency::AgencyId;
use crate::xmldsig::{self, Signer};

/// The label of the signature (`Signature-Input: axis=…`).
pub const LABEL: &str = "axis";
/// The covered components, in this order.
pub const COMPONENTS: [&str; 4] = ["@method", "@path", "@query", "content-digest"];
/// How far `created` may be from the axis clock, either way.
pub const MAX_SKEW_SECS: i64 = 300;
/// How long a seen signature is remembered (twice the skew: a replay cannot outlive it).
pub const REPLAY_TTL_MS: i64 = 2 * MAX_SKEW_SECS * 1000;
pub const ALG_ECDSA: &str = "ecdsa-p256-sha256";
pub const ALG_RSA: &str = "rsa-v1_5-sha256";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Why a request's signature was not accepted (each a stable code, `axis_api.<code>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the request is not signed")]
    Missing,
    #[error("the signature headers are malformed: {0}")]
    Malformed(String),
    #[error("the signature does not cover the required components")]
    Components,
    #[error("unsupported signature algorithm {0}")]
    Algorithm(String),
    #[error("the request was signed at {created}, more than {MAX_SKEW_SECS} s from now ({now})")]
    Stale { created: i64, now: i64 },
    #[error("the Content-Digest header is missing or malformed")]
    Digest,
    #[error("the body does not match its Content-Digest")]
    DigestMismatch,
    #[error("the signature does not verify with the agency's certificate")]
    Invalid,
}

impl AuthError {
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "signature_required",
            AuthError::Malformed(_) => "signature_malformed",
            AuthError::Components => "signature_components",
            AuthError::Algorithm(_) => "signature_algorithm",
            AuthError::Stale { .. } => "signature_stale",
            AuthError::Digest => "content_digest_invalid",
            AuthError::DigestMismatch => "content_digest_mismatch",
            AuthError::Invalid => "signature_invalid",
        }
    }
}

/// The parts of a request the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The query without `?` (empty when there is none).
    pub query: &'a str,
}

/// A parsed `Signature-Input` with its `Signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureInput {
    /// The agency that signs (`keyid`).
    pub agency: AgencyId,
    pub created: i64,
    pub alg: String,
    pub nonce: Option<String>,
    /// The inner list and its parameters as sent (the last line of the signature base).
    pub params: String,
    pub signature: Vec<u8>,
    /// The `Content-Digest` value the signature covers, and the SHA-256 it names.
    pub content_digest: String,
    pub sha256: Vec<u8>,
}

/// `sha-256=:<base64>:` of `body`.
pub fn content_digest(body: &[u8]) -> String {
    digest_header(ring::digest::digest(&ring::digest::SHA256, body).as_ref())
}

/// `sha-256=:<base64>:` of a SHA-256 already computed.
pub fn digest_header(sha256: &[u8]) -> String {
    format!("sha-256=:{}:", B64.encode(sha256))
}

/// The SHA-256 a `Content-Digest` header names (other algorithms in it are ignored).
fn parse_digest(header: &str) -> Result<Vec<u8>, AuthError> {
    for item in header.split(',') {
        let Some((alg, value)) = item.trim().split_once('=') else {
            continue;
        };
        if alg.trim() == "sha-256" {
            let v = value.trim();
            let inner = v
                .strip_prefix(':')
                .and_then(|v| v.strip_suffix(':'))
                .ok_or(AuthError::Digest)?;
            let bytes = B64.decode(inner).map_err(|_| AuthError::Digest)?;
            return if bytes.len() == 32 {
                Ok(bytes)
            } else {
                Err(AuthError::Digest)
            };
        }
    }
    Err(AuthError::Digest)
}

/// Read the three headers (`Signature-Input`, `Signature`, `Content-Digest`) and check their
/// shape and time (`now`, Unix seconds). The signature itself is checked by [`verify`].
pub fn parse(
    signature_input: Option<&str>,
    signature: Option<&str>,
    content_digest: Option<&str>,
    now: i64,
) -> Result<SignatureInput, AuthError> {
    let (Some(input), Some(sig)) = (signature_input, signature) else {
        return Err(AuthError::Missing);
    };
    let bad = |m: &str| AuthError::Malformed(m.to_owned());
    let params = input
        .trim()
        .strip_prefix(LABEL)
        .and_then(|s| s.strip_prefix('='))
        .ok_or_else(|| bad("Signature-Input has no “axis” signature"))?
        .to_owned();
    let list_end = params
        .find(')')
        .filter(|_| params.starts_with('('))
        .ok_or_else(|| bad("the component list is not an inner list"))?;
    let components: Vec<&str> = params[1..list_end].split_whitespace().collect();
    let want: Vec<String> = COMPONENTS.iter().map(|c| format!("\"{c}\"")).collect();
    if components != want {
        return Err(AuthError::Components);
    }
    let (mut created, mut keyid, mut alg, mut nonce) = (None, None, None, None);
    for p in params[list_end + 1..].split(';').filter(|p| !p.is_empty()) {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| bad("a parameter has no value"))?;
        let quoted = || {
            v.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .filter(|v| !v.contains(['"', '\\']))
                .map(str::to_owned)
                .ok_or_else(|| bad("a string parameter is not quoted"))
        };
        match k {
            "created" => created = Some(v.parse::<i64>().map_err(|_| bad("created"))?),
            "keyid" => keyid = Some(quoted()?),
            "alg" => alg = Some(quoted()?),
            "nonce" => nonce = Some(quoted()?),
            // Other parameters (expires, tag) are covered by the signature and otherwise ignored.
            _ => {}
        }
    }
    let created = created.ok_or_else(|| bad("created is missing"))?;
    let keyid = keyid.ok_or_else(|| bad("keyid is missing"))?;
    let alg = alg.ok_or_else(|| bad("alg is missing"))?;
    if alg != ALG_ECDSA && alg != ALG_RSA {
        return Err(AuthError::Algorithm(alg));
    }
    let agency = AgencyId::parse(&keyid).map_err(|_| bad("keyid is not an agency identifier"))?;
    if (created - now).abs() > MAX_SKEW_SECS {
        return Err(AuthError::Stale { created, now });
    }
    let value = sig
        .trim()
        .strip_prefix(LABEL)
        .and_then(|s| s.strip_prefix("=:"))
        .and_then(|s| s.strip_suffix(':'))
        .ok_or_else(|| bad("Signature has no “axis” value"))?;
    let signature = B64
        .decode(value)
        .map_err(|_| bad("the signature is not base64"))?;
    let content_digest = content_digest.ok_or(AuthError::Digest)?.trim().to_owned();
    let sha256 = parse_digest(&content_digest)?;
    Ok(SignatureInput {
        agency,
        created,
        alg,
        nonce,
        params,
        signature,
        content_digest,
        sha256,
    })
}

/// The signature base (RFC 9421 §2.5) of a request.
pub fn base(target: Target<'_>, content_digest: &str, params: &str) -> String {
    format!(
        "\"@method\": {}\n\"@path\": {}\n\"@query\": ?{}\n\"content-digest\": {}\n\"@signature-params\": {}",
        target.method.to_ascii_uppercase(),
        target.path,
        target.query,
        content_digest,
        params
    )
}

/// Check the signature of a parsed request against the agency's certificate (DER).
pub fn verify(
    input: &SignatureInput,
    target: Target<'_>,
    certificate: &[u8],
) -> Result<(), AuthError> {
    let (kind, key, _) = xmldsig::certificate_key(certificate).map_err(|_| AuthError::Invalid)?;
    let alg: &dyn signature::VerificationAlgorithm = match (kind.as_str(), input.alg.as_str()) {
        ("ec", ALG_ECDSA) => &signature::ECDSA_P256_SHA256_FIXED,
        ("rsa", ALG_RSA) => &signature::RSA_PKCS1_2048_8192_SHA256,
        _ => return Err(AuthError::Algorithm(input.alg.clone())),
    };
    let msg = base(target, &input.content_digest, &input.params);
    signature::UnparsedPublicKey::new(alg, &key)
        .verify(msg.as_bytes(), &input.signature)
        .map_err(|_| AuthError::Invalid)
}

/// The three headers signing a request of `agency` with `signer` at `created` (Unix seconds).
pub fn sign(
    signer: &Signer,
    agency: &str,
    target: Target<'_>,
    body_sha256: &[u8],
    created: i64,
) -> Result<Vec<(&'static str, String)>, xmldsig::SignatureError> {
    let alg = if signer.method() == xmldsig::RSA_SHA256 {
        ALG_RSA
    } else {
        ALG_ECDSA
    };
    let nonce = hex::encode(random_bytes());
    let list: Vec<String> = COMPONENTS.iter().map(|c| format!("\"{c}\"")).collect();
    let params = format!(
        "({});created={created};keyid=\"{agency}\";alg=\"{alg}\";nonce=\"{nonce}\"",
        list.join(" ")
    );
    let digest = digest_header(body_sha256);
    let sig = signer.sign_bytes(base(target, &digest, &params).as_bytes())?;
    Ok(vec![
        ("content-digest", digest),
        ("signature-input", format!("{LABEL}={params}")),
        ("signature", format!("{LABEL}=:{}:", B64.encode(sig))),
    ])
}

fn random_bytes() -> [u8; 16] {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    let _ = ring::rand::SystemRandom::new().fill(&mut b);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    const EC_KEY: &[u8] = include_bytes!("../tests/data/keys/ec.key.der");
    const EC_CRT: &[u8] = include_bytes!("../tests/data/keys/ec.crt.der");
    const RSA_KEY: &[u8] = include_bytes!("../tests/data/keys/rsa.key.der");
    const RSA_CRT: &[u8] = include_bytes!("../tests/data/keys/rsa.crt.der");

    fn target() -> Target<'static> {
        Target {
            method: "POST",
            path: "/api/v1/axis/packages",
            query: "",
        }
    }

    fn signed(key: &[u8], crt: &[u8], body: &[u8], at: i64) -> Vec<(&'static str, String)> {
        let s = Signer::from_pkcs8(key, crt).unwrap();
        let sha = ring::digest::digest(&ring::digest::SHA256, body);
        sign(&s, "G22", target(), sha.as_ref(), at).unwrap()
    }

    fn parsed(h: &[(&str, String)], now: i64) -> Result<SignatureInput, AuthError> {
        let get = |n: &str| h.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        parse(
            get("signature-input"),
            get("signature"),
            get("content-digest"),
            now,
        )
    }

    #[test]
    fn a_signed_request_verifies_with_its_certificate_only() {
        for (key, crt, other) in [(EC_KEY, EC_CRT, RSA_CRT), (RSA_KEY, RSA_CRT, EC_CRT)] {
            let h = signed(key, crt, b"<edXML/>", 1_000_000);
            let p = parsed(&h, 1_000_100).unwrap();
            assert_eq!(p.agency.short(), "G22");
            assert_eq!(
                p.sha256,
                ring::digest::digest(&ring::digest::SHA256, b"<edXML/>").as_ref()
            );
            verify(&p, target(), crt).unwrap();
            assert!(verify(&p, target(), other).is_err());
            // Another path, method or query is another request.
            let t = Target {
                path: "/api/v1/axis/statuses",
                ..target()
            };
            assert_eq!(verify(&p, t, crt), Err(AuthError::Invalid));
            let t = Target {
                query: "limit=1",
                ..target()
            };
            assert_eq!(verify(&p, t, crt), Err(AuthError::Invalid));
        }
    }

    #[test]
    fn stale_missing_and_malformed_signatures_are_refused() {
        let h = signed(EC_KEY, EC_CRT, b"", 1_000_000);
        assert!(matches!(
            parsed(&h, 1_000_301),
            Err(AuthError::Stale { .. })
        ));
        assert!(matches!(parsed(&h, 999_699), Err(AuthError::Stale { .. })));
        assert!(parsed(&h, 999_700).is_ok());
        assert_eq!(parse(None, None, None, 0), Err(AuthError::Missing));
        let mut fewer = h.clone();
        fewer[1].1 = fewer[1].1.replace(" \"content-digest\"", "");
        assert_eq!(parsed(&fewer, 1_000_000), Err(AuthError::Components));
        let mut no_digest = h.clone();
        no_digest[0].1 = "sha-512=:AAAA:".into();
        assert_eq!(parsed(&no_digest, 1_000_000), Err(AuthError::Digest));
        let mut alg = h;
        alg[1].1 = alg[1].1.replace(ALG_ECDSA, "hmac-sha256");
        assert!(matches!(
            parsed(&alg, 1_000_000),
            Err(AuthError::Algorithm(_))
        ));
    }
}
