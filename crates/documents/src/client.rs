//! The agency's side of the transport API: sign a request to the axis and read its answer. The
//! agency endpoint's delivery worker and the multi-process tests use it; today the tests send
//! the request through the router in process (`SignedRequest::into_http`), as no HTTP client is
//! in the platform yet.

use serde::Deserialize;

use crate::auth::{self, Target};
use crate::xmldsig::{SignatureError, Signer};

/// An agency's identity on the axis: its identifier and the key of its registered certificate.
pub struct AgencyKey {
    pub agency: String,
    signer: Signer,
}

/// A request ready to send: method, path with query, headers (the signature's three) and body.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub method: String,
    pub path_and_query: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl AgencyKey {
    /// From a PKCS#8 private key (DER; RSA or ECDSA P-256) and its certificate (DER).
    pub fn from_pkcs8(
        agency: &str,
        key: &[u8],
        certificate: &[u8],
    ) -> Result<AgencyKey, SignatureError> {
        Ok(AgencyKey {
            agency: agency.to_owned(),
            signer: Signer::from_pkcs8(key, certificate)?,
        })
    }

    /// Sign `method path_and_query` with `body`, as of now.
    pub fn request(&self, method: &str, path_and_query: &str, body: Vec<u8>) -> SignedRequest {
        self.request_at(method, path_and_query, body, platform::db::now_ms() / 1000)
    }

    /// Sign as of `created` (Unix seconds).
    pub fn request_at(
        &self,
        method: &str,
        path_and_query: &str,
        body: Vec<u8>,
        created: i64,
    ) -> SignedRequest {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let sha = ring::digest::digest(&ring::digest::SHA256, &body);
        let headers = auth::sign(
            &self.signer,
            &self.agency,
            Target {
                method,
                path,
                query,
            },
            sha.as_ref(),
            created,
        )
        .expect("a key that loaded signs");
        SignedRequest {
            method: method.to_owned(),
            path_and_query: path_and_query.to_owned(),
            headers,
            body,
        }
    }

    /// The edXML package signed with this agency's key (XML Signature, enveloped).
    pub fn sign_package(&self, xml: &[u8]) -> Result<Vec<u8>, SignatureError> {
        crate::xmldsig::sign(std::io::Cursor::new(xml), Vec::new(), &self.signer)
    }
}

impl SignedRequest {
    /// As an HTTP request (for a tower service or a hyper client), `Host` not set.
    pub fn into_http(self) -> axum::http::Request<axum::body::Body> {
        let mut b = axum::http::Request::builder()
            .method(self.method.as_str())
            .uri(self.path_and_query.as_str());
        for (k, v) in &self.headers {
            b = b.header(*k, v.as_str());
        }
        b.body(axum::body::Body::from(self.body))
            .expect("a valid request")
    }

    /// As an HTTP request to the axis at `base` (`https://truc.example.gov.vn`): the absolute
    /// URI an HTTP client needs. The signature covers the path and query only, so the same
    /// request verifies behind any host name or proxy.
    pub fn into_http_at(self, base: &str) -> axum::http::Request<axum::body::Body> {
        let uri = format!("{}{}", base.trim_end_matches('/'), self.path_and_query);
        let mut r = self.into_http();
        *r.uri_mut() = uri.parse().expect("a valid URI");
        r
    }
}

/// The axis's answer to a package (`POST /api/v1/axis/packages` or `…/statuses`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Answer {
    /// `accepted` or `rejected`.
    pub outcome: String,
    pub repeated: bool,
    pub package_id: Option<i64>,
    pub document_id: Option<String>,
    #[serde(default)]
    pub recipients: Vec<String>,
    /// `02` for a rejection.
    pub status_code: Option<String>,
    #[serde(default)]
    pub problems: Vec<AnswerProblem>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AnswerProblem {
    pub path: String,
    pub code: String,
    pub detail: String,
}

/// What an answer means for the sender.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The axis answered about the package (201 new, 200 repeated, 422 rejected).
    Outcome(Answer),
    /// The request itself was refused: the envelope's codes (401 signature, 403 agency…).
    Refused { status: u16, codes: Vec<String> },
}

/// Read the axis's answer to a package.
pub fn read_answer(status: u16, body: &[u8]) -> Reply {
    if matches!(status, 200 | 201 | 422)
        && let Ok(a) = serde_json::from_slice::<Answer>(body)
    {
        return Reply::Outcome(a);
    }
    let codes = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v["errors"].as_array().map(|e| {
                e.iter()
                    .filter_map(|i| i["code"].as_str().map(str::to_owned))
                    .collect()
            })
        })
        .unwrap_or_default();
    Reply::Refused { status, codes }
}
