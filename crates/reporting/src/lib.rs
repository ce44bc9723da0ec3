//! The Government Reporting Information System (Hệ thống thông tin báo cáo Chính phủ):
//! indicators, reporting periods and their cut-off windows, submissions with an approval workflow,
//! validation, and national aggregates computed fresh from the values.
#![forbid(unsafe_code)]

pub mod bulk;
pub mod demo;
pub mod dhis2;
pub mod engine;
pub mod excel;
pub mod formula;
pub mod http;
pub mod model;
mod pages;
pub mod period;
pub mod query;
pub mod reminders;
pub mod rules;
pub mod sdmx;
pub mod store;
pub mod submission;
pub mod trail;

use axum::Router;
use platform::web::AppState;

pub use period::Period;

/// The reporting routes: JSON API and pages.
pub fn router() -> Router<AppState> {
    http::data::router()
        .merge(http::indicators::router())
        .merge(bulk::router())
        .merge(http::catalogue::router())
        .merge(http::targets::router())
        .merge(http::dhis2::router())
        .merge(http::excel::router())
        .merge(pages::router())
        .merge(http::sdmx::router())
}
