//! The report a page or a request addresses — `/reporting/{unit}/{period}?template=CODE` —
//! resolved once: the template (the monthly provincial report by default), the period (of the
//! template's kind), the unit bearing the code during that period, and the permission target,
//! which the caller must be allowed to view.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::{Permission, Target};
use platform::web::{AppState, Auth, Path, Query};
use serde::Deserialize;

use crate::model::period::Period;
use crate::model::template::Template;

/// A report addressed by its unit code, period id and template, with the signed-in caller.
pub struct ReportAt {
    pub auth: Auth,
    pub unit: registry::store::Unit,
    pub period: Period,
    pub template: Template,
    /// The report's permission target (its unit and ancestors, or its ministry).
    pub target: Target,
}

#[derive(Deserialize)]
struct TemplateQuery {
    template: Option<String>,
}

/// A period id as sent (empty: the latest month now due), or `period_invalid`.
pub fn parse_period(s: Option<&str>) -> AppResult<Period> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(crate::model::calendar::latest_due_month(
            registry::Day::today().0,
        )),
        Some(s) => Period::parse(s).map_err(|_| {
            AppError::invalid(
                Problem::new("period_invalid")
                    .field("period")
                    .arg("value", s),
            )
        }),
    }
}

impl ReportAt {
    /// Resolve the report and require that `auth` may view it: `period_invalid`,
    /// `template_unknown`, `period_kind_mismatch` (422), an unknown unit (404), 403.
    pub async fn resolve(
        state: &AppState,
        auth: Auth,
        unit_code: &str,
        period_id: &str,
        template: Option<&str>,
    ) -> AppResult<ReportAt> {
        let period = parse_period(Some(period_id))?;
        let template = crate::http::templates::resolve(&state.db, template, "template").await?;
        template.check_period(&period).map_err(AppError::invalid)?;
        let unit = crate::store::units::unit_for(&state.db, &template, unit_code, &period)
            .await?
            .ok_or_else(AppError::not_found)?;
        let target = crate::store::units::target(&state.db, &template, &unit).await?;
        auth.require(Permission::ViewData, &target)?;
        Ok(ReportAt {
            auth,
            unit,
            period,
            template,
            target,
        })
    }
}

/// From the path `/{unit}/{period}` and `?template=`, after signing in.
impl FromRequestParts<AppState> for ReportAt {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let auth = Auth::from_request_parts(parts, state).await?;
        let Path((unit, period)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Query(q) = Query::<TemplateQuery>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        ReportAt::resolve(state, auth, &unit, &period, q.template.as_deref())
            .await
            .map_err(IntoResponse::into_response)
    }
}
