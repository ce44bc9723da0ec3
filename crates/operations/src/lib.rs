//! The Government's Information, Direction and Operations Center (Trung tâm Thông tin, Chỉ đạo,
//! điều hành của Chính phủ): what the Prime Minister's office sees on its video wall and leaders
//! read each morning. It reads indicator data only through reporting's query API
//! (`reporting::query`) and keeps what it composes in the node's read cache, so many walls and
//! readers cost one computation per data version.
#![forbid(unsafe_code)]

pub mod demo;
pub mod engine;
pub mod http;
pub mod model;
pub mod query;
pub mod store;
pub mod streams;

use axum::Router;
use platform::web::AppState;

/// The operations center's routes: pages and JSON API.
pub fn router() -> Router<AppState> {
    http::api().split_for_parts().0.merge(http::pages())
}

/// The OpenAPI entries of the operations center's JSON API (the binary merges every crate's).
pub fn openapi() -> utoipa::openapi::OpenApi {
    http::api().into_openapi()
}
