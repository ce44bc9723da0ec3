//! Phase 3: every report checked against what is stored — the version its sender saw, the
//! workflow (a locked report, a correction before approval, four eyes), values far from the
//! unit's own history, the validation rules, and a national figure against the provinces'.

use std::collections::{HashMap, HashSet};

use platform::audit::Actor;
use platform::db::Tx;
use platform::error::Problem;

use super::state::State;
use super::{Checked, HISTORY, Lookups, Report, failure, refuse_if_any};
use crate::engine::decide::is_author;
use crate::engine::error::{Issue, Kind, Result};
use crate::model::indicator::Indicator;
use crate::model::period::Period;
use crate::model::status::{Action, Status};
use crate::model::submission::Submission;
use crate::model::warning;
use crate::store::values::Stored;

/// What to do with one report once every report has passed.
pub(super) struct Plan {
    pub sub: Option<Submission>,
    /// Nothing to write (refused, or the values and state it already holds).
    pub skip: bool,
    pub warnings: Vec<Issue>,
    /// Created by this batch in its final state (nothing more to write for it).
    pub fresh: bool,
}

impl Plan {
    fn skip(sub: Option<Submission>) -> Plan {
        Plan {
            sub,
            skip: true,
            warnings: Vec::new(),
            fresh: false,
        }
    }
}

/// Does sending `value` (with `explanation`, if any) change what is stored? A new or changed
/// value does; so does a new explanation of the same value. The same value sent again without
/// an explanation keeps the stored one and changes nothing.
pub(super) fn is_change(
    old: Option<&Stored>,
    value: Option<f64>,
    explanation: Option<&String>,
) -> bool {
    let Some(old) = old else {
        return value.is_some();
    };
    Some(old.value) != value || explanation.is_some_and(|x| old.explanation.as_ref() != Some(x))
}

/// Every report checked against the state: a plan for each, or every failing report named.
pub(super) async fn check_all(
    tx: &mut Tx,
    actor: &Actor,
    reports: &[Report<'_>],
    checked: &[Checked<'_>],
    state: &mut State,
    lookups: &Lookups<'_>,
) -> Result<Vec<Plan>> {
    let mut failures = Vec::new();
    let mut plans: Vec<Plan> = Vec::with_capacity(reports.len());
    let mut hist: Vec<f64> = Vec::with_capacity(HISTORY);
    for (i, (r, c)) in reports.iter().zip(checked).enumerate() {
        let sub = state
            .submissions
            .remove(&(r.template.id, r.unit_id, r.period.id()));
        if let Some(issue) = version_conflict(r, sub.as_ref()) {
            failures.push(failure(i, Kind::Conflict, vec![issue]));
            plans.push(Plan::skip(sub));
            continue;
        }
        if unchanged(r, c, sub.as_ref(), state) {
            plans.push(Plan::skip(sub));
            continue;
        }
        if let Some(p) = state_problem(tx, actor, r.action, sub.as_ref()).await? {
            failures.push(failure(i, Kind::Conflict, vec![Issue::report(p)]));
            plans.push(Plan::skip(sub));
            continue;
        }
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        unusual(
            r,
            c,
            state,
            lookups,
            &mut hist,
            &mut problems,
            &mut warnings,
        );
        if r.template.unit_level == "nation" {
            national(tx, r, c, &mut problems, &mut warnings).await?;
        }
        if !problems.is_empty() {
            failures.push(failure(i, Kind::Invalid, problems));
        }
        plans.push(Plan {
            sub,
            skip: false,
            warnings,
            fresh: false,
        });
    }
    refuse_if_any(failures)?;
    Ok(plans)
}

/// The sender saw another version than the one stored (a new report is at version 1).
fn version_conflict(r: &Report<'_>, sub: Option<&Submission>) -> Option<Issue> {
    let version = sub.map(|s| s.version).unwrap_or(1);
    let expected = r.expected_version?;
    if expected == version {
        return None;
    }
    let by = sub
        .and_then(|s| s.submitted_by.clone().or(s.decided_by.clone()))
        .unwrap_or_default();
    Some(Issue::report(
        Problem::new("edited_concurrently").arg("by", by),
    ))
}

/// A system re-sending values the report already holds, in the state it is already in.
fn unchanged(r: &Report<'_>, c: &Checked<'_>, sub: Option<&Submission>, state: &State) -> bool {
    let Some(sub) = sub else { return false };
    r.action.already_in(sub.status)
        && r.expected_version.is_none()
        && !c.values.is_empty()
        && c.values.iter().all(|(ind, v, e)| {
            let old = state.stored.get(&(ind.id, r.unit_id, r.period));
            !is_change(old, *v, e.as_ref())
        })
}

/// Why the report's state refuses the action, if it does.
async fn state_problem(
    tx: &mut Tx,
    actor: &Actor,
    action: Action,
    sub: Option<&Submission>,
) -> Result<Option<Problem>> {
    let status = sub.map(|s| s.status).unwrap_or(Status::Draft);
    Ok(match (action, status) {
        // Four-eyes: the one who submitted or last changed the report does not correct (and
        // so approve) it.
        (Action::Correct, Status::Approved) => match sub {
            Some(s) if is_author(tx, actor, s).await? => Some(Problem::new("four_eyes_correct")),
            _ => None,
        },
        (Action::Correct, _) => Some(Problem::new("correction_only_after_approval")),
        (_, Status::Draft | Status::Returned) => None,
        (_, s) => Some(Problem::new("report_locked").arg("status", s.as_str())),
    })
}

/// The indicators of the report that carry an explanation.
fn explained<'a>(c: &'a Checked<'_>) -> HashSet<&'a str> {
    c.values
        .iter()
        .filter(|(_, _, e)| e.is_some())
        .map(|(i, _, _)| i.code.as_str())
        .collect()
}

/// Values far from the unit's own history, and validation rules over the report's values (this
/// period as sent, the previous one as stored): one problem or warning per value
/// ([`warning::Flagged::judge`]) — a broken error rule blocks a submission, a warning or an
/// outlier needs an explanation on the indicator it concerns.
fn unusual(
    r: &Report<'_>,
    c: &Checked<'_>,
    state: &State,
    lookups: &Lookups<'_>,
    hist: &mut Vec<f64>,
    problems: &mut Vec<Issue>,
    warnings: &mut Vec<Issue>,
) {
    let prev = r.period.previous();
    let current: HashMap<&str, Option<f64>> = c
        .values
        .iter()
        .map(|(i, v, _)| (i.code.as_str(), *v))
        .collect();
    let by_code = &lookups[&r.template.id];
    let indicator = |code: &str| by_code.get(code).copied();
    let now = |code: &str| current.get(code).copied().flatten();
    let history = state.history.get(&r.unit_id);
    // The previous period as stored (read for the rules' indicators), else its approved value
    // in the history (what an outlier's message compares with).
    let before = |code: &str| {
        let ind = by_code.get(code)?;
        state
            .prev_stored
            .get(&(ind.id, r.unit_id, prev))
            .map(|x| x.value)
            .or_else(|| history?.get(ind.id, &prev))
    };
    let earlier = |ind: &Indicator, into: &mut Vec<f64>| {
        if let Some(h) = history {
            into.extend(h.before(ind.id, &r.period, HISTORY));
        }
    };
    let src = warning::Sources {
        indicator: &indicator,
        current: &now,
        previous: &before,
        history: &earlier,
    };
    let rules = state.rules_of[&r.template.id]
        .iter()
        .map(|&k| &state.rules[k]);
    let flagged = warning::evaluate(
        &r.period,
        c.values.iter().map(|(i, v, _)| (*i, *v)),
        rules,
        &src,
        hist,
    );
    if flagged.is_empty() {
        return;
    }
    let explained = explained(c);
    let submitting = r.action != Action::SaveDraft;
    for f in &flagged {
        let code = f.indicator.code.as_str();
        let j = f.judge(submitting, explained.contains(code));
        let p = f.problem(j, &indicator);
        match (j.refuses, j.on_explanation) {
            (true, true) => problems.push(Issue::explanation(code, p)),
            (true, false) => problems.push(Issue::value(code, p)),
            (false, _) => warnings.push(Issue::value(code, p)),
        }
    }
}

/// A ministry's national figure of an additive indicator should match the sum of the
/// provinces' approved figures once every province has reported: more than 0.5 % apart needs
/// an explanation (a warning).
async fn national(
    tx: &mut Tx,
    r: &Report<'_>,
    c: &Checked<'_>,
    problems: &mut Vec<Issue>,
    warnings: &mut Vec<Issue>,
) -> Result<()> {
    let explained = explained(c);
    for (code, p) in national_vs_provinces(tx, &r.period, &c.values).await? {
        if r.action != Action::SaveDraft && !explained.contains(code.as_str()) {
            let p = Problem {
                code: "national_vs_provinces_unexplained",
                ..p
            };
            problems.push(Issue::explanation(&code, p));
        } else {
            warnings.push(Issue::value(&code, p));
        }
    }
    Ok(())
}

/// Largest relative gap between a national figure and the sum of the provinces' figures that
/// needs no explanation.
pub const NATIONAL_TOLERANCE: f64 = 0.005;

/// The indicators of a national report whose figure is more than [`NATIONAL_TOLERANCE`] away from
/// the sum of the provinces' approved figures for the same period, when every province due to
/// report has one: (indicator code, warning `national_vs_provinces`). Two queries.
async fn national_vs_provinces(
    tx: &mut Tx,
    period: &Period,
    parsed: &[(&Indicator, Option<f64>, Option<String>)],
) -> Result<Vec<(String, Problem)>> {
    let additive: Vec<(&Indicator, f64)> = parsed
        .iter()
        .filter(|(i, _, _)| i.agg_units == "sum")
        .filter_map(|(i, v, _)| Some((*i, (*v)?)))
        .collect();
    if additive.is_empty() {
        return Ok(Vec::new());
    }
    let (_, last) = period.calendar();
    let day = registry::Day(last).iso();
    let ids: Vec<i64> = additive.iter().map(|(i, _)| i.id).collect();
    let (expected, sums) =
        crate::store::values::province_sums(tx, &period.id(), &day, &ids).await?;
    let mut out = Vec::new();
    for (id, sum, n) in sums {
        let Some(sum) = sum else { continue };
        let Some((ind, national)) = additive.iter().find(|(i, _)| i.id == id) else {
            continue;
        };
        if n < expected || expected == 0 {
            continue;
        }
        let gap = if *national == 0.0 {
            if sum == 0.0 { 0.0 } else { f64::INFINITY }
        } else {
            ((national - sum) / national).abs()
        };
        if gap > NATIONAL_TOLERANCE {
            out.push((ind.code.clone(), gap_problem(ind, *national, sum, gap)));
        }
    }
    Ok(out)
}

fn gap_problem(ind: &Indicator, national: f64, sum: f64, gap: f64) -> Problem {
    use crate::model::format::format_number;
    Problem::new("national_vs_provinces")
        .arg("indicator", &ind.name_vi)
        .arg("indicator_en", &ind.name_en)
        .arg("national", ind.format(national, "vi"))
        .arg("national_en", ind.format(national, "en"))
        .arg("sum", ind.format(sum, "vi"))
        .arg("sum_en", ind.format(sum, "en"))
        .arg("gap", format_number(gap * 100.0, 1, "vi"))
        .arg("gap_en", format_number(gap * 100.0, 1, "en"))
}
