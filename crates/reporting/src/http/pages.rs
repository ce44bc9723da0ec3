//! Pages of the reporting system: the national overview of the monthly indicators (fresh
//! totals, growth versus the same period last year, completeness) and the report form of a
//! province for a month, where reporters enter and submit and approvers approve or return.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::Permission;
use platform::web::admin::{fmt_ms, render};
use platform::web::{AppState, Auth, CsrfForm, Ctx};
use platform::web::{Path, Query};
use serde::Deserialize;

use crate::catalogue::{self, format_number};
use crate::data;
use crate::engine::decide::decide;
use crate::engine::save::Entry;
use crate::model::period::{Period, PeriodKind};
use crate::model::status::{Action, Status};
use crate::store::submissions;
use crate::templates::{self, Template};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reporting", get(overview))
        .route(
            "/reporting/{unit}/{period}",
            get(form_page).post(form_submit),
        )
        .route("/open-data", get(open_data))
}

fn parse_period(s: Option<&str>) -> AppResult<Period> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(crate::latest_due_month()),
        Some(s) => Period::parse(s).map_err(|_| {
            AppError::invalid(
                Problem::new("period_invalid")
                    .field("period")
                    .arg("value", s),
            )
        }),
    }
}

struct OverviewRow {
    code: String,
    name: String,
    unit: String,
    value: String,
    last_year: String,
    growth: String,
    ytd: String,
    units: String,
    /// A figure not every unit due has reported yet: marked in words on the page.
    provisional: bool,
}

struct ReportRow {
    unit_code: String,
    unit_name: String,
    status: String,
    status_key: &'static str,
    submitted: String,
}

#[derive(askama::Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    ctx: Ctx,
    period: String,
    period_label: String,
    prev_period: String,
    next_period: Option<String>,
    rows: Vec<OverviewRow>,
    /// Some figure is provisional: the note saying what that means is shown.
    any_provisional: bool,
    completeness: data::Completeness,
    completeness_pct: String,
    reports: Vec<ReportRow>,
    templates: Vec<TemplateChoice>,
    template_name: String,
    template_code: String,
    tq: String,
    tq_q: String,
    due: Vec<DueRow>,
}

#[derive(Deserialize)]
struct PeriodQuery {
    period: Option<String>,
    template: Option<String>,
}

/// `?template=CODE` (with `sep` first), or nothing for the default monthly provincial report.
fn template_query(t: &Template, sep: char) -> String {
    if t.code == templates::MONTHLY_PROVINCIAL {
        String::new()
    } else {
        format!("{sep}template={}", t.code)
    }
}

/// A template the overview can switch to.
struct TemplateChoice {
    code: String,
    name: String,
    selected: bool,
}

/// A report the signed-in reporter or approver has to deal with.
struct DueRow {
    template: String,
    unit_name: String,
    period_label: String,
    href: String,
    status: String,
    status_key: &'static str,
    deadline: String,
}

fn status_key(s: Option<Status>) -> &'static str {
    match s {
        None => "missing",
        Some(Status::Draft) => "draft",
        Some(Status::Submitted) => "submitted",
        Some(Status::Approved) => "approved",
        Some(Status::Returned) => "returned",
    }
}

async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let lang = ctx.lang_code();
    let template = templates::resolve(&state.db, q.template.as_deref(), "template").await?;
    let today = registry::Day::today().0;
    let period = match q.period.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => template.latest_due(today),
        some => parse_period(some)?,
    };
    template.check_period(&period).map_err(AppError::invalid)?;
    // National figures of internal indicators: for national-scope officials only
    // (`crate::may_view_national`); a ministry's report (a national template) shows its own
    // figures also to those who may read that report.
    let principal = ctx.principal.as_deref().filter(|p| p.is_complete());
    let own_report = match principal {
        Some(p) if template.level() == registry::Level::Nation => {
            match templates::unit_for(&state.db, &template, "VN", &period).await? {
                Some(vn) => p.allowed(
                    Permission::ViewData,
                    &templates::target(&state.db, &template, &vn).await?,
                ),
                None => false,
            }
        }
        _ => false,
    };
    let indicators: Vec<_> = template
        .indicators
        .iter()
        .filter(|i| own_report || crate::may_view_national(principal, i))
        .cloned()
        .collect();
    // Completeness and the list of reports the caller may see.
    let provinces = templates::reporting_units(&state.db, &template, &period).await?;
    let last_year = period.same_period_last_year();
    let to_date = |p: &Period| -> Vec<Period> {
        // Periods of the same kind from the start of the year (lũy kế).
        let mut out = vec![*p];
        let mut q = *p;
        while q.index > 1 {
            q = q.previous();
            out.insert(0, q);
        }
        out
    };
    let mut months = to_date(&period);
    months.extend(to_date(&last_year));
    // A ministry's report: the figures it reported for the country; otherwise the provinces' sum.
    let totals = if template.level() == registry::Level::Nation {
        data::nation_values(&state.db, &indicators, &months)
            .await?
            .into_iter()
            .map(|(k, value)| {
                (
                    k,
                    data::Aggregate {
                        value,
                        units: 1,
                        from_communes: false,
                    },
                )
            })
            .collect()
    } else {
        data::national(&state.db, &indicators, &months).await?
    };
    let get = |id: i64, p: &Period| totals.get(&(id, p.id())).copied();
    let dash = || "—".to_owned();
    let expected = provinces.len() as i64;
    let rows: Vec<OverviewRow> = indicators
        .iter()
        .map(|ind| {
            let cur = get(ind.id, &period);
            let base = get(ind.id, &last_year);
            let ytd_months: Vec<Option<f64>> = to_date(&period)
                .iter()
                .map(|m| get(ind.id, m).map(|a| a.value))
                .collect();
            // Growth and year-to-date compare like with like: only once every province's
            // figure for the period is approved.
            let complete = cur.is_some_and(|a| a.units >= expected);
            OverviewRow {
                code: ind.code.clone(),
                name: ind.name(lang).to_owned(),
                unit: ind.unit(lang).to_owned(),
                value: cur.map(|a| ind.format(a.value, lang)).unwrap_or_else(dash),
                last_year: base.map(|a| ind.format(a.value, lang)).unwrap_or_else(dash),
                growth: data::growth(cur.map(|a| a.value), base.map(|a| a.value))
                    .filter(|_| complete)
                    .map(|g| {
                        format!(
                            "{}{} %",
                            if g >= 0.0 { "+" } else { "" },
                            format_number(g, 1, lang)
                        )
                    })
                    .unwrap_or_else(dash),
                ytd: data::over_time(ind, &ytd_months)
                    .filter(|_| complete)
                    .map(|v| ind.format(v, lang))
                    .unwrap_or_else(dash),
                units: cur
                    .map(|a| format!("{}/{expected}", a.units))
                    .unwrap_or_default(),
                provisional: cur.is_some() && !complete,
            }
        })
        .collect();

    let subs = submissions::for_period(&state.db, template.id, &period).await?;
    let cal = catalogue::holidays(&state.db).await?;
    let deadline = template.deadline(&period, &cal);
    let deadline_ms = deadline
        .with_hms(23, 59, 59)
        .map(|t| (t.assume_offset(time::macros::offset!(+7)).unix_timestamp()) * 1000)
        .unwrap_or(i64::MAX);
    let mut c = data::Completeness {
        expected: provinces.len() as i64,
        ..Default::default()
    };
    let mut reports = Vec::new();
    for u in &provinces {
        let s = subs.iter().find(|s| s.unit_id == u.id);
        match s.map(|s| s.status) {
            Some(Status::Approved) => c.approved += 1,
            Some(Status::Submitted) => c.submitted += 1,
            Some(_) => c.draft_or_returned += 1,
            None => c.missing += 1,
        }
        if let Some(at) = s.and_then(|s| s.submitted_at) {
            if at <= deadline_ms {
                c.on_time += 1
            } else {
                c.late += 1
            }
        }
        let visible = ctx
            .principal
            .as_ref()
            .filter(|p| p.is_complete())
            .is_some_and(|p| {
                // The unit and its parent (a commune's province) without a query per unit.
                let target = platform::identity::access::Target {
                    national: false,
                    agency: template.agency_id,
                    units: std::iter::once(u.id).chain(u.parent_id).collect(),
                };
                p.allowed(Permission::ViewData, &target)
            });
        if visible {
            let key = status_key(s.map(|s| s.status));
            reports.push(ReportRow {
                unit_code: u.code.clone(),
                unit_name: u.name.clone(),
                status: ctx.t(&format!("reporting.status_{key}")),
                status_key: key,
                submitted: s
                    .and_then(|s| s.submitted_at)
                    .map(fmt_ms)
                    .unwrap_or_default(),
            });
        }
    }
    let next = period.next();
    let all = templates::list(&state.db).await?;
    let due = reports_due(&state, &ctx, &all, &cal).await?;
    render(OverviewPage {
        period_label: period.label(lang),
        period: period.id(),
        prev_period: period.previous().id(),
        next_period: (next <= template.latest_due(today).next()).then(|| next.id()),
        templates: all
            .iter()
            .map(|t| TemplateChoice {
                code: t.code.clone(),
                name: t.name(lang).to_owned(),
                selected: t.code == template.code,
            })
            .collect(),
        template_name: template.name(lang).to_owned(),
        tq: template_query(&template, '&'),
        tq_q: template_query(&template, '?'),
        template_code: template.code.clone(),
        due,
        any_provisional: rows.iter().any(|r: &OverviewRow| r.provisional),
        rows,
        completeness_pct: format_number(c.percent(), 0, lang),
        completeness: c,
        reports,
        ctx,
    })
}

/// The reports now due that the signed-in official files or approves: for each template, its
/// latest due period and the units within the caller's scope that have not finished it. Officials
/// with a national scope see the completeness tables instead.
async fn reports_due(
    state: &AppState,
    ctx: &Ctx,
    all: &[Template],
    cal: &crate::model::period::HolidayCalendar,
) -> AppResult<Vec<DueRow>> {
    use platform::identity::access::Scope;
    let Some(p) = ctx.principal.as_ref().filter(|p| p.is_complete()) else {
        return Ok(Vec::new());
    };
    if p.grants.iter().any(|g| g.scope == Scope::National) {
        return Ok(Vec::new());
    }
    let lang = ctx.lang_code();
    let today = registry::Day::today().0;
    let mut out = Vec::new();
    for t in all {
        let period = t.latest_due(today);
        let units = templates::units_in_scope(&state.db, t, &period, &p.grants).await?;
        if units.is_empty() {
            continue;
        }
        let subs = submissions::for_period(&state.db, t.id, &period).await?;
        for u in units {
            let target = templates::target(&state.db, t, &u).await?;
            let submit = p.allowed(Permission::SubmitData, &target);
            let approve = p.allowed(Permission::ApproveData, &target);
            let status = subs.iter().find(|s| s.unit_id == u.id).map(|s| s.status);
            let pending = (submit && !matches!(status, Some(Status::Submitted | Status::Approved)))
                || (approve && status == Some(Status::Submitted));
            if !pending || out.len() >= 50 {
                continue;
            }
            let key = status_key(status);
            out.push(DueRow {
                template: t.name(lang).to_owned(),
                unit_name: u.name.clone(),
                period_label: period.label(lang),
                href: format!(
                    "/reporting/{}/{}{}",
                    u.code,
                    period.id(),
                    template_query(t, '?')
                ),
                status: ctx.t(&format!("reporting.status_{key}")),
                status_key: key,
                deadline: ctx.lang.date(t.deadline(&period, cal)),
            });
        }
    }
    Ok(out)
}

struct FormRow {
    code: String,
    name: String,
    unit: String,
    value: String,
    previous: String,
    last_year: String,
    explanation: String,
    error: Option<String>,
    /// The year's target for this unit (chỉ tiêu kế hoạch), if one is set.
    target: String,
}

#[derive(askama::Template)]
#[template(path = "report_form.html")]
struct FormPage {
    ctx: Ctx,
    unit_code: String,
    unit_name: String,
    period: String,
    period_label: String,
    template_name: String,
    status_key: &'static str,
    status: String,
    version: i64,
    return_reason: Option<String>,
    rows: Vec<FormRow>,
    can_edit: bool,
    can_decide: bool,
    can_correct: bool,
    errors: Vec<String>,
    notices: Vec<String>,
    deadline: String,
    /// `?template=CODE` for links, empty for the monthly provincial report.
    tq: String,
    tq_amp: String,
}

#[derive(Deserialize)]
struct TemplateQuery {
    template: Option<String>,
}

async fn load_form(
    state: &AppState,
    auth: &Auth,
    unit_code: &str,
    period_id: &str,
    template: Option<&str>,
) -> AppResult<(registry::store::Unit, Period, catalogue::Template)> {
    let period = parse_period(Some(period_id))?;
    let template = templates::resolve(&state.db, template, "template").await?;
    template.check_period(&period).map_err(AppError::invalid)?;
    let unit = templates::unit_for(&state.db, &template, unit_code, &period)
        .await?
        .ok_or_else(AppError::not_found)?;
    let target = templates::target(&state.db, &template, &unit).await?;
    auth.require(Permission::ViewData, &target)?;
    Ok((unit, period, template))
}

#[allow(clippy::too_many_arguments)]
async fn render_form(
    state: &AppState,
    auth: Auth,
    unit: registry::store::Unit,
    period: Period,
    template: catalogue::Template,
    typed: Option<&std::collections::HashMap<String, String>>,
    errors: &[Problem],
    notices: Vec<String>,
    status_code: StatusCode,
) -> AppResult<Response> {
    let lang = auth.ctx.lang_code();
    let sub = submissions::find(&state.db, template.id, unit.id, &period).await?;
    let prev = period.previous();
    let ly = period.same_period_last_year();
    let ids: Vec<i64> = template.indicators.iter().map(|i| i.id).collect();
    let values = data::unit_values(&state.db, unit.id, &ids, &[period, prev, ly]).await?;
    let target = templates::target(&state.db, &template, &unit).await?;
    let may_submit = auth.principal.allowed(Permission::SubmitData, &target);
    let may_approve = auth.principal.allowed(Permission::ApproveData, &target);
    let status = sub.as_ref().map(|s| s.status);
    let editable = sub.as_ref().is_none_or(|s| s.is_editable());
    let explanations: std::collections::HashMap<String, String> = if let Some(s) = &sub {
        // The report's own values: through the primary key, its template's indicators.
        state
            .db
            .fetch_all(
                "SELECT i.code, dv.explanation FROM data_values dv JOIN indicators i ON i.id = dv.indicator_id \
                 WHERE dv.indicator_id IN (SELECT indicator_id FROM template_indicators WHERE template_id = $2) \
                 AND dv.period = $3 AND dv.unit_id = $4 AND dv.submission_id = $1 AND dv.explanation IS NOT NULL",
                platform::params![s.id, template.id, &s.period, s.unit_id],
            )
            .await?
            .iter()
            .filter_map(|r| Some((r.get::<String>("code").ok()?, r.get::<String>("explanation").ok()?)))
            .collect()
    } else {
        Default::default()
    };
    let fmt = |ind: &catalogue::Indicator, p: &Period| {
        values
            .get(&(ind.id, p.id()))
            .map(|v| ind.format(*v, lang))
            .unwrap_or_else(|| "—".into())
    };
    let targets: std::collections::HashMap<String, f64> =
        crate::targets::query(&state.db, None, Some(&unit.code), Some(period.year as i64))
            .await?
            .into_iter()
            .map(|t| (t.indicator, t.value))
            .collect();
    // Indicators not in force in this period (retired, or not yet valid) are not asked for.
    let rows = template
        .indicators
        .iter()
        .filter(|ind| ind.valid_for(&period))
        .map(|ind| {
            let field = format!("v_{}", ind.code);
            let typed_value = typed.and_then(|t| t.get(&field)).cloned();
            // In the input box, the value as stored, formatted as in the other columns (the
            // form reads it back exactly).
            let stored = values
                .get(&(ind.id, period.id()))
                .map(|v| ind.format(*v, lang));
            FormRow {
                code: ind.code.clone(),
                name: ind.name(lang).to_owned(),
                unit: ind.unit(lang).to_owned(),
                value: typed_value.or(stored).unwrap_or_default(),
                previous: fmt(ind, &prev),
                last_year: fmt(ind, &ly),
                target: targets
                    .get(&ind.code)
                    .map(|t| {
                        format!(
                            "{} {}: {}",
                            auth.ctx.t("reporting.target"),
                            period.year,
                            ind.format(*t, lang)
                        )
                    })
                    .unwrap_or_default(),
                explanation: typed
                    .and_then(|t| t.get(&format!("e_{}", ind.code)).cloned())
                    .or_else(|| explanations.get(&ind.code).cloned())
                    .unwrap_or_default(),
                error: errors
                    .iter()
                    .find(|p| {
                        p.field.as_deref() == Some(field.as_str())
                            || p.field.as_deref() == Some(&format!("e_{}", ind.code))
                    })
                    .map(|p| p.detail(auth.ctx.lang)),
            }
        })
        .collect();
    let cal = catalogue::holidays(&state.db).await?;
    let deadline = template.deadline(&period, &cal);
    let key = status_key(status);
    let mut res = render(FormPage {
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        period: period.id(),
        period_label: period.label(lang),
        template_name: template.name(lang).to_owned(),
        status_key: key,
        status: auth.ctx.t(&format!("reporting.status_{key}")),
        version: sub.as_ref().map(|s| s.version).unwrap_or(0),
        return_reason: sub
            .as_ref()
            .filter(|s| s.status == Status::Returned)
            .and_then(|s| s.return_reason.clone()),
        rows,
        can_edit: may_submit && editable,
        can_decide: may_approve && status == Some(Status::Submitted),
        can_correct: may_approve && status == Some(Status::Approved),
        errors: errors.iter().map(|p| p.detail(auth.ctx.lang)).collect(),
        notices,
        deadline: auth.ctx.lang.date(deadline),
        tq: template_query(&template, '?'),
        tq_amp: template_query(&template, '&'),
        ctx: auth.ctx,
    })?;
    *res.status_mut() = status_code;
    Ok(res)
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
    template: Option<String>,
}

/// The cookie that carries a saved report's warnings across the redirect after the POST
/// (post/redirect/get): the texts shown once, in the language they were written in, then cleared.
const FLASH_COOKIE: &str = "egov_flash";
/// Room left in a cookie (browsers keep at least 4,096 bytes per cookie) for the hex text.
const FLASH_MAX_HEX: usize = 3_600;

/// The warnings as a cookie value: hex of a JSON list, as many whole warnings as fit.
fn flash_value(warnings: &[String]) -> String {
    let mut kept: Vec<&String> = Vec::new();
    let mut hex_len = 4; // "[]" in hex
    for w in warnings {
        let add = 2 * (serde_json::to_string(w).map(|j| j.len()).unwrap_or(0) + 1);
        if hex_len + add > FLASH_MAX_HEX {
            break;
        }
        hex_len += add;
        kept.push(w);
    }
    hex::encode(serde_json::to_vec(&kept).unwrap_or_default())
}

fn flash_read(headers: &axum::http::HeaderMap) -> Vec<String> {
    platform::web::ctx::parse_cookies(headers)
        .get(FLASH_COOKIE)
        .and_then(|v| hex::decode(v).ok())
        .and_then(|b| serde_json::from_slice::<Vec<String>>(&b).ok())
        .unwrap_or_default()
}

async fn form_page(
    State(state): State<AppState>,
    auth: Auth,
    Path((unit_code, period_id)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let (unit, period, template) =
        load_form(&state, &auth, &unit_code, &period_id, q.template.as_deref()).await?;
    let done = q
        .done
        .filter(|d| ["save", "submit", "correct", "approve", "return"].contains(&d.as_str()));
    let mut notices = done
        .as_ref()
        .map(|d| vec![auth.ctx.t(&format!("reporting.done_{d}"))])
        .unwrap_or_default();
    // The warnings of the save just redirected from, shown once.
    let flash = flash_read(&headers);
    let had_flash = platform::web::ctx::parse_cookies(&headers).contains_key(FLASH_COOKIE);
    if done.is_some() {
        notices.extend(flash);
    }
    let secure = state.config.cookie_secure;
    let mut res = render_form(
        &state,
        auth,
        unit,
        period,
        template,
        None,
        &[],
        notices,
        StatusCode::OK,
    )
    .await?;
    if had_flash
        && let Ok(v) = axum::http::HeaderValue::from_str(&platform::web::ctx::cookie(
            FLASH_COOKIE,
            "",
            secure,
            Some(0),
        ))
    {
        res.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
    Ok(res)
}

async fn form_submit(
    State(state): State<AppState>,
    auth: Auth,
    Path((unit_code, period_id)): Path<(String, String)>,
    Query(tq): Query<TemplateQuery>,
    CsrfForm(form): CsrfForm<std::collections::HashMap<String, String>>,
) -> AppResult<Response> {
    let (unit, period, template) = load_form(
        &state,
        &auth,
        &unit_code,
        &period_id,
        tq.template.as_deref(),
    )
    .await?;
    let target = templates::target(&state.db, &template, &unit).await?;
    let action = form.get("action").map(String::as_str).unwrap_or("");
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let reason = form.get("reason").map(String::as_str);
    let here = format!("/reporting/{}/{}", unit.code, period.id());
    let here_q = template_query(&template, '&');
    let result = match action {
        "save" | "submit" | "correct" => {
            let perm = if action == "correct" {
                Permission::ApproveData
            } else {
                Permission::SubmitData
            };
            auth.require(perm, &target)?;
            let entries: Vec<Entry> = template
                .indicators
                .iter()
                .filter(|i| i.valid_for(&period))
                .map(|i| Entry {
                    indicator: i.code.clone(),
                    raw: form
                        .get(&format!("v_{}", i.code))
                        .cloned()
                        .unwrap_or_default(),
                    explanation: form.get(&format!("e_{}", i.code)).cloned(),
                    lang: auth.ctx.lang_code(),
                })
                .collect();
            let act = match action {
                "save" => Action::SaveDraft,
                "submit" => Action::Submit,
                _ => Action::Correct,
            };
            super::save::save(
                &state.db,
                &auth.actor(),
                &template,
                unit.id,
                &period,
                &entries,
                version.filter(|v| *v > 0),
                act,
                reason,
            )
            .await
            .map(|saved| {
                let mut notices = vec![auth.ctx.t(&format!("reporting.done_{action}"))];
                notices.extend(saved.warnings.iter().map(|w| w.detail(auth.ctx.lang)));
                notices
            })
        }
        "approve" | "return" => {
            auth.require(Permission::ApproveData, &target)?;
            let sub = submissions::find(&state.db, template.id, unit.id, &period)
                .await?
                .ok_or_else(AppError::not_found)?;
            decide(
                &state.db,
                &auth.actor(),
                sub.id,
                version.unwrap_or(-1),
                action == "approve",
                reason,
            )
            .await
            .map_err(AppError::from)
            .map(|_| vec![auth.ctx.t(&format!("reporting.done_{action}"))])
        }
        _ => Err(AppError::bad_request(
            Problem::new("action_invalid").field("action"),
        )),
    };
    match result {
        // Post/redirect/get: every successful POST answers 303 to the report page, so that a
        // refresh does not send the form again; warnings follow in a one-time cookie.
        Ok(notices) => {
            let done = action.to_owned();
            let mut res = Redirect::to(&format!("{here}?done={done}{here_q}")).into_response();
            if notices.len() > 1
                && let Ok(v) = axum::http::HeaderValue::from_str(&platform::web::ctx::cookie(
                    FLASH_COOKIE,
                    &flash_value(&notices[1..]),
                    state.config.cookie_secure,
                    Some(300),
                ))
            {
                res.headers_mut().append(axum::http::header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(e) if e.status == StatusCode::FORBIDDEN || e.status.is_server_error() => Err(e),
        Err(e) => {
            let status = e.status;
            render_form(
                &state,
                auth,
                unit,
                period,
                template,
                Some(&form),
                &e.problems,
                Vec::new(),
                status,
            )
            .await
        }
    }
}

struct OpenRow {
    code: String,
    name: String,
    unit: String,
    periodicity: String,
    derived: bool,
    /// The periods its download links ask for: the indicator's own periodicity.
    periods: String,
}

struct OpenDomain {
    title: String,
    rows: Vec<OpenRow>,
}

#[derive(askama::Template)]
#[template(path = "open_data.html")]
struct OpenDataPage {
    ctx: Ctx,
    domains: Vec<OpenDomain>,
    count: usize,
}

/// Open data (dữ liệu mở): every public indicator, downloadable without signing in.
async fn open_data(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let lang = ctx.lang_code();
    let latest = crate::latest_due_month();
    let all = catalogue::list(&state.db).await?;
    let published = national_figures_published(&state, &all, latest).await?;
    let public: Vec<_> = all.into_iter().filter(|i| i.is_public).collect();
    let mut domains: Vec<OpenDomain> = (1..=9)
        .map(|d| OpenDomain {
            title: ctx.t(&format!("domain.d{d}")),
            rows: Vec::new(),
        })
        .collect();

    for i in &public {
        let d = (i.domain.clamp(1, 9) - 1) as usize;
        domains[d].rows.push(OpenRow {
            code: i.code.clone(),
            name: i.name(lang).to_owned(),
            unit: i.unit(lang).to_owned(),
            periodicity: ctx.t(&format!("reporting.periodicity_{}", i.periodicity)),
            derived: i.formula.is_some(),
            periods: PeriodKind::parse(&i.periodicity)
                .filter(|_| published.contains(&i.code))
                .map(|kind| recent_periods(kind, latest).join(","))
                .unwrap_or_default(),
        });
    }
    render(OpenDataPage {
        count: public.len(),
        domains: domains.into_iter().filter(|d| !d.rows.is_empty()).collect(),
        ctx,
    })
}

/// The indicators that have a national figure in the periods their download links ask for: an
/// indicator aggregated over units (with its weight, for a weighted average) with an approved
/// value of some unit in those periods, any indicator with an approved value of a national unit
/// (a ministry's report), and a derived indicator whose inputs all have one. The others say "no
/// national figures yet" instead of linking to an empty file.
async fn national_figures_published(
    state: &AppState,
    all: &[catalogue::Indicator],
    latest: Period,
) -> AppResult<std::collections::HashSet<String>> {
    let mut with_values = std::collections::HashSet::new();
    let mut national = std::collections::HashSet::new();
    for kind in [
        PeriodKind::Month,
        PeriodKind::Quarter,
        PeriodKind::HalfYear,
        PeriodKind::NineMonths,
        PeriodKind::Year,
    ] {
        // Index seeks on the (indicator_id, period, unit_id) key, a few per indicator.
        let mut args: Vec<platform::db::Value> = vec![kind.as_str().into()];
        let periods = platform::db::bind_list(&mut args, recent_periods(kind, latest));
        let sql = format!(
            "SELECT i.code, \
               CASE WHEN EXISTS (SELECT 1 FROM data_values d JOIN units u ON u.id = d.unit_id \
                                 WHERE d.indicator_id = i.id AND d.period IN ({periods}) \
                                   AND d.approved AND u.level = 'nation') \
                    THEN 1 ELSE 0 END AS national \
             FROM indicators i \
             WHERE i.periodicity = $1 AND EXISTS (SELECT 1 FROM data_values d \
               WHERE d.indicator_id = i.id AND d.period IN ({periods}) AND d.approved)"
        );
        for r in state
            .db
            .fetch_all(platform::db::Sql::trusted(sql), args)
            .await?
        {
            let code: String = r.get("code")?;
            if r.get::<i64>("national")? != 0 {
                national.insert(code.clone());
            }
            with_values.insert(code);
        }
    }
    let mut has = national;
    for i in all {
        let weight_ok = i.agg_units != "wavg"
            || i.agg_weight
                .as_deref()
                .is_some_and(|w| with_values.contains(w));
        if i.agg_units != "none" && weight_ok && with_values.contains(&i.code) {
            has.insert(i.code.clone());
        }
    }
    // Derived indicators, until no more become available (formulas may use other formulas).
    let by_code: std::collections::HashMap<&str, &catalogue::Indicator> =
        all.iter().map(|i| (i.code.as_str(), i)).collect();
    loop {
        let before = has.len();
        for i in all {
            let Some(f) = i
                .formula
                .as_deref()
                .and_then(|f| crate::model::formula::Formula::parse(f).ok())
            else {
                continue;
            };
            // An input of another periodicity has no value in this indicator's periods.
            let inputs_ok = f.references().iter().all(|r| {
                has.contains(r)
                    && by_code
                        .get(r.as_str())
                        .is_some_and(|x| x.periodicity == i.periodicity)
            });
            if !has.contains(&i.code) && inputs_ok {
                has.insert(i.code.clone());
            }
        }
        if has.len() == before {
            return Ok(has);
        }
    }
}

/// The recent periods of `kind` that have ended by the month `latest`, oldest first: 24 months,
/// 8 quarters, 6 half-years, or 5 nine-month periods or years.
fn recent_periods(kind: PeriodKind, latest: Period) -> Vec<String> {
    let m = latest.index;
    let (index, count) = match kind {
        PeriodKind::Month => (m, 24),
        PeriodKind::Quarter => ((m - 1) / 3 + 1, 8),
        PeriodKind::HalfYear => ((m - 1) / 6 + 1, 6),
        PeriodKind::NineMonths | PeriodKind::Year => (0, 5),
    };
    let mut p = Period {
        year: latest.year,
        kind,
        index,
    };
    if p.month_range().1 > m {
        p = p.previous();
    }
    let mut ids = Vec::with_capacity(count);
    for _ in 0..count {
        ids.push(p.id());
        p = p.previous();
    }
    ids.reverse();
    ids
}
