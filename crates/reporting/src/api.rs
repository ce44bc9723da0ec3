//! JSON API of the reporting system: the indicator catalogue, data queries (a unit's values or
//! national aggregates), and a batch endpoint for agencies' systems (token auth). A batch is
//! accepted whole or rejected whole; sending the same batch again changes nothing.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::Permission;
use platform::web::{AppState, Auth, Ctx};
use platform::web::{Json, Query};
use serde::{Deserialize, Serialize};

use crate::catalogue::{self, Indicator};
use crate::catalogue_io;
use crate::data;
use crate::engine::save::Entry;
use crate::http::save as submission;
use crate::model::period::Period;
use crate::model::status::Action;
use crate::templates;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/indicators", get(list_indicators))
        .route("/api/v1/data", get(query_data))
        .route("/api/v1/data/batch", post(post_batch))
}

/// The indicator catalogue.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IndicatorList {
    pub items: Vec<Indicator>,
    pub meta: serde_json::Value,
}

// For the OpenAPI document.
/// A format: `json` (default), `csv` or `xlsx`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // describes the `format` parameters; never built
pub enum DownloadFormat {
    Json,
    Csv,
    Xlsx,
}

// For the OpenAPI document.
/// How unit codes are read: `reported` (default) or `current`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // describes the `units` parameter; never built
pub enum UnitsMode {
    Reported,
    Current,
}

/// Whether a national figure is final: `complete` (every unit due has reported) or
/// `provisional` (some have not; the figure will change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FigureStatus {
    Complete,
    Provisional,
}

impl FigureStatus {
    pub fn of(c: &data::Coverage) -> FigureStatus {
        if c.complete() {
            FigureStatus::Complete
        } else {
            FigureStatus::Provisional
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FigureStatus::Complete => "complete",
            FigureStatus::Provisional => "provisional",
        }
    }
}

/// The pattern of a period id: `202401`, `2024Q1`, `2024S1`, `2024N9`, `2024`.
pub const PERIOD_PATTERN: &str = "^[0-9]{4}(0[1-9]|1[0-2]|Q[1-4]|S[1-2]|N9)?$";

/// `?format=` of the catalogue export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueParams {
    /// `json` (default), `csv` or `xlsx`: the catalogue as a download, in the columns of
    /// `seed/indicators.csv` (the same file format the catalogue is loaded from).
    #[param(value_type = Option<DownloadFormat>, inline)]
    pub format: Option<String>,
}

/// List indicators: public ones for everyone, internal ones too for signed-in callers; as JSON,
/// or as a CSV or XLSX download in the catalogue file format.
#[utoipa::path(get, path = "/api/v1/indicators", tag = "reporting", operation_id = "list_indicators",
    params(CatalogueParams),
    responses((status = 200, description = "The catalogue (JSON; CSV or XLSX with format=csv|xlsx)",
               content((IndicatorList = "application/json"), ("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 422, description = "Unknown format", body = platform::error::ErrorEnvelope)))]
pub async fn list_indicators(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CatalogueParams>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let signed_in = ctx.principal.as_ref().is_some_and(|p| p.is_complete());
    let items: Vec<Indicator> = catalogue::list(&state.db)
        .await?
        .into_iter()
        .filter(|i| i.is_public || signed_in)
        .collect();
    let format = q
        .format
        .as_deref()
        .map(str::trim)
        .unwrap_or("json")
        .to_ascii_lowercase();
    let rows: Vec<Vec<String>> = items.iter().map(catalogue_io::export_row).collect();
    let header = catalogue_io::header();
    match format.as_str() {
        "json" => Ok(Json(IndicatorList {
            meta: serde_json::json!({ "total": items.len() }),
            items,
        })
        .into_response()),
        "csv" => download_csv("egov-indicators.csv", &header, &rows),
        "xlsx" => download_xlsx(
            "egov-indicators.xlsx",
            &header,
            &rows,
            &catalogue_io::NUMERIC,
        ),
        other => Err(AppError::invalid(
            Problem::new("format_invalid")
                .field("format")
                .arg("value", other),
        )),
    }
}

/// A CSV download: UTF-8 with a byte-order mark so that Excel reads the diacritics.
pub fn download_csv(
    name: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let bytes = catalogue_io::csv_bytes(header, rows).map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// An XLSX download: one sheet, a bold header row; the columns named in `numeric` hold numbers,
/// the others text (codes such as `01` and periods such as `202510` stay text).
pub fn download_xlsx(
    name: &str,
    header: &[String],
    rows: &[Vec<String>],
    numeric: &[&str],
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let bytes = catalogue_io::xlsx_bytes(header, rows, numeric).map_err(AppError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Query parameters of `GET /api/v1/data`; each takes several values separated by commas.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DataParams {
    /// Indicator codes, e.g. `RETAIL_SALES,EXPORTS`.
    pub indicator: Option<String>,
    /// Unit codes (province codes, resolved for each period) or `VN` for the national aggregate.
    pub unit: Option<String>,
    /// Period ids: `202401`, `2024Q1`, `2024S1`, `2024N9`, `2024`.
    #[param(
        pattern = "^[0-9]{4}(0[1-9]|1[0-2]|Q[1-4]|S[1-2]|N9)?(,[0-9]{4}(0[1-9]|1[0-2]|Q[1-4]|S[1-2]|N9)?)*$"
    )]
    pub period: Option<String>,
    /// `reported` (default): each period as reported by the units valid then (a code means the
    /// unit bearing it in that period). `current`: the code means today's unit, and periods
    /// before it existed are rolled up from its predecessors through the lineage — additive
    /// indicators summed, others marked `not_additive`.
    #[param(value_type = Option<UnitsMode>, inline)]
    pub units: Option<String>,
    /// `json` (default), `csv` or `xlsx`: the same observations as a download (columns
    /// `reported_units`, `expected_units` and `status` for national figures).
    #[param(value_type = Option<DownloadFormat>, inline)]
    pub format: Option<String>,
}

/// One observation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Observation {
    pub indicator: String,
    pub unit: String,
    pub period: String,
    /// `null` with a `reason` when there is no value.
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For national aggregates: how many provinces contributed (for the last month).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<i64>,
    /// For national figures: how many units reported the figure out of those due to report it
    /// in that period (the provinces valid then: 63 before July 2025, 34 since). For a longer
    /// period, its first incomplete month; for a derived indicator, its least complete input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<data::Coverage>,
    /// For national figures: `complete` once every unit due has reported, else `provisional`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<FigureStatus>,
    /// With `units=current`, the units of the time whose figures were rolled up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolled_from: Option<Vec<String>>,
    /// The indicator is retired (past its last day of validity); its history is still shown.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
    /// For a year: the target (chỉ tiêu kế hoạch) set for this unit and year, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// For a year with a target: the value as a percentage of the target, one decimal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_pct: Option<f64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DataResponse {
    pub items: Vec<Observation>,
    pub meta: serde_json::Value,
}

fn list(v: &Option<String>, field: &'static str) -> AppResult<Vec<String>> {
    let items: Vec<String> = v
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if items.is_empty() || items.len() > 200 {
        return Err(AppError::invalid(
            Problem::new("list_required").field(field),
        ));
    }
    Ok(items)
}

/// Values by indicator × unit × period. Longer periods combine months by each indicator's rule
/// over time; `VN` gives national aggregates of approved values by its rule over units.
#[utoipa::path(get, path = "/api/v1/data", tag = "reporting", operation_id = "query_data",
    params(DataParams),
    responses((status = 200, description = "Observations (JSON; CSV or XLSX with format=csv|xlsx)",
               content((DataResponse = "application/json"), ("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 403, description = "An internal indicator or a unit outside the caller's scope", body = platform::error::ErrorEnvelope),
              (status = 422, description = "A parameter is invalid", body = platform::error::ErrorEnvelope)))]
pub async fn query_data(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<DataParams>,
) -> AppResult<axum::response::Response> {
    let format = p
        .format
        .as_deref()
        .map(str::trim)
        .unwrap_or("json")
        .to_ascii_lowercase();
    if !["json", "csv", "xlsx"].contains(&format.as_str()) {
        return Err(AppError::invalid(
            Problem::new("format_invalid")
                .field("format")
                .arg("value", &format),
        ));
    }
    // National figures need the whole catalogue (formulas): read once and the indicators asked
    // for found in it. A unit's own values need only those indicators: one lookup each, far
    // cheaper than the whole catalogue (~160 rows of long text).
    let units = list(&p.unit, "unit")?;
    let national = units.iter().any(|u| u.eq_ignore_ascii_case("VN"));
    let catalogue = if national {
        catalogue::list(&state.db).await?
    } else {
        Vec::new()
    };
    let mut indicators = Vec::new();
    for code in list(&p.indicator, "indicator")? {
        let wanted = code.trim().to_uppercase();
        let found = if national {
            catalogue.iter().find(|i| i.code == wanted).cloned()
        } else {
            catalogue::by_code(&state.db, &wanted).await?
        };
        let ind = found.ok_or_else(|| {
            AppError::invalid(
                Problem::new("indicator_unknown")
                    .field("indicator")
                    .arg("code", &code),
            )
        })?;
        indicators.push(ind);
    }
    let mut periods = Vec::new();
    for id in list(&p.period, "period")? {
        periods.push(Period::parse(&id).map_err(|_| {
            AppError::invalid(
                Problem::new("period_invalid")
                    .field("period")
                    .arg("value", &id),
            )
        })?);
    }
    let current = match p.units.as_deref().map(str::trim) {
        None | Some("") | Some("reported") => false,
        Some("current") => true,
        Some(other) => {
            return Err(AppError::invalid(
                Problem::new("units_mode_invalid")
                    .field("units")
                    .arg("value", other),
            ));
        }
    };
    let principal = ctx.principal.as_ref().filter(|p| p.is_complete());
    if indicators.iter().any(|i| !i.is_public) && principal.is_none() {
        return Err(AppError::unauthenticated());
    }
    let mut items = Vec::new();
    for unit_code in &units {
        if unit_code.eq_ignore_ascii_case("VN") {
            crate::require_national_view(principal.map(|p| &**p), &indicators)?;
            let view =
                data::NationalView::load(&state.db, &catalogue, &indicators, &periods).await?;
            for ind in &indicators {
                for period in &periods {
                    let (value, reason) = match view.value(&ind.code, period) {
                        Ok(v) => (Some(v), None),
                        Err(e)
                            if ind.formula.is_none()
                                && (ind.agg_units == "none" || ind.agg_units == "wavg") =>
                        {
                            let _ = e;
                            (None, Some("not_aggregated_from_units".to_owned()))
                        }
                        Err(e) => (None, Some(no_value_reason(&e))),
                    };
                    let coverage = value.and_then(|_| view.coverage(&ind.code, period));
                    items.push(Observation {
                        indicator: ind.code.clone(),
                        unit: "VN".into(),
                        period: period.id(),
                        value,
                        reason,
                        status: coverage.as_ref().map(FigureStatus::of),
                        coverage,
                        rolled_from: None,
                        retired: false,
                        target: None,
                        target_pct: None,
                        units: period.months().last().and_then(|m| view.units(ind.id, m)),
                    });
                }
            }
            continue;
        }
        for period in &periods {
            let sources = source_units(&state, unit_code, period, current).await?;
            let rolled = current
                && sources
                    .iter()
                    .any(|u| u.code != *unit_code || !u.valid_on(registry::Day::today()));
            // Per source unit: its monthly values that the caller may see.
            let mut per_source = Vec::new();
            for unit in &sources {
                // A unit's own figures (approved or not) are for those in its scope; others see
                // approved values of public indicators only.
                let target = crate::unit_target(&state.db, unit).await?;
                let in_scope = principal.is_some_and(|p| p.allowed(Permission::ViewData, &target));
                if !in_scope && indicators.iter().any(|i| !i.is_public) {
                    return Err(AppError::forbidden());
                }
                // Its months, and the period itself (quarterly or annual reports hold values
                // under the period's own id).
                let mut keys = period.months();
                if period.kind != crate::model::period::PeriodKind::Month {
                    keys.push(*period);
                }
                let ids: Vec<i64> = indicators.iter().map(|i| i.id).collect();
                let values = data::unit_values(&state.db, unit.id, &ids, &keys).await?;
                let approved = if in_scope {
                    None
                } else {
                    Some(approved_keys(&state, unit.id, &ids, &keys).await?)
                };
                per_source.push((values, approved));
            }
            for ind in &indicators {
                let mut parts = Vec::new();
                for (values, approved) in &per_source {
                    let visible = |k: &(i64, String)| {
                        if approved.as_ref().is_none_or(|a| a.contains(k)) {
                            values.get(k).copied()
                        } else {
                            None
                        }
                    };
                    if period.kind != crate::model::period::PeriodKind::Month
                        && let Some(v) = visible(&(ind.id, period.id()))
                    {
                        parts.push(Some(v));
                        continue;
                    }
                    let monthly: Vec<Option<f64>> = period
                        .months()
                        .iter()
                        .map(|m| {
                            let k = (ind.id, m.id());
                            if approved.as_ref().is_none_or(|a| a.contains(&k)) {
                                values.get(&k).copied()
                            } else {
                                None
                            }
                        })
                        .collect();
                    parts.push(if monthly.len() == 1 {
                        monthly[0]
                    } else {
                        data::over_time(ind, &monthly)
                    });
                }
                let (value, reason) = match parts.as_slice() {
                    [] => (None, Some("no_data")),
                    [one] => (*one, one.is_none().then_some("no_data")),
                    many if !ind.is_additive() => {
                        let _ = many;
                        (None, Some("not_additive"))
                    }
                    many if many.iter().all(Option::is_some) => {
                        (Some(many.iter().flatten().sum()), None)
                    }
                    _ => (None, Some("incomplete")),
                };
                // A sum beyond floating point (values stored before every value was bounded)
                // is said to overflow, never shown as infinity or a bare null.
                let (value, reason) = match value {
                    Some(v) if !v.is_finite() => (None, Some("overflow")),
                    _ => (value, reason),
                };
                items.push(Observation {
                    indicator: ind.code.clone(),
                    unit: sources
                        .first()
                        .filter(|_| !rolled)
                        .map(|u| u.code.clone())
                        .unwrap_or_else(|| unit_code.clone()),
                    period: period.id(),
                    value: value.map(|v| ind.round(v)),
                    reason: reason.map(str::to_owned),
                    units: None,
                    coverage: None,
                    status: None,
                    retired: false,
                    target: None,
                    target_pct: None,
                    rolled_from: rolled.then(|| {
                        sources
                            .iter()
                            .map(|u| format!("{} {}", u.code, u.name))
                            .collect()
                    }),
                });
            }
        }
    }
    mark_retired_and_targets(&state, &indicators, &mut items).await?;
    export(
        &format,
        DataResponse {
            meta: serde_json::json!({ "total": items.len() }),
            items,
        },
    )
}

/// Mark observations of retired indicators, and give yearly observations their target and the
/// share of it reached.
async fn mark_retired_and_targets(
    state: &AppState,
    indicators: &[Indicator],
    items: &mut [Observation],
) -> AppResult<()> {
    let mut targets = std::collections::HashMap::new();
    // Targets are per year: no query unless a year is asked for.
    let years = items.iter().any(|o| o.period.len() == 4);
    for ind in indicators.iter().filter(|_| years) {
        for t in crate::targets::query(&state.db, Some(&ind.code), None, None).await? {
            targets.insert((t.indicator, t.unit, t.year), t.value);
        }
    }
    for o in items.iter_mut() {
        o.retired = indicators
            .iter()
            .any(|i| i.code == o.indicator && i.is_retired());
        let year = Some(o.period.as_str())
            .filter(|p| p.len() == 4)
            .and_then(|p| p.parse::<i64>().ok());
        if let Some(y) = year
            && let Some(t) = targets.get(&(o.indicator.clone(), o.unit.clone(), y))
        {
            o.target = Some(*t);
            o.target_pct = o
                .value
                .filter(|_| *t != 0.0)
                .map(|v| (v / t * 1000.0).round() / 10.0);
        }
    }
    Ok(())
}

/// A download's file name that says what it holds: `egov_RETAIL_SALES_VN_202412-202611`
/// (indicators, units, first and last period; past three codes, `+N` more). Codes and period ids
/// are ASCII letters, digits and `_`, so the name needs no quoting.
fn download_name(items: &[Observation]) -> String {
    fn part(codes: Vec<&str>) -> String {
        let mut seen = Vec::new();
        for c in codes {
            if !seen.contains(&c) {
                seen.push(c);
            }
        }
        let shown = seen.iter().take(3).copied().collect::<Vec<_>>().join("-");
        match seen.len() {
            0..=3 => shown,
            n => format!("{shown}+{}", n - 3),
        }
    }
    let safe = |s: String| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '+' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let mut periods: Vec<&str> = items.iter().map(|o| o.period.as_str()).collect();
    periods.sort_unstable();
    let span = match (periods.first(), periods.last()) {
        (Some(a), Some(b)) if a == b => (*a).to_owned(),
        (Some(a), Some(b)) => format!("{a}-{b}"),
        _ => "empty".to_owned(),
    };
    safe(format!(
        "egov_{}_{}_{span}",
        part(items.iter().map(|o| o.indicator.as_str()).collect()),
        part(items.iter().map(|o| o.unit.as_str()).collect()),
    ))
}

/// The observations as JSON, or as a CSV or XLSX download.
fn export(format: &str, data: DataResponse) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let header: Vec<String> = [
        "indicator",
        "unit",
        "period",
        "value",
        "reason",
        "rolled_from",
        "reported_units",
        "expected_units",
        "status",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<String>> = data
        .items
        .iter()
        .map(|o| {
            vec![
                o.indicator.clone(),
                o.unit.clone(),
                o.period.clone(),
                o.value.map(|v| v.to_string()).unwrap_or_default(),
                o.reason.clone().unwrap_or_default(),
                o.rolled_from
                    .as_ref()
                    .map(|r| r.join("; "))
                    .unwrap_or_default(),
                o.coverage
                    .map(|c| c.reported.to_string())
                    .unwrap_or_default(),
                o.coverage
                    .map(|c| c.expected.to_string())
                    .unwrap_or_default(),
                o.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            ]
        })
        .collect();
    let name = download_name(&data.items);
    match format {
        "csv" => download_csv(&format!("{name}.csv"), &header, &rows),
        "xlsx" => download_xlsx(
            &format!("{name}.xlsx"),
            &header,
            &rows,
            &["value", "reported_units", "expected_units"],
        ),
        _ => Ok(Json(data).into_response()),
    }
}

/// The units whose figures stand for `code` in `period`: the unit bearing the code then
/// (`reported`), or today's unit and, for periods before it existed, its predecessors valid then
/// found through the lineage (`current`).
async fn source_units(
    state: &AppState,
    code: &str,
    period: &Period,
    current: bool,
) -> AppResult<Vec<registry::store::Unit>> {
    let not_found = || {
        AppError::invalid(
            Problem::new("scope_not_found")
                .field("unit")
                .arg("code", code),
        )
    };
    if !current {
        return Ok(vec![
            crate::unit_for_period(&state.db, code, period)
                .await?
                .ok_or_else(not_found)?,
        ]);
    }
    let today = registry::store::unit_by_code(&state.db, code, registry::Day::today())
        .await?
        .ok_or_else(not_found)?;
    let (_, last) = period.calendar();
    let day = registry::Day(last);
    let mut out = Vec::new();
    let mut frontier = vec![today];
    let mut seen = std::collections::HashSet::new();
    while let Some(u) = frontier.pop() {
        if !seen.insert(u.id) {
            continue;
        }
        if u.valid_on(day) {
            out.push(u);
            continue;
        }
        for link in registry::store::predecessors(&state.db, u.id).await? {
            frontier.push(link.unit);
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// A stable reason for a missing value: `no_data`, `division_by_zero`, `missing_input:<CODE>`…
fn no_value_reason(e: &crate::model::formula::NoValue) -> String {
    use crate::model::formula::NoValue;
    match e {
        NoValue::DivisionByZero => "division_by_zero".into(),
        NoValue::Missing(code) => format!("missing_input:{code}"),
        NoValue::Overflow => "overflow".into(),
        NoValue::NotANumber => "not_a_number".into(),
    }
}

async fn approved_keys(
    state: &AppState,
    unit_id: i64,
    indicators: &[i64],
    months: &[Period],
) -> AppResult<std::collections::HashSet<(i64, String)>> {
    let mut out = std::collections::HashSet::new();
    if indicators.is_empty() || months.is_empty() {
        return Ok(out);
    }
    let mut args: Vec<platform::db::Value> = vec![unit_id.into()];
    let inds = platform::db::bind_list(&mut args, indicators.iter().copied());
    let pers = platform::db::bind_list(&mut args, months.iter().map(Period::id));
    let sql = format!(
        "SELECT indicator_id, period FROM data_values \
         WHERE indicator_id IN ({inds}) AND period IN ({pers}) AND unit_id = $1 AND approved"
    );
    for r in state
        .db
        .fetch_all(platform::db::Sql::trusted(sql), args)
        .await?
    {
        out.insert((r.get("indicator_id")?, r.get("period")?));
    }
    Ok(out)
}

/// One value of a batch.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BatchValue {
    pub indicator: String,
    pub value: Option<f64>,
    pub explanation: Option<String>,
}

/// A unit's report for a period, sent by another system.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Batch {
    /// Report template code (biểu mẫu), e.g. `BC-KTXH-QUY`; default `BC-KTXH-THANG`, the
    /// monthly provincial report.
    #[serde(default)]
    pub template: Option<String>,
    /// Code of the reporting unit at the template's level, resolved for the period: a province
    /// (`40`), a commune (`90001`), or `VN` for a ministry's national report.
    pub unit: String,
    /// Period id of the template's kind: `202510`, `2025Q3`, `2025S1`, `2025N9` or `2025`.
    #[schema(pattern = "^[0-9]{4}(0[1-9]|1[0-2]|Q[1-4]|S[1-2]|N9)?$")]
    pub period: String,
    pub values: Vec<BatchValue>,
    /// Submit for approval (true) or keep as a draft (false, default).
    #[serde(default)]
    pub submit: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    /// saved, submitted or unchanged.
    pub result: String,
    pub status: String,
    pub version: i64,
    /// Warnings (e.g. unusual values), already explained or allowed in a draft.
    pub warnings: Vec<platform::error::ErrorItem>,
}

/// Send a unit's report for a period, by template (default: the monthly provincial report). All
/// values are checked first; any error rejects the whole batch. Sending the same batch again
/// changes nothing.
#[utoipa::path(post, path = "/api/v1/data/batch", tag = "reporting", operation_id = "post_batch",
    request_body = Batch,
    responses((status = 200, description = "Accepted whole", body = BatchResult),
              (status = 401, description = "No valid token or session", body = platform::error::ErrorEnvelope),
              (status = 403, description = "The unit is outside the caller's scope", body = platform::error::ErrorEnvelope),
              (status = 409, description = "The report is locked (submitted or approved)", body = platform::error::ErrorEnvelope),
              (status = 422, description = "Rejected whole: every problem listed", body = platform::error::ErrorEnvelope)))]
pub async fn post_batch(
    State(state): State<AppState>,
    auth: Auth,
    Json(batch): Json<Batch>,
) -> AppResult<(StatusCode, Json<BatchResult>)> {
    let period = Period::parse(&batch.period).map_err(|_| {
        AppError::invalid(
            Problem::new("period_invalid")
                .field("period")
                .arg("value", &batch.period),
        )
    })?;
    let template = templates::resolve(&state.db, batch.template.as_deref(), "template").await?;
    template.check_period(&period).map_err(AppError::invalid)?;
    let unit = templates::unit_for(&state.db, &template, &batch.unit, &period)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                Problem::new("scope_not_found")
                    .field("unit")
                    .arg("code", &batch.unit),
            )
        })?;
    auth.require(
        Permission::SubmitData,
        &templates::target(&state.db, &template, &unit).await?,
    )?;
    let entries: Vec<Entry> = batch
        .values
        .iter()
        .map(|v| Entry {
            indicator: v.indicator.trim().to_uppercase(),
            raw: v.value.map(|x| x.to_string()).unwrap_or_default(),
            explanation: v.explanation.clone(),
            lang: "plain",
        })
        .collect();
    let action = if batch.submit {
        Action::Submit
    } else {
        Action::SaveDraft
    };
    let saved = submission::save(
        &state.db,
        &auth.actor(),
        &template,
        unit.id,
        &period,
        &entries,
        None,
        action,
        None,
    )
    .await?;
    let lang = auth.ctx.lang;
    Ok((
        StatusCode::OK,
        Json(BatchResult {
            result: if saved.inserted + saved.updated == 0 {
                "unchanged"
            } else if batch.submit {
                "submitted"
            } else {
                "saved"
            }
            .into(),
            status: saved.submission.status.as_str().into(),
            version: saved.submission.version,
            warnings: platform::error::bounded(&saved.warnings)
                .iter()
                .map(|w| platform::error::ErrorItem {
                    code: w.code.into(),
                    detail: w.detail(lang),
                    field: w.field.clone(),
                })
                .collect(),
        }),
    ))
}
