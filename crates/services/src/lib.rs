//! The National Public Service Portal (Cổng Dịch vụ công quốc gia): the national database of
//! administrative procedures and their online forms, dossiers submitted online or at the one-stop
//! desk (Bộ phận Một cửa, Decrees 61/2018 and 107/2021) and processed through the statuses the
//! national exchange uses, tracking, fees and the citizens' rating. See docs/services.md.
//!
//! The crate follows the skeleton of docs/architecture.md: `model` (types and rules, no I/O),
//! `store` (every SQL statement), `engine` (the use cases, one transaction each), `query` (read
//! models other crates may call), `http` (handlers and pages).
#![forbid(unsafe_code)]

pub mod engine;
pub mod http;
pub mod model;
pub mod payment;
pub mod query;
pub mod store;

use axum::Router;
use platform::web::AppState;

/// The portal's routes: pages and JSON API.
pub fn router() -> Router<AppState> {
    http::api().split_for_parts().0.merge(http::pages())
}

/// The OpenAPI entries of the portal's JSON API (the binary merges every crate's).
pub fn openapi() -> utoipa::openapi::OpenApi {
    http::api().into_openapi()
}
