//! The report form (biểu mẫu báo cáo) of a unit for a period: enter, save, submit, correct;
//! approve or return.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::Permission;
use platform::web::admin::render;
use platform::web::{AppState, Auth, CsrfForm, Ctx};
use platform::web::{Path, Query};
use serde::Deserialize;

use crate::engine::decide::decide;
use crate::engine::save::Entry;
use crate::model::period::Period;
use crate::model::status::{Action, Status};
use crate::query as data;
use crate::store::submissions;

use super::{shown_status, template_query};
use crate::http::report::ReportAt;

struct FormRow {
    code: String,
    name: String,
    unit: String,
    value: String,
    previous: String,
    last_year: String,
    explanation: String,
    error: Option<String>,
    /// What the reporter was warned about on this value, re-evaluated from the stored values
    /// (issue 11, item 9): shown to whoever reads the report, the approver first.
    flag: Option<String>,
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
    /// How many rows carry a flag.
    flagged: usize,
    can_edit: bool,
    can_decide: bool,
    can_correct: bool,
    form_errors: Vec<platform::web::form::FormError>,
    notices: Vec<String>,
    deadline: String,
    /// `?template=CODE` for links, empty for the monthly provincial report.
    tq: String,
    tq_amp: String,
}

/// The form as it stands, or as typed with its problems (`status_code` 422/409).
async fn render_form(
    state: &AppState,
    report: ReportAt,
    typed: Option<&std::collections::HashMap<String, String>>,
    errors: &[Problem],
    notices: Vec<String>,
    status_code: StatusCode,
) -> AppResult<Response> {
    let ReportAt {
        auth,
        unit,
        period,
        template,
        target,
    } = report;
    let lang = auth.ctx.lang_code();
    let sub = submissions::find(&state.db, template.id, unit.id, &period).await?;
    let prev = period.previous();
    let ly = period.same_period_last_year();
    let ids: Vec<i64> = template.indicators.iter().map(|i| i.id).collect();
    let values = data::unit_values(&state.db, unit.id, &ids, &[period, prev, ly]).await?;
    let may_submit = auth.principal.allowed(Permission::SubmitData, &target);
    let may_approve = auth.principal.allowed(Permission::ApproveData, &target);
    let status = sub.as_ref().map(|s| s.status);
    let editable = sub.as_ref().is_none_or(|s| s.is_editable());
    let explanations = match &sub {
        Some(s) => crate::store::values::explanations(&state.db, s).await?,
        None => Default::default(),
    };
    let targets: std::collections::HashMap<String, f64> =
        crate::store::targets::query(&state.db, None, Some(&unit.code), Some(period.year as i64))
            .await?
            .into_iter()
            .map(|t| (t.indicator, t.value))
            .collect();
    // The warnings of the report as stored (not of a form just refused: its errors say it).
    let flags = match (&sub, typed) {
        (Some(_), None) => {
            crate::engine::review::flags(
                &state.db,
                &template,
                unit.id,
                &period,
                &values,
                auth.ctx.lang,
            )
            .await?
        }
        _ => Vec::new(),
    };
    let shown = Shown {
        values: &values,
        explanations: &explanations,
        targets: &targets,
        typed,
        errors,
        flags: &flags,
    };
    let rows = form_rows(&auth.ctx, &template, &period, &shown);
    let flagged = rows.iter().filter(|r| r.flag.is_some()).count();
    let cal = crate::store::holidays::holidays(&state.db).await?;
    let deadline = template.deadline(&period, &cal);
    let (key, status_text) = shown_status(&auth.ctx, status, deadline, registry::Day::today().0);
    let mut res = render(FormPage {
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        period: period.id(),
        period_label: period.label(lang),
        template_name: template.name(lang).to_owned(),
        status_key: key,
        status: status_text,
        version: sub.as_ref().map(|s| s.version).unwrap_or(0),
        return_reason: sub
            .as_ref()
            .filter(|s| s.status == Status::Returned)
            .and_then(|s| s.return_reason.clone()),
        rows,
        flagged,
        can_edit: may_submit && editable,
        can_decide: may_approve && status == Some(Status::Submitted),
        can_correct: may_approve && status == Some(Status::Approved),
        form_errors: platform::web::form::FormError::from_problems(errors, auth.ctx.lang, ""),
        notices,
        deadline: auth.ctx.lang.date(deadline),
        tq: template_query(&template, '?'),
        tq_amp: template_query(&template, '&'),
        ctx: auth.ctx,
    })?;
    *res.status_mut() = status_code;
    Ok(res)
}

/// What a form shows besides the indicators: values of this period, the previous one and the
/// same period last year; stored explanations; the year's targets; what was typed and refused;
/// the warnings of the stored values.
struct Shown<'a> {
    values: &'a std::collections::HashMap<(i64, String), f64>,
    explanations: &'a std::collections::HashMap<String, String>,
    targets: &'a std::collections::HashMap<String, f64>,
    typed: Option<&'a std::collections::HashMap<String, String>>,
    errors: &'a [Problem],
    flags: &'a [crate::engine::review::Flag],
}

/// One row per indicator in force in this period (retired ones, or those not yet valid, are not
/// asked for).
fn form_rows(
    ctx: &Ctx,
    template: &crate::model::template::Template,
    period: &Period,
    shown: &Shown<'_>,
) -> Vec<FormRow> {
    let lang = ctx.lang_code();
    let (prev, ly) = (period.previous(), period.same_period_last_year());
    let Shown {
        values,
        explanations,
        targets,
        typed,
        errors,
        flags,
    } = shown;
    let fmt = |ind: &crate::model::indicator::Indicator, p: &Period| {
        values
            .get(&(ind.id, p.id()))
            .map(|v| ind.format(*v, lang))
            .unwrap_or_else(|| "—".into())
    };
    template
        .indicators
        .iter()
        .filter(|ind| ind.valid_for(period))
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
                            ctx.t("reporting.target"),
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
                    .map(|p| p.detail(ctx.lang)),
                flag: flags
                    .iter()
                    .find(|f| f.indicator == ind.code)
                    .map(|f| f.text.clone()),
            }
        })
        .collect()
}

#[derive(Deserialize)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct TemplateQuery {
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

pub(super) async fn form_page(
    State(state): State<AppState>,
    report: ReportAt,
    Query(q): Query<DoneQuery>,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let auth = &report.auth;
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
    let mut res = render_form(&state, report, None, &[], notices, StatusCode::OK).await?;
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

pub(super) async fn form_submit(
    State(state): State<AppState>,
    auth: Auth,
    Path((unit_code, period_id)): Path<(String, String)>,
    Query(tq): Query<TemplateQuery>,
    CsrfForm(form): CsrfForm<std::collections::HashMap<String, String>>,
) -> AppResult<Response> {
    // Resolved after the form's CSRF check, as every POST.
    let report =
        ReportAt::resolve(&state, auth, &unit_code, &period_id, tq.template.as_deref()).await?;
    let (auth, unit, period, template, target) = (
        &report.auth,
        &report.unit,
        &report.period,
        &report.template,
        &report.target,
    );
    let action = form.get("action").map(String::as_str).unwrap_or("");
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let reason = form.get("reason").map(String::as_str);
    let here = format!("/reporting/{}/{}", unit.code, period.id());
    let here_q = template_query(template, '&');
    let result = match action {
        "save" | "submit" | "correct" => {
            let perm = if action == "correct" {
                Permission::ApproveData
            } else {
                Permission::SubmitData
            };
            auth.require(perm, target)?;
            let entries: Vec<Entry> = template
                .indicators
                .iter()
                .filter(|i| i.valid_for(period))
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
            crate::http::save::save(
                &state.db,
                &auth.actor(),
                template,
                unit.id,
                period,
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
            auth.require(Permission::ApproveData, target)?;
            let sub = submissions::find(&state.db, template.id, unit.id, period)
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
            render_form(&state, report, Some(&form), &e.problems, Vec::new(), status).await
        }
    }
}
