//! The refusal of national aggregates (the decision is [`crate::model::access`]): 401 without a
//! complete sign-in, 403 `internal_national_only` naming the indicators otherwise.

use axum::http::StatusCode;
use platform::error::{AppError, AppResult, Problem};
use platform::web::Principal;

use crate::model::access::hidden_national;
use crate::model::indicator::Indicator;

pub use crate::model::access::may_view_national;

/// [`may_view_national`] for every indicator of a request, or the error that refuses it.
pub fn require_national_view(
    principal: Option<&Principal>,
    indicators: &[Indicator],
) -> AppResult<()> {
    let hidden = hidden_national(principal, indicators);
    if hidden.is_empty() {
        return Ok(());
    }
    if principal.is_none_or(|p| !p.is_complete()) {
        return Err(AppError::unauthenticated());
    }
    Err(AppError::new(
        StatusCode::FORBIDDEN,
        Problem::new("internal_national_only").arg("codes", hidden.join(", ")),
    ))
}
