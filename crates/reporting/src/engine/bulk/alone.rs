//! Phase 1: the checks that need nothing stored — the period, known indicators each once,
//! numbers within bounds, every value present to submit, a reason to correct.

use std::collections::{HashMap, HashSet};

use platform::error::Problem;
use platform::web::limits::{MAX_TEXT_CHARS, check_text};

use super::{Checked, Lookups, Report, failure, refuse_if_any};
use crate::engine::error::{Issue, Kind, Result};
use crate::model::indicator::Indicator;
use crate::model::period::Period;
use crate::model::status::Action;

/// Refuse a period after the one in progress on `today` ([`Period::current`]), naming the
/// period and the latest allowed. Every ingestion path (form, API, batch, bulk, DHIS2, Excel)
/// passes here.
pub fn check_not_future(period: &Period, today: time::Date) -> Result<(), Problem> {
    let latest = Period::current(period.kind, today);
    if (period.year, period.index) <= (latest.year, latest.index) {
        return Ok(());
    }
    Err(Problem::new("period_in_future")
        .arg("value", period.id())
        .arg("latest", latest.id()))
}

/// Every report checked alone; a report repeated in the batch is refused too.
pub(super) fn check_all<'a>(
    reports: &'a [Report<'a>],
    lookups: &Lookups<'a>,
) -> Result<Vec<Checked<'a>>> {
    let mut failures = Vec::new();
    let mut checked = Vec::with_capacity(reports.len());
    let mut keys = HashSet::with_capacity(reports.len());
    for (i, r) in reports.iter().enumerate() {
        let (c, mut issues) = check_alone(r, &lookups[&r.template.id]);
        if !keys.insert((r.template.id, r.unit_id, r.period)) {
            issues.push(Issue::report(
                Problem::new("report_repeated").arg("period", r.period.id()),
            ));
        }
        if !issues.is_empty() {
            failures.push(failure(i, Kind::Invalid, issues));
        }
        checked.push(c);
    }
    refuse_if_any(failures)?;
    Ok(checked)
}

/// The problems of a report that need nothing stored (unknown or repeated indicators, numbers out
/// of bounds, values missing to submit, a correction without a reason).
pub fn problems_alone(report: &Report<'_>) -> Vec<Issue> {
    let by_code: HashMap<&str, &Indicator> = report
        .template
        .indicators
        .iter()
        .map(|i| (i.code.as_str(), i))
        .collect();
    check_alone(report, &by_code).1
}

/// One report's checks that need nothing stored.
fn check_alone<'a>(
    report: &'a Report<'a>,
    by_code: &HashMap<&str, &'a Indicator>,
) -> (Checked<'a>, Vec<Issue>) {
    let mut issues = Vec::new();
    // A template is reported for one kind of period.
    if let Err(p) = report.template.check_period(&report.period) {
        issues.push(Issue::part("period", p));
    } else if let Err(p) = check_not_future(&report.period, registry::Day::today().0) {
        // Nothing to report yet for a period after the one in progress (a report for 2099-12).
        issues.push(Issue::part("period", p));
    }
    let mut values = Vec::with_capacity(report.values.len());
    let mut seen = HashSet::with_capacity(report.values.len());
    for v in &report.values {
        let Some(ind) = by_code.get(v.indicator.as_str()).copied() else {
            issues.push(Issue::value(
                &v.indicator,
                Problem::new("indicator_unknown").arg("code", &v.indicator),
            ));
            continue;
        };
        // A retired indicator (or one not yet in force) is not asked for in this period.
        if !ind.valid_for(&report.period) {
            issues.push(Issue::value(
                &ind.code,
                Problem::new("indicator_not_valid")
                    .arg("indicator", &ind.code)
                    .arg("period", report.period.id())
                    .arg("from", ind.valid_from.as_deref().unwrap_or("…"))
                    .arg("to", ind.valid_to.as_deref().unwrap_or("…")),
            ));
            continue;
        }
        if !seen.insert(ind.id) {
            issues.push(Issue::value(
                &ind.code,
                Problem::new("indicator_repeated").arg("code", &ind.code),
            ));
            continue;
        }
        // The indicator's declared type and range (a count is whole and not negative, a share
        // is 0–100, no more decimals than declared, nothing beyond the limit of every value).
        if let Some(x) = v.value
            && let Err(breach) = ind.check_value(x)
        {
            issues.push(Issue::value(&ind.code, ind.value_problem(x, breach)));
        }
        if report.action != Action::SaveDraft && v.value.is_none() {
            issues.push(value_required(ind));
        }
        // Too long an explanation names the indicator (`http::errors` names its form field).
        if let Err(p) = check_text(&ind.code, v.explanation.as_deref(), MAX_TEXT_CHARS) {
            issues.push(Issue::explanation(&ind.code, p));
        }
        let explanation = v.explanation.clone().filter(|x| !x.trim().is_empty());
        values.push((ind, v.value, explanation));
    }
    if report.action != Action::SaveDraft {
        for ind in report
            .template
            .indicators
            .iter()
            .filter(|i| i.valid_for(&report.period))
        {
            if !seen.contains(&ind.id) {
                issues.push(value_required(ind));
            }
        }
    }
    if report.action == Action::Correct
        && report.reason.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        issues.push(Issue::part("reason", Problem::new("reason_required")));
    }
    if let Err(p) = check_text("reason", report.reason.as_deref(), MAX_TEXT_CHARS) {
        issues.push(Issue::part("reason", p));
    }
    (Checked { values }, issues)
}

fn value_required(ind: &Indicator) -> Issue {
    Issue::value(
        &ind.code,
        Problem::new("value_required")
            .arg("indicator", &ind.name_vi)
            .arg("indicator_en", &ind.name_en),
    )
}
