//! The portal's pages and JSON API: one file per resource; the only place that knows status
//! codes and form field names.

pub mod payments;

use axum::Router;
use axum::routing::get;
use platform::web::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API (`/api/v1/services/…`), each route registered with its OpenAPI entry.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(payments::ipn))
}

/// The pages: the public catalogue, the citizen's dossiers, the one-stop desk.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/services/payments/return", get(payments::return_page))
        .route(
            "/services/payments/reconciliation",
            get(payments::reconciliation),
        )
}
