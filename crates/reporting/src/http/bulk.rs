//! POST /api/v1/data/bulk — many reports in one request, for agencies' systems: the request
//! parsed and resolved here (templates, periods, units, the caller's scope), then checked and
//! written whole by [`crate::engine::bulk::apply`].

use std::collections::{HashMap, HashSet};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::extract::State;
use axum::http::StatusCode;
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::Permission;
use platform::web::Json;
use platform::web::{AppState, Auth};
use serde::{Deserialize, Serialize};

use super::errors::{batch_error, form_problem};
use crate::engine::bulk::{Audit, Input, Outcome, Report, apply};
use crate::model::period::Period;
use crate::model::status::Action;
use crate::model::template::Template;

/// The body limit is in `platform::web::limits::ROUTES` (64 MiB).
/// `POST /api/v1/data/bulk` with its OpenAPI entry.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_bulk))
}

/// An indicator code as sent, trimmed and in capitals (kept without copying when it already is).
fn indicator_code(code: String) -> String {
    let t = code.trim();
    if t.len() == code.len() && !t.chars().any(char::is_lowercase) {
        code
    } else {
        t.to_uppercase()
    }
}

/// One value of a report in a bulk request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkValue {
    pub indicator: String,
    pub value: Option<f64>,
    pub explanation: Option<String>,
}

/// One report of a bulk request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkReport {
    /// Reporting unit's code, resolved for the period (codes are reused across reorganisations).
    pub unit: String,
    /// Period id of the template's kind, e.g. `202510`.
    #[schema(pattern = "^[0-9]{4}(0[1-9]|1[0-2]|Q[1-4]|S[1-2]|N9)?$")]
    pub period: String,
    /// Template code; defaults to the request's.
    pub template: Option<String>,
    pub values: Vec<BulkValue>,
    /// Submit this report for approval; defaults to the request's.
    pub submit: Option<bool>,
}

/// Many reports, accepted whole or rejected whole.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkRequest {
    /// Template of the reports that name none; the monthly provincial report by default.
    pub template: Option<String>,
    /// Submit every report for approval (true) or keep them as drafts (false, default).
    #[serde(default)]
    pub submit: bool,
    pub reports: Vec<BulkReport>,
}

/// A warning about one report, already explained or allowed in a draft.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkWarning {
    /// Position of the report in the request.
    pub report: usize,
    pub code: String,
    pub detail: String,
    pub field: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkResult {
    /// Reports in the request.
    pub reports: usize,
    /// Reports whose content or state changed.
    pub changed: usize,
    /// Values written for the first time, changed, and sent again unchanged.
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The first 100 warnings (`platform::error::MAX_PROBLEMS`).
    pub warnings: Vec<BulkWarning>,
    /// Every warning, listed or not.
    pub warnings_total: usize,
}

/// Send many reports at once (several units, periods and templates). Every report is checked by
/// the same rules as the form; any problem rejects the whole request and names each report at
/// fault (`reports[3].v_CPI`). Sending the same request again changes nothing.
#[utoipa::path(post, path = "/api/v1/data/bulk", tag = "reporting", operation_id = "post_bulk",
    request_body = BulkRequest,
    responses((status = 200, description = "Accepted whole", body = BulkResult),
              (status = 400, description = "Not JSON of this shape", body = platform::error::ErrorEnvelope),
              (status = 401, description = "No valid token or session", body = platform::error::ErrorEnvelope),
              (status = 403, description = "A unit is outside the caller's scope", body = platform::error::ErrorEnvelope),
              (status = 409, description = "Reports locked (submitted or approved)", body = platform::error::ErrorEnvelope),
              (status = 413, description = "Larger than 64 MiB"),
              (status = 422, description = "Rejected whole: every problem listed by report", body = platform::error::ErrorEnvelope)))]
pub async fn post_bulk(
    State(state): State<AppState>,
    auth: Auth,
    Json(req): Json<BulkRequest>,
) -> AppResult<Json<BulkResult>> {
    let db = &state.db;
    let mut problems = Vec::new();
    let (templates, parsed) = parse_templates_and_periods(db, &req, &mut problems).await?;
    let resolved = resolve_units(db, &req, &templates, &parsed, &mut problems).await?;
    // Every unit within the caller's scope (its ancestors read once for the whole request).
    let ids: Vec<i64> = resolved
        .iter()
        .flatten()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let targets = crate::store::units::unit_targets(db, &ids).await?;
    for id in resolved.iter().flatten() {
        if let Some(t) = targets.get(id) {
            auth.require(Permission::SubmitData, t)?;
        }
    }
    if !problems.is_empty() {
        return Err(AppError::many(StatusCode::UNPROCESSABLE_ENTITY, problems));
    }
    let default_submit = req.submit;
    let reports: Vec<Report<'_>> = req
        .reports
        .into_iter()
        .zip(&parsed)
        .zip(&resolved)
        .filter_map(|((r, p), u)| {
            let (tcode, period) = p.as_ref()?;
            Some(report(r, &templates[tcode], *period, (*u)?, default_submit))
        })
        .collect();
    let mut tx = db.begin().await?;
    let outcomes = apply(&mut tx, &auth.actor(), &reports, Audit::Batch)
        .await
        .map_err(batch_error)?;
    tx.commit().await?;
    Ok(Json(result(reports.len(), &outcomes, auth.ctx.lang)))
}

/// Each report's template (the request's by default) and period, resolved once per distinct
/// template; what is unknown or of the wrong kind is a problem on the report.
async fn parse_templates_and_periods(
    db: &platform::db::Db,
    req: &BulkRequest,
    problems: &mut Vec<Problem>,
) -> AppResult<(HashMap<String, Template>, Vec<Option<(String, Period)>>)> {
    let default_template = req
        .template
        .clone()
        .unwrap_or_else(|| crate::model::template::MONTHLY_PROVINCIAL.to_owned());
    let mut templates: HashMap<String, Template> = HashMap::new();
    let mut parsed: Vec<Option<(String, Period)>> = Vec::with_capacity(req.reports.len());
    for (i, r) in req.reports.iter().enumerate() {
        let code = r
            .template
            .clone()
            .unwrap_or_else(|| default_template.clone());
        if !templates.contains_key(&code) {
            match crate::store::templates::template(db, &code).await? {
                Some(t) => {
                    templates.insert(code.clone(), t);
                }
                None => {
                    problems.push(
                        Problem::new("template_unknown")
                            .field(format!("reports[{i}].template"))
                            .arg("code", &code),
                    );
                    parsed.push(None);
                    continue;
                }
            }
        }
        match Period::parse(&r.period) {
            Ok(p) if p.kind.as_str() == templates[&code].period_kind => {
                parsed.push(Some((code, p)))
            }
            Ok(_) | Err(_) => {
                problems.push(
                    Problem::new("period_invalid")
                        .field(format!("reports[{i}].period"))
                        .arg("value", &r.period),
                );
                parsed.push(None);
            }
        }
    }
    Ok((templates, parsed))
}

/// Each report's unit: the unit of its template's level bearing the code at the end of its
/// period (codes are reused across reorganisations), all read in one query.
async fn resolve_units(
    db: &platform::db::Db,
    req: &BulkRequest,
    templates: &HashMap<String, Template>,
    parsed: &[Option<(String, Period)>],
    problems: &mut Vec<Problem>,
) -> AppResult<Vec<Option<i64>>> {
    let codes: Vec<&str> = {
        let set: HashSet<&str> = req.reports.iter().map(|r| r.unit.as_str()).collect();
        set.into_iter().collect()
    };
    let candidates = registry::store::units_with_codes(db, &codes).await?;
    let mut by_code: HashMap<&str, Vec<&registry::store::Unit>> = HashMap::new();
    for u in &candidates {
        by_code.entry(u.code.as_str()).or_default().push(u);
    }
    let mut resolved: Vec<Option<i64>> = Vec::with_capacity(req.reports.len());
    for (i, (r, p)) in req.reports.iter().zip(parsed).enumerate() {
        let Some((tcode, period)) = p else {
            resolved.push(None);
            continue;
        };
        let level = &templates[tcode].unit_level;
        let day = registry::Day(period.calendar().1);
        let unit = by_code.get(r.unit.as_str()).and_then(|us| {
            us.iter()
                .find(|u| u.level.as_str() == level && u.valid_on(day))
        });
        let Some(unit) = unit else {
            problems.push(
                Problem::new("scope_not_found")
                    .field(format!("reports[{i}].unit"))
                    .arg("code", &r.unit),
            );
            resolved.push(None);
            continue;
        };
        resolved.push(Some(unit.id));
    }
    Ok(resolved)
}

/// One report of the request as the engine takes it.
fn report(
    r: BulkReport,
    template: &Template,
    period: Period,
    unit_id: i64,
    default_submit: bool,
) -> Report<'_> {
    let submit = r.submit.unwrap_or(default_submit);
    Report {
        template,
        unit_id,
        period,
        values: r
            .values
            .into_iter()
            .map(|v| Input {
                indicator: indicator_code(v.indicator),
                value: v.value,
                explanation: v.explanation,
            })
            .collect(),
        expected_version: None,
        action: if submit {
            Action::Submit
        } else {
            Action::SaveDraft
        },
        reason: None,
    }
}

/// The answer: counts, and the first warnings on their fields.
fn result(reports: usize, outcomes: &[Outcome], lang: platform::i18n::Lang) -> BulkResult {
    let mut result = BulkResult {
        reports,
        changed: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        warnings: Vec::new(),
        warnings_total: 0,
    };
    for (i, o) in outcomes.iter().enumerate() {
        result.changed += usize::from(o.changed);
        result.inserted += o.inserted;
        result.updated += o.updated;
        result.unchanged += o.unchanged;
        result.warnings_total += o.warnings.len();
        let room = platform::error::MAX_PROBLEMS.saturating_sub(result.warnings.len());
        result
            .warnings
            .extend(o.warnings.iter().take(room).map(|w| {
                let w = form_problem(w.clone());
                BulkWarning {
                    report: i,
                    code: w.code.into(),
                    detail: w.detail(lang),
                    field: w.field.clone(),
                }
            }));
    }
    result
}
