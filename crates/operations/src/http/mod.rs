//! The operations center over HTTP: the overview page (`/operations`) and its data
//! (`/api/v1/operations/overview`), both served from the node's read cache; an indicator's page
//! with the provinces' map, a province's page; alerts
//! (`/operations/alerts`) and their rules; the daily brief.

pub(crate) mod alerts;
mod brief;
mod indicator;
mod map;
mod overview;
mod province;

use axum::Router;
use axum::routing::{get, post};
use platform::web::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API, each route with its OpenAPI entry.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview::overview_json))
        .routes(routes!(alerts::list_json))
}

/// The pages.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/operations", get(overview::page))
        .merge(brief::router())
        .route("/operations/indicators/{code}", get(indicator::page))
        .route("/operations/provinces/{code}", get(province::page))
        .route("/operations/alerts", get(alerts::page))
        .route(
            "/operations/alerts/{id}/acknowledge",
            post(alerts::acknowledge),
        )
        .route(
            "/operations/alerts/rules",
            get(alerts::rules_page).post(alerts::create_rule),
        )
        .route(
            "/operations/alerts/rules/{id}/active",
            post(alerts::set_active),
        )
}
