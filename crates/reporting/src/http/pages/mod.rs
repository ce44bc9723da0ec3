//! Pages of the reporting system: the national overview of the indicators (fresh totals, growth
//! versus the same period last year, completeness), the worklist of the reports awaiting the
//! signed-in official's action, the report form of a unit for a period, where reporters enter and submit and
//! approvers approve or return, and the open data page.

mod form;
mod open_data;
mod overview;
mod worklist;

use axum::Router;
use axum::routing::get;
use platform::web::AppState;

use crate::model::status::Status;
use crate::model::template::Template;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reporting", get(overview::overview))
        .route("/reporting/worklist", get(worklist::worklist_page))
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

/// The state of a report as a page shows it (a CSS key and the words): its workflow state, or
/// overdue (quá hạn) when its deadline has passed on `today` before it was submitted — for every
/// periodicity alike ([`crate::model::worklist::is_overdue`]).
pub(super) fn shown_status(
    ctx: &platform::web::Ctx,
    s: Option<Status>,
    deadline: time::Date,
    today: time::Date,
) -> (&'static str, String) {
    let key = status_key(s);
    if crate::model::worklist::is_overdue(s, deadline, today) {
        ("overdue", ctx.t(&format!("worklist.overdue_{key}")))
    } else {
        (key, ctx.t(&format!("reporting.status_{key}")))
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
