//! The national overview (tổng quan): every indicator of a template for a period, with its fresh
//! national total, growth and completeness (the reports awaiting the signed-in official are on
//! the worklist page, linked from here).
//!
//! Each template's page speaks of its own reporting units (a ministry for the country, the
//! provinces, the communes) and notes only what applies to its own indicators. The period field
//! reads the forms the page shows (`11/2026`, `2026-11`, `202611`…, [`Period::parse_typed`]); a
//! period it cannot read, or of another kind than the template's, is answered 422 with the page
//! and the typed text kept, the error linked to the field.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use platform::error::AppResult;
use platform::i18n::t_args;
use platform::identity::access::Permission;
use platform::web::Query;
use platform::web::admin::{fmt_ms, render};
use platform::web::form::{FormError, error_at};
use platform::web::{AppState, Ctx};
use registry::Level;
use serde::Deserialize;

use crate::model::format::format_number;
use crate::model::period::Period;
use crate::model::status::Status;
use crate::model::template::Template;
use crate::query as data;
use crate::store::submissions;

use super::{shown_status, template_query};

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
    /// The code of the report's unit in its address (`VN` for a ministry's national report).
    unit_code: String,
    /// Who files it as people know them: the province or commune, or the ministry.
    code: String,
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
    /// The period field: the period's short form, or what was typed when it was refused.
    period_typed: String,
    period_hint: String,
    period_error: Option<String>,
    form_errors: Vec<FormError>,
    /// The template's own words: who reports, what is due, what the notes say.
    words: Words,
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
}

#[derive(Deserialize)]
pub(super) struct PeriodQuery {
    period: Option<String>,
    template: Option<String>,
}

/// What the page says of a template's reporting units and indicators.
struct Words {
    /// "Đơn vị báo cáo: các tỉnh, thành phố (34)." / "…: Bộ Tài chính, số liệu của cả nước."
    reporters: String,
    national_caption: String,
    expected: String,
    with_data: String,
    reports_caption: String,
    /// How the national figures are made (added up from the units, or the ministry's own).
    aggregation_note: String,
    /// The template's indicators not added up from the units' figures, if any.
    not_added_note: Option<String>,
    growth_note: String,
    provisional_note: String,
}

/// The words of `template` in `lang`; `ministry` is the name of the ministry filing a national
/// template, `expected` the number of units due.
fn words(
    lang: platform::i18n::Lang,
    template: &Template,
    ministry: Option<&str>,
    indicators: &[crate::model::indicator::Indicator],
    period_label: &str,
    expected: i64,
) -> Words {
    let level = match template.level() {
        Level::Nation => "nation",
        Level::Province => "province",
        Level::District => "district",
        Level::Commune => "commune",
    };
    let t = |key: &str, args: &[(&str, String)]| t_args(lang, &format!("pages.{key}"), args);
    let ministry = ministry.unwrap_or(&template.code).to_owned();
    let units = t(&format!("units_{level}"), &[]);
    let with_data = t(&format!("with_data_{level}"), &[]);
    let nation = template.level() == Level::Nation;
    // Figures of indicators that do not add up over units (indices, rates, averages) are not
    // the units' sum: said once, naming them, only where the template has such indicators.
    let not_added: Vec<&str> = indicators
        .iter()
        .filter(|i| i.agg_units != "sum")
        .map(|i| i.name(lang))
        .collect();
    Words {
        reporters: if nation {
            t("reporters_nation", &[("ministry", ministry.clone())])
        } else {
            t(
                "reporters_units",
                &[("units", units.clone()), ("count", expected.to_string())],
            )
        },
        national_caption: t("national_caption", &[("period", period_label.to_owned())]),
        expected: t(&format!("expected_{level}"), &[]),
        reports_caption: t(&format!("reports_caption_{level}"), &[]),
        aggregation_note: if nation {
            t("aggregation_nation", &[("ministry", ministry.clone())])
        } else {
            t("aggregation_units", &[("units", units.clone())])
        },
        not_added_note: (!nation && !not_added.is_empty()).then(|| {
            t(
                "not_added_note",
                &[("units", units.clone()), ("names", not_added.join("; "))],
            )
        }),
        growth_note: if nation {
            t("growth_note_nation", &[("ministry", ministry)])
        } else {
            t("growth_note_units", &[("units", units)])
        },
        provisional_note: t("provisional_note", &[("column", with_data.clone())]),
        with_data,
    }
}

/// The period of the page: the one asked for, or the latest due with the problem of what was
/// typed (unreadable, or of another kind than the template's), to show on the field.
fn asked_period(
    lang: platform::i18n::Lang,
    template: &Template,
    typed: Option<&str>,
    today: time::Date,
) -> (Period, Option<String>) {
    let latest = template.latest_due(today);
    let Some(typed) = typed.map(str::trim).filter(|s| !s.is_empty()) else {
        return (latest, None);
    };
    let examples = latest.typed_examples().join(", ");
    let kind = crate::model::template::kind_label(template.kind(), lang).to_owned();
    let t = |key: &str, args: &[(&str, String)]| t_args(lang, &format!("pages.{key}"), args);
    match Period::parse_typed(typed) {
        Ok(p) if p.kind == template.kind() => (p, None),
        Ok(p) => (
            latest,
            Some(t(
                "period_wrong_kind",
                &[
                    ("label", p.label(lang.code())),
                    ("kind", kind),
                    ("examples", examples),
                ],
            )),
        ),
        Err(_) => (
            latest,
            Some(t(
                "period_unreadable",
                &[
                    ("value", typed.chars().take(40).collect()),
                    ("kind", kind),
                    ("examples", examples),
                ],
            )),
        ),
    }
}

/// A template the overview can switch to.
struct TemplateChoice {
    code: String,
    name: String,
    selected: bool,
}

pub(super) async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let lang = ctx.lang_code();
    let template =
        crate::http::templates::resolve(&state.db, q.template.as_deref(), "template").await?;
    let today = registry::Day::today().0;
    let (period, period_error) = asked_period(ctx.lang, &template, q.period.as_deref(), today);
    let form_errors: Vec<FormError> = period_error
        .into_iter()
        .map(|e| FormError::at("period", e))
        .collect();
    let indicators = visible_indicators(&state, &ctx, &template, &period).await?;
    // Completeness and the list of reports the caller may see.
    let provinces = crate::store::units::reporting_units(&state.db, &template, &period).await?;
    let expected = provinces.len() as i64;
    let rows = indicator_rows(&state, &template, &indicators, &period, expected, lang).await?;
    let subs = submissions::for_period(&state.db, template.id, &period).await?;
    let cal = crate::store::holidays::holidays(&state.db).await?;
    let deadline = template.deadline(&period, &cal);
    let deadline_ms = crate::model::calendar::deadline_end_ms(deadline);
    // A ministry's national report is filed by the ministry: named as such, not as "VN".
    let ministry = match template.agency_id {
        Some(id) => registry::store::agency(&state.db, id).await?,
        None => None,
    };
    let (c, reports) = completeness(
        &ctx,
        &template,
        ministry.as_ref(),
        &provinces,
        &subs,
        deadline_ms,
        (deadline, today),
    );
    let next = period.next();
    let all = crate::store::templates::list(&state.db).await?;
    let period_label = period.label(lang);
    let words = words(
        ctx.lang,
        &template,
        ministry.as_ref().map(|a| a.name(ctx.lang)),
        &indicators,
        &period_label,
        expected,
    );
    let period_error = error_at(&form_errors, "period").map(str::to_owned);
    let refused = !form_errors.is_empty();
    let mut res = render(OverviewPage {
        period_typed: match &period_error {
            Some(_) => q.period.clone().unwrap_or_default(),
            None => period.short(),
        },
        period_hint: t_args(
            ctx.lang,
            "pages.period_hint",
            &[("examples", period.typed_examples().join(", "))],
        ),
        period_error,
        form_errors,
        words,
        period_label,
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
        any_provisional: rows.iter().any(|r: &OverviewRow| r.provisional),
        rows,
        completeness_pct: format_number(c.percent(), 0, lang),
        completeness: c,
        reports,
        ctx,
    })?;
    if refused {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// The template's indicators whose national figures the caller may read. National figures of
/// internal indicators: for national-scope officials only (`crate::model::access::may_view_national`); a
/// ministry's report (a national template) shows its own figures also to those who may read
/// that report.
async fn visible_indicators(
    state: &AppState,
    ctx: &Ctx,
    template: &Template,
    period: &Period,
) -> AppResult<Vec<crate::model::indicator::Indicator>> {
    let principal = ctx.principal.as_deref().filter(|p| p.is_complete());
    let own_report = match principal {
        Some(p) if template.level() == registry::Level::Nation => {
            match crate::store::units::unit_for(&state.db, template, "VN", period).await? {
                Some(vn) => p.allowed(
                    Permission::ViewData,
                    &crate::store::units::target(&state.db, template, &vn).await?,
                ),
                None => false,
            }
        }
        _ => false,
    };
    let indicators: Vec<crate::model::indicator::Indicator> = template
        .indicators
        .iter()
        .filter(|i| own_report || crate::model::access::may_view_national(principal, i))
        .cloned()
        .collect();
    Ok(indicators)
}

/// Periods of the same kind from the start of the year (lũy kế).
fn to_date(p: &Period) -> Vec<Period> {
    let mut out = vec![*p];
    let mut q = *p;
    while q.index > 1 {
        q = q.previous();
        out.insert(0, q);
    }
    out
}

/// One row per indicator: the national figure, last year's, growth and year to date.
async fn indicator_rows(
    state: &AppState,
    template: &Template,
    indicators: &[crate::model::indicator::Indicator],
    period: &Period,
    expected: i64,
    lang: &str,
) -> AppResult<Vec<OverviewRow>> {
    let last_year = period.same_period_last_year();
    let mut months = to_date(period);
    months.extend(to_date(&last_year));
    // A ministry's report: the figures it reported for the country; otherwise the provinces' sum.
    let totals = if template.level() == registry::Level::Nation {
        data::nation_values(&state.db, indicators, &months)
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
        data::national(&state.db, indicators, &months).await?
    };
    let get = |id: i64, p: &Period| totals.get(&(id, p.id())).copied();
    let dash = || "—".to_owned();
    let rows: Vec<OverviewRow> = indicators
        .iter()
        .map(|ind| {
            let cur = get(ind.id, period);
            let base = get(ind.id, &last_year);
            let ytd_months: Vec<Option<f64>> = to_date(period)
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
    Ok(rows)
}

/// The completeness of the period's reports, and those the caller may see.
fn completeness(
    ctx: &Ctx,
    template: &Template,
    ministry: Option<&registry::store::Agency>,
    provinces: &[registry::store::Unit],
    subs: &[crate::model::submission::Submission],
    deadline_ms: i64,
    (deadline, today): (time::Date, time::Date),
) -> (data::Completeness, Vec<ReportRow>) {
    let mut c = data::Completeness {
        expected: provinces.len() as i64,
        ..Default::default()
    };
    let mut reports = Vec::new();
    for u in provinces {
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
            let (key, status) = shown_status(ctx, s.map(|s| s.status), deadline, today);
            let (code, unit_name) = match ministry {
                Some(m) if template.level() == registry::Level::Nation => {
                    (m.code.clone(), m.name(ctx.lang).to_owned())
                }
                _ => (u.code.clone(), u.name.clone()),
            };
            reports.push(ReportRow {
                unit_code: u.code.clone(),
                code,
                unit_name,
                status,
                status_key: key,
                submitted: s
                    .and_then(|s| s.submitted_at)
                    .map(fmt_ms)
                    .unwrap_or_default(),
            });
        }
    }
    (c, reports)
}
