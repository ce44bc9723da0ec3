//! The HTTP edge: one file per resource or action — handlers, request and response types, pages —
//! mapping domain, engine and query errors to status codes, form fields and the JSON error
//! envelope ([`errors`]).

pub mod access;
pub mod bulk;
pub mod catalogue;
pub mod data;
pub mod dhis2;
pub mod dhis2_import;
pub mod download;
pub mod errors;
pub mod excel;
pub mod indicators;
pub(crate) mod pages;
pub mod report;
pub mod save;
pub mod sdmx;
pub mod targets;
pub mod templates;

/// The JSON API of reporting: every route registered with its OpenAPI entry, so the document
/// cannot miss a route or describe one that is not served.
pub fn api() -> utoipa_axum::router::OpenApiRouter<platform::web::AppState> {
    data::api()
        .merge(indicators::api())
        .merge(catalogue::api())
        .merge(targets::api())
        .merge(bulk::api())
        .merge(dhis2::api())
}
