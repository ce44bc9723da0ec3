//! The agency's registers over HTTP (pages).

use axum::Router;
use platform::web::AppState;

/// The registers' pages.
pub fn router() -> Router<AppState> {
    Router::new()
}
