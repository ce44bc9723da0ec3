//! The e-Cabinet's pages: one file per resource; the only place that knows status codes and
//! form field names.

pub mod bodies;
pub mod common;
pub mod forms;
pub mod home;
pub mod passkeys;
pub mod polls;
pub mod sessions;

use axum::Router;
use axum::routing::{get, post};
use platform::web::AppState;

/// The pages (members, the secretariat, the chair).
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/cabinet", get(home::home))
        .route("/cabinet/passkeys", get(passkeys::page))
        .route("/cabinet/passkeys/start", post(passkeys::start))
        .route("/cabinet/passkeys/finish", post(passkeys::finish))
        .route("/cabinet/passkeys/{id}/delete", post(passkeys::delete))
        .route("/cabinet/sign-key", post(passkeys::sign_key))
        .route("/cabinet/bodies/{code}", get(bodies::page))
        .route("/cabinet/bodies/{code}/members", post(bodies::appoint))
        .route("/cabinet/bodies/{code}/members/{id}/end", post(bodies::end))
        .route("/cabinet/bodies/{code}/forms", post(bodies::new_form))
        .route("/cabinet/bodies/{code}/sessions", post(bodies::plan))
        .route("/cabinet/forms/{id}", get(forms::show))
        .route("/cabinet/forms/{id}/papers", post(forms::add_paper))
        .route("/cabinet/forms/{id}/papers/{n}", get(forms::paper))
        .route("/cabinet/forms/{id}/submit", post(forms::submit))
        .route("/cabinet/forms/{id}/issue", post(forms::issue))
        .route("/cabinet/forms/{id}/challenge", post(forms::challenge))
        .route("/cabinet/forms/{id}/answer", post(forms::answer))
        .route("/cabinet/forms/{id}/conclude", post(forms::conclude))
        .route("/cabinet/forms/{id}/synthesis", get(forms::synthesis))
        .route(
            "/cabinet/forms/{id}/synthesis.pdf",
            get(forms::synthesis_pdf),
        )
        .route("/cabinet/sessions/{id}", get(sessions::show))
        .route("/cabinet/sessions/{id}/projector", get(sessions::projector))
        .route("/cabinet/sessions/{id}/items", post(sessions::add_item))
        .route(
            "/cabinet/sessions/{id}/items/{item}/papers",
            post(sessions::add_item_paper),
        )
        .route(
            "/cabinet/sessions/{id}/items/{item}/papers/{n}",
            get(sessions::item_paper),
        )
        .route(
            "/cabinet/sessions/{id}/papers-sent",
            post(sessions::send_papers),
        )
        .route("/cabinet/sessions/{id}/marks", post(sessions::mark))
        .route(
            "/cabinet/sessions/{id}/attendance",
            post(sessions::attendance),
        )
        .route("/cabinet/sessions/{id}/open", post(sessions::open))
        .route("/cabinet/sessions/{id}/speakers", post(sessions::speaker))
        .route("/cabinet/sessions/{id}/drafts", post(sessions::draft))
        .route("/cabinet/sessions/{id}/close", post(sessions::close))
        .route("/cabinet/sessions/{id}/invitees", post(sessions::invite))
        .route("/cabinet/sessions/{id}/polls", post(polls::open))
        .route("/cabinet/polls/{id}", get(polls::show))
        .route("/cabinet/polls/{id}/close", post(polls::close))
        .route("/cabinet/polls/{id}/challenge", post(polls::challenge))
        .route("/cabinet/polls/{id}/vote", post(polls::vote))
}
