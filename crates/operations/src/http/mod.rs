//! The operations center over HTTP: the overview page (`/operations`) and its data
//! (`/api/v1/operations/overview`), both served from the node's read cache; an indicator's page
//! with the provinces' map, a province's page; alerts
//! (`/operations/alerts`) and their rules; the daily brief.

mod admin;
pub(crate) mod alerts;
mod api;
mod brief;
mod cameras;
mod charts;
mod conferences;
mod health;
mod indicator;
mod map;
mod overview;
mod province;
mod site_layer;
mod sites;
mod wall;
mod widgets;

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
        .routes(routes!(sites::list_json))
        .routes(routes!(sites::import_json))
        .routes(routes!(alerts::acknowledge_json))
        .routes(routes!(api::map))
        .routes(routes!(api::indicator))
        .routes(routes!(api::province))
        .routes(routes!(health::health_json))
}

/// The pages.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/operations", get(overview::page))
        .merge(brief::router())
        .merge(sites::router())
        .route("/operations/sites/map", get(site_layer::page))
        .merge(conferences::router())
        .route("/operations/indicators/{code}", get(indicator::page))
        .route("/operations/provinces/{code}", get(province::page))
        .route("/operations/alerts", get(alerts::page))
        .route("/operations/sites/health", get(health::page))
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
        .route("/operations/cameras", get(cameras::grid))
        .route("/operations/sites/{id}/hls/{*path}", get(cameras::relay))
        .route("/operations/wall", get(wall::wall_page))
        .route("/operations/dashboards/{id}", get(wall::dashboard_page))
        .route("/wall", get(wall::display_wall))
        .route(
            "/wall/activate",
            get(wall::activate_page).post(wall::activate),
        )
        .route("/operations/admin", get(admin::page))
        .route(
            "/operations/admin/dashboards",
            post(admin::create_dashboard),
        )
        .route(
            "/operations/admin/dashboards/{id}",
            get(admin::edit_page).post(admin::update_dashboard),
        )
        .route("/operations/admin/playlists", post(admin::create_playlist))
        .route(
            "/operations/admin/playlists/{id}",
            get(admin::playlist_page).post(admin::update_playlist),
        )
        .route("/operations/admin/displays", post(admin::create_display))
        .route(
            "/operations/admin/displays/{id}/revoke",
            post(admin::revoke_display),
        )
}
