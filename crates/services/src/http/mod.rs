//! The portal's pages and JSON API: one file per resource; the only place that knows status
//! codes and form field names.

use axum::Router;
use platform::web::AppState;
use utoipa_axum::router::OpenApiRouter;

/// The JSON API (`/api/v1/services/…`), each route registered with its OpenAPI entry.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}

/// The pages: the public catalogue, the citizen's dossiers, the one-stop desk.
pub fn pages() -> Router<AppState> {
    Router::new()
}
