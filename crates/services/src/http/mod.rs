//! The portal's pages and JSON API: one file per resource; the only place that knows status
//! codes and form field names.

pub mod apply;
pub mod catalogue;
pub mod catalogue_admin;
pub mod common;
pub mod desk;
pub mod desk_dossier;
pub mod lookup;
pub mod my;
pub mod payments;
pub mod procedures;
pub mod register;

use axum::Router;
use platform::web::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The JSON API (`/api/v1/services/…`), each route registered with its OpenAPI entry.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(payments::ipn))
        .routes(routes!(lookup::api))
        .routes(routes!(procedures::list))
        .routes(routes!(procedures::fields))
        .routes(routes!(procedures::export))
        .routes(routes!(procedures::import))
        .routes(routes!(procedures::one))
        .routes(routes!(procedures::versions))
        .routes(routes!(procedures::save_draft))
        .routes(routes!(procedures::publish))
        .routes(routes!(procedures::retire))
        .routes(routes!(procedures::attach_form_file))
}

/// The pages: the public catalogue, the citizen's dossiers, the one-stop desk.
pub fn pages() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route("/services/desk", get(desk::page))
        .route("/services/desk/register", get(register::register))
        .route(
            "/services/desk/new",
            get(desk_dossier::new_get).post(desk_dossier::new_post),
        )
        .route("/services/desk/{id}/receipt", post(desk_dossier::receipt))
        .route("/services/monitoring", get(register::monitoring))
        .route("/services/desk/{id}", get(desk_dossier::show))
        .route("/services/desk/{id}/act", post(desk_dossier::act))
        .route("/services/desk/{id}/apology", post(desk_dossier::apology))
        .route(
            "/services/desk/{id}/return",
            post(desk_dossier::return_result),
        )
        .route("/services/desk/{id}/files/{n}", get(desk_dossier::file))
        .route(
            "/services/desk/{id}/forms/{form}",
            get(desk_dossier::form_pdf),
        )
        .route(
            "/services/procedures/{code}/apply",
            get(apply::start_get).post(apply::start_post),
        )
        .route("/services/my", get(my::list))
        .route("/services/my/{id}", get(my::dossier))
        .route(
            "/services/my/{id}/edit",
            get(apply::edit_get).post(apply::edit_post),
        )
        .route("/services/my/{id}/review", get(apply::review_get))
        .route("/services/my/{id}/submit", post(apply::submit))
        .route("/services/my/{id}/receipt.pdf", get(apply::receipt_get))
        .route("/services/my/{id}/receipt", post(apply::receipt_post))
        .route("/services/my/{id}/papers", post(my::add_paper))
        .route("/services/my/{id}/papers-added", post(my::papers_added))
        .route("/services/my/{id}/withdraw", post(my::withdraw))
        .route("/services/my/{id}/pay", post(my::pay))
        .route("/services/my/{id}/rate", post(my::rate))
        .route("/services/my/{id}/files/{n}", get(my::file))
        .route("/services/lookup", get(lookup::page))
        .route("/services/payments/return", get(payments::return_page))
        .route(
            "/services/payments/reconciliation",
            get(payments::reconciliation),
        )
        .route("/services", get(catalogue::catalogue_page))
        .route(
            "/services/procedures/{code}",
            get(catalogue::procedure_page),
        )
        .route(
            "/services/procedures/{code}/form",
            get(catalogue::form_get).post(catalogue::form_post),
        )
        .route(
            "/services/procedures/{code}/papers/{id}/form-file",
            get(catalogue::form_file),
        )
        .route("/services/admin", get(catalogue_admin::admin_page))
        .route("/services/admin/import", post(catalogue_admin::import_form))
        .route("/services/admin/procedures", post(catalogue_admin::save))
        .route(
            "/services/admin/procedures/new",
            get(catalogue_admin::new_page),
        )
        .route(
            "/services/admin/procedures/{code}",
            get(catalogue_admin::edit_page),
        )
        .route(
            "/services/admin/procedures/{code}/publish",
            post(catalogue_admin::publish),
        )
}
