//! The Government Reporting Information System (Hệ thống thông tin báo cáo Chính phủ):
//! indicators, reporting periods and their cut-off windows, submissions with an approval workflow,
//! validation, and national aggregates computed fresh from the values.
#![forbid(unsafe_code)]

pub mod api;
pub mod catalogue;
pub mod catalogue_api;
pub mod catalogue_io;
pub mod data;
pub mod demo;
pub mod dhis2;
pub mod engine;
pub mod excel;
pub mod http;
pub mod model;
pub mod reference;
pub mod sdmx;
pub mod series;
pub mod store;
pub mod targets;
pub mod templates;

use axum::Router;
use platform::db::{Db, DbResult};
use platform::identity::access::Target;
use platform::web::AppState;
use registry::store::Unit;

pub use model::period::Period;

/// The reporting routes: JSON API and pages.
pub fn router() -> Router<AppState> {
    api::router()
        .merge(http::bulk::router())
        .merge(catalogue_api::router())
        .merge(dhis2::router())
        .merge(excel::router())
        .merge(http::pages::router())
        .merge(sdmx::router())
}

/// The permission target of a unit: the unit and its ancestors.
/// May `principal` read national aggregates of every indicator in `indicators`? Public indicators'
/// national totals are open data. Those of internal indicators are for officials holding a grant
/// of national scope (any role: every role may view data): a province's or a ministry's officials
/// read their own units' and reports' figures, not the whole country's. Refused with 401 without
/// a complete sign-in, 403 `internal_national_only` naming the indicators otherwise.
pub fn may_view_national(
    principal: Option<&platform::web::Principal>,
    ind: &catalogue::Indicator,
) -> bool {
    ind.is_public
        || principal.is_some_and(|p| {
            p.is_complete()
                && p.allowed(
                    platform::identity::access::Permission::ViewData,
                    &Target::national(),
                )
        })
}

/// [`may_view_national`] for every indicator of a request, or the error that refuses it.
pub fn require_national_view(
    principal: Option<&platform::web::Principal>,
    indicators: &[catalogue::Indicator],
) -> platform::error::AppResult<()> {
    let hidden: Vec<&str> = indicators
        .iter()
        .filter(|i| !may_view_national(principal, i))
        .map(|i| i.code.as_str())
        .collect();
    if hidden.is_empty() {
        return Ok(());
    }
    if principal.is_none_or(|p| !p.is_complete()) {
        return Err(platform::error::AppError::unauthenticated());
    }
    Err(platform::error::AppError::new(
        axum::http::StatusCode::FORBIDDEN,
        platform::error::Problem::new("internal_national_only").arg("codes", hidden.join(", ")),
    ))
}

pub async fn unit_target(db: &Db, unit: &Unit) -> DbResult<Target> {
    Ok(Target {
        national: false,
        agency: None,
        units: registry::store::chain(db, unit.id).await?,
    })
}

/// The permission targets of several units at once (see [`unit_target`]).
pub async fn unit_targets(
    db: &Db,
    unit_ids: &[i64],
) -> DbResult<std::collections::HashMap<i64, Target>> {
    Ok(registry::store::chains(db, unit_ids)
        .await?
        .into_iter()
        .map(|(id, units)| {
            (
                id,
                Target {
                    national: false,
                    agency: None,
                    units,
                },
            )
        })
        .collect())
}

/// The province-level unit bearing `code` during `period` (codes are reused across the 2025
/// reorganisation, so the period decides which unit is meant).
pub async fn unit_for_period(db: &Db, code: &str, period: &Period) -> DbResult<Option<Unit>> {
    let (_, last) = period.calendar();
    registry::store::unit_by_code(db, code, registry::Day(last)).await
}

/// The province-level units valid at the end of `period` (the units due to report for it).
pub async fn provinces_in(db: &Db, period: &Period) -> DbResult<Vec<Unit>> {
    let (_, last) = period.calendar();
    let query = registry::store::UnitQuery {
        level: Some(registry::Level::Province),
        valid_on: Some(registry::Day(last)),
        limit: 1000,
        ..Default::default()
    };
    Ok(registry::store::list_units(db, &query).await?.0)
}

/// The latest monthly period whose data cut-off has passed (the report now due or just due).
pub fn latest_due_month() -> Period {
    Period::month_containing_cutoff(registry::Day::today().0).previous()
}
