//! Request body limits: one per route, in one table ([`ROUTES`], the same table as in
//! docs/API-DESIGN.md), answered like every other error — 413 `payload_too_large` in the JSON
//! envelope (or the HTML error page), in the request's language, with the security headers.
//!
//! The middleware sits inside the request-context middleware, so its answers are rendered and
//! get the headers. A `Content-Length` above the route's limit is refused before the body is
//! read; a body without one (chunked) is cut at the limit by axum's extractors, told the limit
//! through [`axum::extract::DefaultBodyLimit`], and their plain-text 413 is replaced here by
//! the envelope. Text fields have their own maximum lengths ([`MAX_TEXT_CHARS`]).

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::{Layer, ServiceExt};

use crate::error::{AppError, PendingError, Problem};

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

/// The limit of every route not listed in [`ROUTES`]: forms, queries, sign-in.
pub const DEFAULT_LIMIT: usize = 64 * KIB;

/// Routes that take more than [`DEFAULT_LIMIT`]: method, route template, bytes.
pub const ROUTES: &[(&str, &str, usize)] = &[
    // Many reports at once: a year of a 200-indicator report for every province is ~12 MB.
    ("POST", "/api/v1/data/bulk", 64 * MIB),
    // A DHIS2 data value set (JSON or CSV), one transaction.
    ("POST", "/api/dataValueSets", 16 * MIB),
    ("POST", "/api/{version}/dataValueSets", 16 * MIB),
    // One report: ~200 values, each with an explanation of at most 2,000 characters.
    ("POST", "/api/v1/data/batch", 4 * MIB),
    ("POST", "/reporting/{unit}/{period}", 4 * MIB),
    // Files: the catalogue, targets, a report's workbook (multipart for the pages).
    ("POST", "/api/v1/indicators/import", 8 * MIB),
    ("POST", "/api/v1/targets/import", 8 * MIB),
    ("POST", "/reporting/catalogue/import", 8 * MIB),
    ("POST", "/reporting/{unit}/{period}/upload", 8 * MIB),
    // An edXML package sent to the document axis (50 MB was seen as the gateway limit), and a
    // status package; `axis_max_package_mib` may lower the first.
    ("POST", "/api/v1/axis/packages", 64 * MIB),
    ("POST", "/api/v1/axis/statuses", 64 * MIB),
    // A register entry's attachment: at most 20 MiB (documents::model::register::ATTACHMENT_MAX).
    ("POST", "/documents/outgoing/{id}/upload", 21 * MIB),
    ("POST", "/documents/incoming/{id}/upload", 21 * MIB),
    // The public service portal's catalogue: a file of procedures (services::engine::exchange),
    // and one procedure's draft (its form definition is at most 2 × 64 KiB).
    ("POST", "/api/v1/services/procedures/import", 32 * MIB),
    ("PUT", "/api/v1/services/procedures/{code}/draft", MIB),
    // A scanned paper the applicant attaches: at most 10 MiB (services::http::my::MAX_PAPER_BYTES).
    ("POST", "/services/my/{id}/papers", 11 * MIB),
    // The result document the desk returns: at most 20 MiB (services::http::desk_dossier).
    ("POST", "/services/desk/{id}/return", 21 * MIB),
    // The e-Cabinet: a paper of an opinion form or an agenda item, at most 20 MiB
    // (cabinet::engine::forms::MAX_PAPER_BYTES); texts of up to 20,000 characters (a question, a
    // draft, a conclusion, minutes: cabinet::engine::MAX_TEXT); an answer or a ballot with its
    // passkey assertion (at most 16 KiB) and an opinion of up to 4,000 characters.
    ("POST", "/cabinet/forms/{id}/papers", 21 * MIB),
    (
        "POST",
        "/cabinet/sessions/{id}/items/{item}/papers",
        21 * MIB,
    ),
    ("POST", "/cabinet/bodies/{code}/forms", MIB),
    ("POST", "/cabinet/forms/{id}/conclude", MIB),
    ("POST", "/cabinet/sessions/{id}/drafts", MIB),
    ("POST", "/cabinet/sessions/{id}/close", MIB),
    ("POST", "/cabinet/forms/{id}/answer", 256 * KIB),
    ("POST", "/cabinet/polls/{id}/vote", 256 * KIB),
    ("POST", "/cabinet/passkeys/finish", 256 * KIB),
    // A paper's form file: at most 10 MiB (services::engine::catalogue::MAX_FORM_FILE).
    (
        "POST",
        "/api/v1/services/procedures/{code}/papers/{paper}/form-file",
        11 * MIB,
    ),
];

/// The longest explanation of a value (also a DHIS2 `comment`) and the longest reason for a
/// correction or a return, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;

/// The body limit of the request's route, in its extensions (for code that reads the body itself).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// The body limit of a route (its template, e.g. `/api/v1/data/bulk`).
pub fn limit_for(method: &Method, route: &str) -> usize {
    ROUTES
        .iter()
        .find(|(m, r, _)| *m == method.as_str() && *r == route)
        .map(|(_, _, n)| *n)
        .unwrap_or(DEFAULT_LIMIT)
}

/// `64 MiB`, `64 KiB`, `512 bytes`.
pub fn human(bytes: usize) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// 413 `payload_too_large`, naming the limit.
pub fn too_large(limit: usize) -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        Problem::new("payload_too_large").arg("limit", human(limit)),
    )
}

/// A text field longer than allowed: 422 `text_too_long` naming the field and the maximum.
pub fn check_text(field: &str, text: Option<&str>, max: usize) -> Result<(), Problem> {
    match text {
        Some(t) if t.chars().count() > max => Err(Problem::new("text_too_long")
            .field(field)
            .arg("field", field)
            .arg("max", max)
            .arg("length", t.chars().count())),
        _ => Ok(()),
    }
}

/// The middleware: the route's limit, before and while the body is read.
pub async fn body_limit(req: Request, next: Next) -> Response {
    let limit = limit_for(req.method(), &super::route_of(&req));
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit).into_response();
    }
    // Extractors learn the limit from DefaultBodyLimit; code that reads the body itself (the
    // CSRF form) finds it in the extensions.
    let mut req = req;
    req.extensions_mut().insert(BodyLimit(limit));
    let res = match DefaultBodyLimit::max(limit).layer(next).oneshot(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    };
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE
        && res.extensions().get::<PendingError>().is_none()
    {
        // An extractor's plain-text answer to a body cut at the limit.
        return too_large(limit).into_response();
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_one_limit() {
        assert_eq!(limit_for(&Method::POST, "/api/v1/data/bulk"), 64 * MIB);
        assert_eq!(limit_for(&Method::GET, "/api/v1/data/bulk"), DEFAULT_LIMIT);
        assert_eq!(limit_for(&Method::POST, "/login"), DEFAULT_LIMIT);
        let mut seen = std::collections::HashSet::new();
        for (m, r, _) in ROUTES {
            assert!(seen.insert((m, r)), "{m} {r} listed twice");
        }
        assert_eq!(human(64 * MIB), "64 MiB");
        assert_eq!(human(64 * KIB), "64 KiB");
    }

    #[test]
    fn the_documented_table_is_the_code_table() {
        let doc = include_str!("../../../../docs/API-DESIGN.md");
        for (m, r, n) in ROUTES {
            let row = format!("| `{m} {r}` | {} |", human(*n));
            assert!(doc.contains(&row), "docs/API-DESIGN.md lacks the row {row}");
        }
        let row = format!("| any other route | {} |", human(DEFAULT_LIMIT));
        assert!(doc.contains(&row), "docs/API-DESIGN.md lacks the row {row}");
    }

    #[test]
    fn long_text_is_refused_naming_the_field() {
        assert!(check_text("e_CPI", Some(&"x".repeat(2_000)), MAX_TEXT_CHARS).is_ok());
        let p = check_text("e_CPI", Some(&"ữ".repeat(2_001)), MAX_TEXT_CHARS).unwrap_err();
        assert_eq!(p.code, "text_too_long");
        assert_eq!(p.field.as_deref(), Some("e_CPI"));
    }
}
