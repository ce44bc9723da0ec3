//! JSON API of the registry: `/api/v1/units`, `/api/v1/units/{code}`, `/api/v1/agencies`.
//! Public reference data: no sign-in needed. Shapes follow docs/API-DESIGN.md.

use axum::Router;
use axum::extract::State;
use platform::error::{AppError, AppResult, Problem};
use platform::web::AppState;
use platform::web::{Json, Path, Query};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::model::{Day, Level};
use crate::store::{self, Agency, Link, Unit, UnitQuery};

/// The JSON API: each route registered with its OpenAPI entry (`#[utoipa::path]` below), so
/// the document cannot miss a route or describe one that is not served.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_units))
        .routes(routes!(get_unit))
        .routes(routes!(list_agencies))
}

pub fn router() -> Router<AppState> {
    api().split_for_parts().0
}

/// Query parameters of `GET /api/v1/units`. All optional; bad values give a 422 naming the field.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitsParams {
    /// province, district or commune.
    #[param(value_type = Option<Level>)]
    pub level: Option<String>,
    /// Only units valid on this date (YYYY-MM-DD). Default: today.
    #[param(value_type = Option<String>, format = Date)]
    pub valid_on: Option<String>,
    /// Name (diacritics and case ignored) or exact code.
    pub q: Option<String>,
    /// Only units directly under the unit with this code (resolved on `valid_on`).
    pub parent: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// Items to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub offset: Option<String>,
}

/// Paging and context of a collection.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListMeta {
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    /// The date the collection is valid on.
    pub valid_on: String,
}

/// A page of units.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitList {
    pub items: Vec<Unit>,
    pub meta: ListMeta,
}

/// A unit with its place in the hierarchy and its history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitDetail {
    #[serde(flatten)]
    pub unit: Unit,
    pub parent: Option<Unit>,
    /// Units directly under it, valid on the same date.
    pub children: Vec<Unit>,
    /// Units it was formed from (lineage edges into it).
    pub predecessors: Vec<Link>,
    /// Units it became (lineage edges out of it).
    pub successors: Vec<Link>,
    /// Following the lineage forward: the units valid today that carry it on.
    pub current_successors: Vec<Unit>,
}

pub(crate) fn parse_day(v: Option<&str>, field: &'static str) -> AppResult<Day> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Day::today()),
        Some(s) => Day::parse(s).ok_or_else(|| {
            AppError::invalid(Problem::new("date_invalid").field(field).arg("value", s))
        }),
    }
}

// The values of `AGENCY_KINDS`, for the OpenAPI document.
/// The kind of agency.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // describes the `kind` parameter; never built
pub enum AgencyKind {
    Ministry,
    MinistryLevel,
    GovernmentAgency,
    ProvincialCommittee,
}

/// The kinds of agency.
pub const AGENCY_KINDS: [&str; 4] = [
    "ministry",
    "ministry_level",
    "government_agency",
    "provincial_committee",
];

pub(crate) fn parse_agency_kind(v: Option<&str>) -> AppResult<()> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(k) if !AGENCY_KINDS.contains(&k) => Err(AppError::invalid(
            Problem::new("agency_kind_invalid")
                .field("kind")
                .arg("value", k),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn parse_level(v: Option<&str>) -> AppResult<Option<Level>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Level::parse(s).map(Some).ok_or_else(|| {
            AppError::invalid(Problem::new("level_invalid").field("level").arg("value", s))
        }),
    }
}

fn parse_limit(v: Option<&str>) -> AppResult<i64> {
    const MAX: i64 = 1000;
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(100),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX).contains(n))
            .ok_or_else(|| {
                AppError::invalid(Problem::new("limit_invalid").field("limit").arg("max", MAX))
            }),
    }
}

fn parse_offset(v: Option<&str>) -> AppResult<i64> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(0),
        Some(s) => s.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            AppError::invalid(
                Problem::new("offset_invalid")
                    .field("offset")
                    .arg("value", s),
            )
        }),
    }
}

/// Build the store query from API parameters.
pub(crate) async fn unit_query(state: &AppState, p: &UnitsParams) -> AppResult<UnitQuery> {
    let day = parse_day(p.valid_on.as_deref(), "valid_on")?;
    let level = parse_level(p.level.as_deref())?;
    let limit = parse_limit(p.limit.as_deref())?;
    let offset = parse_offset(p.offset.as_deref())?;
    let parent_id = match p.parent.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => Some(
            store::unit_by_code(&state.db, code, day)
                .await?
                .ok_or_else(|| {
                    AppError::invalid(
                        Problem::new("scope_not_found")
                            .field("parent")
                            .arg("code", code),
                    )
                })?
                .id,
        ),
    };
    Ok(UnitQuery {
        level,
        valid_on: Some(day),
        q: p.q.clone(),
        parent_id,
        limit,
        offset,
    })
}

/// List administrative units valid on a date, by level, name or parent.
#[utoipa::path(get, path = "/api/v1/units", tag = "registry", operation_id = "list_units",
    params(UnitsParams),
    responses((status = 200, description = "A page of units", body = UnitList),
              (status = 422, description = "A parameter is invalid", body = platform::error::ErrorEnvelope)))]
pub async fn list_units(
    State(state): State<AppState>,
    Query(p): Query<UnitsParams>,
) -> AppResult<Json<UnitList>> {
    let q = unit_query(&state, &p).await?;
    let (items, total) = store::list_units(&state.db, &q).await?;
    Ok(Json(UnitList {
        items,
        meta: ListMeta {
            total,
            limit: q.limit,
            offset: q.offset,
            valid_on: q.valid_on.unwrap_or_else(Day::today).iso(),
        },
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitParams {
    /// Resolve the code on this date (YYYY-MM-DD; codes are reused over time). Default: today.
    #[param(value_type = Option<String>, format = Date)]
    pub valid_on: Option<String>,
}

/// Load a unit with parent, children and lineage.
pub(crate) async fn unit_detail(state: &AppState, unit: Unit, day: Day) -> AppResult<UnitDetail> {
    let parent = match unit.parent_id {
        Some(p) => store::unit(&state.db, p).await?,
        None => None,
    };
    let (children, _) = store::list_units(
        &state.db,
        &UnitQuery {
            parent_id: Some(unit.id),
            valid_on: Some(day),
            limit: 5000,
            ..Default::default()
        },
    )
    .await?;
    let predecessors = store::predecessors(&state.db, unit.id).await?;
    let successors = store::successors(&state.db, unit.id).await?;
    let current_successors = if unit.valid_on(Day::today()) {
        Vec::new()
    } else {
        store::current_successors(&state.db, unit.id, Day::today()).await?
    };
    Ok(UnitDetail {
        unit,
        parent,
        children,
        predecessors,
        successors,
        current_successors,
    })
}

/// One unit by code, as it stood on a date, with parent, children, predecessors and successors.
#[utoipa::path(get, path = "/api/v1/units/{code}", tag = "registry", operation_id = "get_unit",
    params(("code" = String, Path, description = "Statistics-office code, e.g. 40 or 00070"), UnitParams),
    responses((status = 200, description = "The unit", body = UnitDetail),
              (status = 404, description = "No unit bore this code on that date", body = platform::error::ErrorEnvelope),
              (status = 422, description = "A parameter is invalid", body = platform::error::ErrorEnvelope)))]
pub async fn get_unit(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(p): Query<UnitParams>,
) -> AppResult<Json<UnitDetail>> {
    let day = parse_day(p.valid_on.as_deref(), "valid_on")?;
    let unit = store::unit_by_code(&state.db, &code, day)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Json(unit_detail(&state, unit, day).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgenciesParams {
    /// Only agencies valid on this date (YYYY-MM-DD). Default: today.
    #[param(value_type = Option<String>, format = Date)]
    pub valid_on: Option<String>,
    /// ministry, ministry_level, government_agency or provincial_committee.
    #[param(value_type = Option<AgencyKind>, inline)]
    pub kind: Option<String>,
    /// Name, diacritics and case ignored.
    pub q: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgencyMeta {
    pub total: i64,
    pub valid_on: String,
}

/// The agencies.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgencyList {
    pub items: Vec<Agency>,
    pub meta: AgencyMeta,
}

/// List agencies (ministries, ministry-level agencies, provincial People's Committees).
#[utoipa::path(get, path = "/api/v1/agencies", tag = "registry", operation_id = "list_agencies",
    params(AgenciesParams),
    responses((status = 200, description = "The agencies", body = AgencyList),
              (status = 422, description = "A parameter is invalid", body = platform::error::ErrorEnvelope)))]
pub async fn list_agencies(
    State(state): State<AppState>,
    Query(p): Query<AgenciesParams>,
) -> AppResult<Json<AgencyList>> {
    let day = parse_day(p.valid_on.as_deref(), "valid_on")?;
    parse_agency_kind(p.kind.as_deref())?;
    let items =
        store::list_agencies(&state.db, Some(day), p.kind.as_deref(), p.q.as_deref()).await?;
    Ok(Json(AgencyList {
        meta: AgencyMeta {
            total: items.len() as i64,
            valid_on: day.iso(),
        },
        items,
    }))
}
