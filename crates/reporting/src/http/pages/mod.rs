//! Pages of the reporting system: the national overview of the indicators (fresh totals, growth
//! versus the same period last year, completeness) with the reports due to the signed-in
//! official, the report form of a unit for a period, where reporters enter and submit and
//! approvers approve or return, and the open data page.

mod form;
mod open_data;
mod overview;
mod reports_due;

use axum::Router;
use axum::routing::get;
use platform::web::AppState;

use crate::model::status::Status;
use crate::model::template::Template;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reporting", get(overview::overview))
        .route(
            "/reporting/{unit}/{period}",
            get(form::form_page).post(form::form_submit),
        )
        .route("/open-data", get(open_data::open_data))
}

/// `?template=CODE` (with `sep` first), or nothing for the default monthly provincial report.
pub(super) fn template_query(t: &Template, sep: char) -> String {
    if t.code == crate::model::template::MONTHLY_PROVINCIAL {
        String::new()
    } else {
        format!("{sep}template={}", t.code)
    }
}

pub(super) fn status_key(s: Option<Status>) -> &'static str {
    match s {
        None => "missing",
        Some(Status::Draft) => "draft",
        Some(Status::Submitted) => "submitted",
        Some(Status::Approved) => "approved",
        Some(Status::Returned) => "returned",
    }
}
