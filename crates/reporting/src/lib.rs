//! The Government Reporting Information System (Hệ thống thông tin báo cáo Chính phủ):
//! indicators, reporting periods and their cut-off windows, submissions with an approval workflow,
//! validation, and national aggregates computed fresh from the values.
#![forbid(unsafe_code)]

pub mod demo;
pub mod dhis2;
pub mod engine;
pub mod excel;
pub mod http;
pub mod model;
pub mod query;
pub mod sdmx;
pub mod store;

use axum::Router;
use platform::web::AppState;

pub use model::period::Period;

/// The reporting routes: JSON API and pages.
pub fn router() -> Router<AppState> {
    http::api()
        .split_for_parts()
        .0
        .merge(http::catalogue::router())
        .merge(http::excel::router())
        .merge(http::pages::router())
        .merge(http::sdmx::router())
}

/// The OpenAPI entries of reporting's JSON API (the binary merges every crate's).
pub fn openapi() -> utoipa::openapi::OpenApi {
    http::api().into_openapi()
}
