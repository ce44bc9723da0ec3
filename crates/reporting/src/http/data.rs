//! `/api/v1/data`: data queries (a unit's values or national figures, from [`crate::query`]) as
//! JSON or a CSV/XLSX download, and `/api/v1/data/batch`, where agencies' systems send a report
//! (token auth). A batch is accepted whole or rejected whole; sending the same batch again
//! changes nothing.

use axum::extract::State;
use axum::http::StatusCode;
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::Permission;
use platform::web::{AppState, Auth, Ctx};
use platform::web::{Json, Query};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::download::{download_csv, download_xlsx};
use crate::engine::save::Entry;
use crate::http::save as submission;
use crate::model::indicator::Indicator;
use crate::model::period::Period;
use crate::model::status::Action;
use crate::query::{self, FigureStatus};
use crate::store::catalogue;

/// The data API, each route with its OpenAPI entry.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(query_data))
        .routes(routes!(post_batch))
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

/// The pattern of a period id: `202401`, `2024Q1`, `2024S1`, `2024N9`, `2024`.
pub const PERIOD_PATTERN: &str = "^[0-9]{4}(0[1-9]|1[0-2]|Q[1-4]|S[1-2]|N9)?$";

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
    #[param(value_type = Option<super::download::DownloadFormat>, inline)]
    pub format: Option<String>,
}

/// One observation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
    pub coverage: Option<query::Coverage>,
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
    let units = list(&p.unit, "unit")?;
    let national = units.iter().any(|u| u.eq_ignore_ascii_case("VN"));
    let (catalogue, indicators) = indicators(&state, &p.indicator, national).await?;
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
    let mode = match p.units.as_deref().map(str::trim) {
        None | Some("") | Some("reported") => query::UnitsMode::Reported,
        Some("current") => query::UnitsMode::Current,
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
    if units.iter().all(|u| u.eq_ignore_ascii_case("VN")) {
        // National figures only (what dashboards, walls and the public ask for): the same for
        // everyone allowed to see them, so computed once per data version on this node.
        crate::http::access::require_national_view(principal.map(|p| &**p), &indicators)?;
        let items = national_items(&state, &catalogue, &indicators, &periods).await?;
        let items: Vec<Observation> = std::iter::repeat_n(items.iter(), units.len())
            .flatten()
            .cloned()
            .collect();
        return export(
            &format,
            ctx.lang,
            &indicators,
            DataResponse {
                meta: serde_json::json!({ "total": items.len() }),
                items,
            },
        );
    }
    // The national figures are computed once, however often `VN` is asked for.
    let mut national: Option<Vec<Observation>> = None;
    let mut items = Vec::new();
    for unit_code in &units {
        if unit_code.eq_ignore_ascii_case("VN") {
            crate::http::access::require_national_view(principal.map(|p| &**p), &indicators)?;
            if national.is_none() {
                let figures = query::national_figures(&state.db, &catalogue, &indicators, &periods)
                    .await
                    .map_err(query_error)?;
                national = Some(figures.into_iter().map(Observation::national).collect());
            }
            items.extend(national.iter().flatten().cloned());
            continue;
        }
        let in_scope = |target: &platform::identity::access::Target| {
            principal.is_some_and(|p| p.allowed(Permission::ViewData, target))
        };
        let figures =
            query::unit_figures(&state.db, unit_code, &indicators, &periods, mode, &in_scope)
                .await
                .map_err(query_error)?;
        items.extend(figures.into_iter().map(Observation::unit));
    }
    mark_retired_and_targets(&state, &indicators, &mut items).await?;
    export(
        &format,
        ctx.lang,
        &indicators,
        DataResponse {
            meta: serde_json::json!({ "total": items.len() }),
            items,
        },
    )
}

/// National observations of `indicators` × `periods`, marked (retired, targets), from the node's
/// read cache (`platform::cache`): computed at most once per data version.
async fn national_items(
    state: &AppState,
    catalogue: &[Indicator],
    indicators: &[Indicator],
    periods: &[Period],
) -> AppResult<std::sync::Arc<Vec<Observation>>> {
    let codes: Vec<&str> = indicators.iter().map(|i| i.code.as_str()).collect();
    let ids: Vec<String> = periods.iter().map(Period::id).collect();
    let key = format!("reporting.national:{}|{}", codes.join(","), ids.join(","));
    state
        .cache
        .get_or_compute(&key, async {
            let figures = query::national_figures(&state.db, catalogue, indicators, periods)
                .await
                .map_err(query_error)?;
            let mut items: Vec<Observation> =
                figures.into_iter().map(Observation::national).collect();
            mark_retired_and_targets(state, indicators, &mut items).await?;
            Ok::<_, AppError>(items)
        })
        .await
}

/// The indicators asked for, and the catalogue when national figures are: they need the whole
/// catalogue (formulas), read once and the indicators found in it. A unit's own values need
/// only those indicators: one lookup each, far cheaper than the whole catalogue (~160 rows of
/// long text).
async fn indicators(
    state: &AppState,
    codes: &Option<String>,
    national: bool,
) -> AppResult<(std::sync::Arc<Vec<Indicator>>, Vec<Indicator>)> {
    let catalogue = if national {
        query::shared_catalogue(&state.cache, &state.db).await?
    } else {
        Default::default()
    };
    let mut indicators = Vec::new();
    for code in list(codes, "indicator")? {
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
    Ok((catalogue, indicators))
}

/// A query's error as the API says it.
fn query_error(e: query::QueryError) -> AppError {
    match e {
        query::QueryError::UnitNotFound { code } => AppError::invalid(
            Problem::new("scope_not_found")
                .field("unit")
                .arg("code", code),
        ),
        query::QueryError::Forbidden => AppError::forbidden(),
        query::QueryError::Db(e) => e.into(),
    }
}

impl Observation {
    fn national(f: query::NationalFigure) -> Observation {
        Observation {
            indicator: f.indicator,
            unit: "VN".into(),
            period: f.period.id(),
            value: f.value,
            reason: f.reason,
            units: f.units,
            coverage: f.coverage,
            status: f.status,
            rolled_from: None,
            retired: false,
            target: None,
            target_pct: None,
        }
    }

    fn unit(f: query::UnitFigure) -> Observation {
        Observation {
            indicator: f.indicator,
            unit: f.unit,
            period: f.period.id(),
            value: f.value,
            reason: f.reason.map(str::to_owned),
            units: None,
            coverage: None,
            status: None,
            rolled_from: f.rolled_from,
            retired: false,
            target: None,
            target_pct: None,
        }
    }
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
        for t in crate::store::targets::query(&state.db, Some(&ind.code), None, None).await? {
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
fn export(
    format: &str,
    lang: platform::i18n::Lang,
    indicators: &[Indicator],
    data: DataResponse,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    const COLUMNS: [&str; 11] = [
        "indicator",
        "indicator_name",
        "measure",
        "unit",
        "period",
        "value",
        "reason",
        "rolled_from",
        "reported_units",
        "expected_units",
        "status",
    ];
    // The CSV keeps the codes of its columns and no names (machines read it); the workbook, read
    // by people, names each column and each indicator in the reader's language.
    let csv = format == "csv";
    let columns: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !csv || !matches!(*c, "indicator_name" | "measure"))
        .collect();
    let header: Vec<String> = columns.iter().map(|s| s.to_string()).collect();
    let rows: Vec<Vec<String>> = data
        .items
        .iter()
        .map(|o| {
            let ind = indicators.iter().find(|i| i.code == o.indicator);
            columns
                .iter()
                .map(|c| match *c {
                    "indicator" => o.indicator.clone(),
                    "indicator_name" => ind.map(|i| i.name(lang).to_owned()).unwrap_or_default(),
                    "measure" => ind.map(|i| i.unit(lang).to_owned()).unwrap_or_default(),
                    "unit" => o.unit.clone(),
                    "period" => o.period.clone(),
                    "value" => o.value.map(|v| v.to_string()).unwrap_or_default(),
                    "reason" => o.reason.clone().unwrap_or_default(),
                    "rolled_from" => o
                        .rolled_from
                        .as_ref()
                        .map(|r| r.join("; "))
                        .unwrap_or_default(),
                    "reported_units" => o
                        .coverage
                        .map(|c| c.reported.to_string())
                        .unwrap_or_default(),
                    "expected_units" => o
                        .coverage
                        .map(|c| c.expected.to_string())
                        .unwrap_or_default(),
                    _ => o.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                })
                .collect()
        })
        .collect();
    let name = download_name(&data.items);
    match format {
        "csv" => download_csv(&format!("{name}.csv"), &header, &rows),
        "xlsx" => {
            let labels: Vec<String> = columns
                .iter()
                .map(|c| platform::i18n::t(lang, &format!("download.{c}")))
                .collect();
            download_xlsx(
                &format!("{name}.xlsx"),
                &platform::i18n::t(lang, "download.sheet_data"),
                &header,
                &labels,
                &rows,
                &["value", "reported_units", "expected_units"],
            )
        }
        _ => Ok(Json(data).into_response()),
    }
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
    let template =
        crate::http::templates::resolve(&state.db, batch.template.as_deref(), "template").await?;
    template.check_period(&period).map_err(AppError::invalid)?;
    let unit = crate::store::units::unit_for(&state.db, &template, &batch.unit, &period)
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
        &crate::store::units::target(&state.db, &template, &unit).await?,
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
