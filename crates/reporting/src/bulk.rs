//! The one engine every value enters through (web form, Excel, the JSON batch API, DHIS2 and the
//! bulk API): one set of rules, applied to any number of reports in one transaction, set-based.
//!
//! For a batch of reports it reads, with a handful of statements whatever the batch's size: the
//! reports' submissions, the values they already hold (and the previous period's for the rules),
//! and each series' approved history for the outlier check (one packed row per unit, see
//! [`crate::series`]). It then checks every report in memory and, only if every report passes,
//! writes set-based: submissions created, submissions moved on, values upserted in large
//! multi-row statements, one change set per report (the value history), the series of approved
//! values that changed, and the audit entries. A batch is accepted whole or rejected whole.

use std::collections::{HashMap, HashSet};

use axum::http::StatusCode;
use platform::audit::{self, Actor, Change};
use platform::db::{Backend, DbResult, Row, Sql, Tx, Value, now_ms};
use platform::error::{AppError, Problem};
use platform::params;
use serde_json::json;

use crate::catalogue::{Indicator, Template};
use crate::model::period::Period;
use crate::submission::{Action, Status, Submission, outlier_in};

/// One value as sent: the indicator's code, the number (None = no value), why it is right.
#[derive(Debug, Clone)]
pub struct Input {
    pub indicator: String,
    pub value: Option<f64>,
    pub explanation: Option<String>,
}

/// One unit's report for one period, to save, submit or correct.
#[derive(Debug, Clone)]
pub struct Report<'t> {
    pub template: &'t Template,
    pub unit_id: i64,
    pub period: Period,
    pub values: Vec<Input>,
    /// The version the sender last saw (a form); None for systems re-sending data.
    pub expected_version: Option<i64>,
    pub action: Action,
    /// Why approved values are corrected.
    pub reason: Option<String>,
}

/// What happened to one report.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub submission_id: i64,
    pub status: Status,
    pub version: i64,
    pub warnings: Vec<Problem>,
    /// Values written for the first time, changed, and sent again unchanged.
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// False when the report already held these values in this state (nothing written).
    pub changed: bool,
}

/// How the batch is audited: one entry per report (a person's action), or one for the whole
/// batch (a system's import; each report's values are in its change set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audit {
    PerReport,
    Batch,
}

/// Why a batch was refused: the problems of each failing report, by its position.
#[derive(Debug)]
pub struct Rejected {
    pub failures: Vec<Failure>,
}

#[derive(Debug)]
pub struct Failure {
    pub report: usize,
    /// 422 for invalid data, 409 for a report in the wrong state or edited concurrently.
    pub status: StatusCode,
    pub problems: Vec<Problem>,
}

/// The engine's error: the batch refused, or the database failed.
#[derive(Debug)]
pub enum Error {
    Rejected(Rejected),
    Db(platform::db::DbError),
    Internal(anyhow::Error),
}

impl From<platform::db::DbError> for Error {
    fn from(e: platform::db::DbError) -> Self {
        Error::Db(e)
    }
}

impl Error {
    /// As the error of a single report: its problems, fields as the form names them.
    pub fn into_single(self) -> AppError {
        match self {
            Error::Db(e) => e.into(),
            Error::Internal(e) => e.into(),
            Error::Rejected(r) => {
                let status = r
                    .failures
                    .first()
                    .map(|f| f.status)
                    .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
                AppError::many(
                    status,
                    r.failures.into_iter().flat_map(|f| f.problems).collect(),
                )
            }
        }
    }

    /// As the error of a batch: fields prefixed with the report's position (`reports[3].v_CPI`);
    /// 409 when every failure is a state conflict, 422 otherwise.
    pub fn into_batch(self) -> AppError {
        match self {
            Error::Db(e) => e.into(),
            Error::Internal(e) => e.into(),
            Error::Rejected(r) => {
                let status = if r.failures.iter().all(|f| f.status == StatusCode::CONFLICT) {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                let problems = r
                    .failures
                    .into_iter()
                    .flat_map(|f| {
                        let i = f.report;
                        f.problems.into_iter().map(move |mut p| {
                            p.field = Some(match p.field.take() {
                                Some(x) => format!("reports[{i}].{x}"),
                                None => format!("reports[{i}]"),
                            });
                            p
                        })
                    })
                    .collect();
                AppError::many(status, problems)
            }
        }
    }
}

/// The form field of an indicator's value, and of its explanation.
pub fn value_field(code: &str) -> String {
    format!("v_{code}")
}

fn explanation_field(code: &str) -> String {
    format!("e_{code}")
}

/// How many periods of approved history the outlier check reads.
const HISTORY: usize = 24;

/// One report's values resolved against its template.
struct Checked<'a> {
    values: Vec<(&'a Indicator, Option<f64>, Option<String>)>,
}

/// Refuse a period after the one in progress on `today` ([`Period::current`]), naming the
/// period and the latest allowed. Every ingestion path (form, API, batch, bulk, DHIS2, Excel)
/// passes here.
pub fn check_not_future(period: &Period, today: time::Date) -> Result<(), Problem> {
    let latest = Period::current(period.kind, today);
    if (period.year, period.index) <= (latest.year, latest.index) {
        return Ok(());
    }
    Err(Problem::new("period_in_future")
        .field("period")
        .arg("value", period.id())
        .arg("latest", latest.id()))
}

/// Checks that need nothing from the database: known indicators, each once, numbers within
/// bounds, every value present to submit, a reason to correct.
fn check_alone<'a>(
    report: &'a Report<'a>,
    by_code: &HashMap<&str, &'a Indicator>,
) -> (Checked<'a>, Vec<Problem>) {
    let mut problems = Vec::new();
    // A template is reported for one kind of period.
    if let Err(p) = report.template.check_period(&report.period) {
        problems.push(p);
    } else if let Err(p) = check_not_future(&report.period, registry::Day::today().0) {
        // Nothing to report yet for a period after the one in progress (a report for 2099-12).
        problems.push(p);
    }
    let mut values = Vec::with_capacity(report.values.len());
    let mut seen = HashSet::with_capacity(report.values.len());
    for v in &report.values {
        let Some(ind) = by_code.get(v.indicator.as_str()).copied() else {
            problems.push(
                Problem::new("indicator_unknown")
                    .field(value_field(&v.indicator))
                    .arg("code", &v.indicator),
            );
            continue;
        };
        // A retired indicator (or one not yet in force) is not asked for in this period.
        if !ind.valid_for(&report.period) {
            problems.push(
                Problem::new("indicator_not_valid")
                    .field(value_field(&ind.code))
                    .arg("indicator", &ind.code)
                    .arg("period", report.period.id())
                    .arg("from", ind.valid_from.as_deref().unwrap_or("…"))
                    .arg("to", ind.valid_to.as_deref().unwrap_or("…")),
            );
            continue;
        }
        if !seen.insert(ind.id) {
            problems.push(
                Problem::new("indicator_repeated")
                    .field(value_field(&ind.code))
                    .arg("code", &ind.code),
            );
            continue;
        }
        // The indicator's declared type and range (a count is whole and not negative, a share
        // is 0–100, no more decimals than declared, nothing beyond the limit of every value).
        if let Some(x) = v.value
            && let Err(breach) = ind.check_value(x)
        {
            problems.push(ind.value_problem(x, breach).field(value_field(&ind.code)));
        }
        if report.action != Action::SaveDraft && v.value.is_none() {
            problems.push(
                Problem::new("value_required")
                    .field(value_field(&ind.code))
                    .arg("indicator", &ind.name_vi),
            );
        }
        if let Err(p) = platform::web::limits::check_text(
            &explanation_field(&ind.code),
            v.explanation.as_deref(),
            platform::web::limits::MAX_TEXT_CHARS,
        ) {
            problems.push(p);
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
                problems.push(
                    Problem::new("value_required")
                        .field(value_field(&ind.code))
                        .arg("indicator", &ind.name_vi),
                );
            }
        }
    }
    if report.action == Action::Correct
        && report.reason.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        problems.push(Problem::new("reason_required").field("reason"));
    }
    if let Err(p) = platform::web::limits::check_text(
        "reason",
        report.reason.as_deref(),
        platform::web::limits::MAX_TEXT_CHARS,
    ) {
        problems.push(p);
    }
    (Checked { values }, problems)
}

/// The problems of a report that need nothing stored (unknown or repeated indicators, numbers out
/// of bounds, values missing to submit, a correction without a reason).
pub fn problems_alone(report: &Report<'_>) -> Vec<Problem> {
    let by_code: HashMap<&str, &Indicator> = report
        .template
        .indicators
        .iter()
        .map(|i| (i.code.as_str(), i))
        .collect();
    check_alone(report, &by_code).1
}

/// `$from,$from+1,…` for `n` parameters.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Submissions of the reports, keyed by (template, unit, period). Locked on PostgreSQL until the
/// transaction ends, so that versions read here are the ones the update sees.
async fn load_submissions(
    tx: &mut Tx,
    reports: &[Report<'_>],
) -> DbResult<HashMap<(i64, i64, String), Submission>> {
    let mut out = HashMap::new();
    let mut by_template: HashMap<i64, (HashSet<i64>, HashSet<String>)> = HashMap::new();
    for r in reports {
        let e = by_template.entry(r.template.id).or_default();
        e.0.insert(r.unit_id);
        e.1.insert(r.period.id());
    }
    let lock = if tx.backend() == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    for (template_id, (units, periods)) in by_template {
        for unit_chunk in units.into_iter().collect::<Vec<_>>().chunks(2000) {
            let mut args: Vec<Value> = vec![template_id.into()];
            args.extend(unit_chunk.iter().map(|u| Value::from(*u)));
            let np = args.len() + 1;
            args.extend(periods.iter().map(Value::from));
            let sql = format!(
                "SELECT * FROM submissions WHERE template_id = $1 AND unit_id IN ({}) AND period IN ({}){lock}",
                placeholders(2, unit_chunk.len()),
                placeholders(np, periods.len()),
            );
            for row in tx.fetch_all(Sql::trusted(sql), args).await? {
                let s = Submission::from_row(&row)?;
                out.insert((s.template_id, s.unit_id, s.period.clone()), s);
            }
        }
    }
    Ok(out)
}

/// The level of each unit of the batch. One query.
async fn unit_levels(tx: &mut Tx, reports: &[Report<'_>]) -> DbResult<HashMap<i64, String>> {
    let ids: Vec<i64> = reports
        .iter()
        .map(|r| r.unit_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(2000) {
        let args: Vec<Value> = chunk.iter().map(|i| Value::from(*i)).collect();
        let sql = format!(
            "SELECT id, level FROM units WHERE id IN ({})",
            placeholders(1, chunk.len())
        );
        for row in tx.fetch_all(Sql::trusted(sql), args).await? {
            out.insert(row.get("id")?, row.get("level")?);
        }
    }
    Ok(out)
}

/// A value as stored.
struct Stored {
    value: f64,
    explanation: Option<String>,
    approved: bool,
}

/// Values stored for some units in some periods, restricted to some indicators:
/// (indicator, unit, period) → the value.
async fn load_values(
    tx: &mut Tx,
    indicators: &HashSet<i64>,
    units: &HashSet<i64>,
    periods: &HashSet<Period>,
) -> DbResult<HashMap<(i64, i64, Period), Stored>> {
    let mut out = HashMap::new();
    if indicators.is_empty() || units.is_empty() || periods.is_empty() {
        return Ok(out);
    }
    let inds: Vec<i64> = indicators.iter().copied().collect();
    let periods: Vec<String> = periods.iter().map(Period::id).collect();
    for unit_chunk in units.iter().copied().collect::<Vec<_>>().chunks(2000) {
        let mut args: Vec<Value> = inds.iter().map(|i| Value::from(*i)).collect();
        args.extend(unit_chunk.iter().map(|u| Value::from(*u)));
        args.extend(periods.iter().map(Value::from));
        let sql = format!(
            "SELECT indicator_id, unit_id, period, value, explanation, approved FROM data_values \
             WHERE indicator_id IN ({}) AND unit_id IN ({}) AND period IN ({})",
            placeholders(1, inds.len()),
            placeholders(inds.len() + 1, unit_chunk.len()),
            placeholders(inds.len() + unit_chunk.len() + 1, periods.len()),
        );
        for row in tx.fetch_all(Sql::trusted(sql), args).await? {
            let Ok(period) = Period::parse(&row.get::<String>("period")?) else {
                continue;
            };
            out.insert(
                (row.get("indicator_id")?, row.get("unit_id")?, period),
                Stored {
                    value: row.get("value")?,
                    explanation: row.get("explanation")?,
                    approved: row.get("approved")?,
                },
            );
        }
    }
    Ok(out)
}

/// Does sending `value` (with `explanation`, if any) change what is stored? A new or changed
/// value does; so does a new explanation of the same value. The same value sent again without
/// an explanation keeps the stored one and changes nothing.
fn is_change(old: Option<&Stored>, value: Option<f64>, explanation: Option<&String>) -> bool {
    let Some(old) = old else {
        return value.is_some();
    };
    Some(old.value) != value || explanation.is_some_and(|x| old.explanation.as_ref() != Some(x))
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
) -> DbResult<Vec<(String, Problem)>> {
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
    let expected: i64 = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM units WHERE level = 'province' \
             AND (valid_from IS NULL OR valid_from <= $1) AND (valid_to IS NULL OR valid_to >= $1)",
            params![day.clone()],
        )
        .await?
        .get("n")?;
    let mut args: Vec<Value> = vec![period.id().into(), day.into()];
    let ph: Vec<String> = additive
        .iter()
        .map(|(i, _)| {
            args.push(i.id.into());
            format!("${}", args.len())
        })
        .collect();
    let sql = format!(
        "SELECT dv.indicator_id, SUM(dv.value) AS v, COUNT(*) AS n FROM data_values dv JOIN units u ON u.id = dv.unit_id \
         WHERE u.level = 'province' AND dv.approved AND dv.period = $1 \
         AND (u.valid_from IS NULL OR u.valid_from <= $2) AND (u.valid_to IS NULL OR u.valid_to >= $2) \
         AND dv.indicator_id IN ({}) GROUP BY dv.indicator_id",
        ph.join(",")
    );
    let mut out = Vec::new();
    for r in tx.fetch_all(Sql::trusted(sql), args).await? {
        let id: i64 = r.get("indicator_id")?;
        let n: i64 = r.get("n")?;
        let Some(sum) = r.get::<Option<f64>>("v")? else {
            continue;
        };
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
            out.push((
                ind.code.clone(),
                Problem::new("national_vs_provinces")
                    .arg("indicator", &ind.name_vi)
                    .arg("indicator_en", &ind.name_en)
                    .arg("national", ind.format(*national, "vi"))
                    .arg("national_en", ind.format(*national, "en"))
                    .arg("sum", ind.format(sum, "vi"))
                    .arg("sum_en", ind.format(sum, "en"))
                    .arg("gap", crate::catalogue::format_number(gap * 100.0, 1, "vi"))
                    .arg(
                        "gap_en",
                        crate::catalogue::format_number(gap * 100.0, 1, "en"),
                    ),
            ));
        }
    }
    Ok(out)
}

/// Check and write `reports` in the caller's transaction, all or nothing: on any report's
/// problem nothing is written and every failing report is named. Sending values a report already
/// holds, in the state it is already in, changes nothing (idempotent re-sends).
pub async fn apply(
    tx: &mut Tx,
    actor: &Actor,
    reports: &[Report<'_>],
    audit_mode: Audit,
) -> Result<Vec<Outcome>, Error> {
    let mut failures: Vec<Failure> = Vec::new();

    // 1. Checks that need nothing stored.
    let mut lookups: HashMap<i64, HashMap<&str, &Indicator>> = HashMap::new();
    for r in reports {
        lookups.entry(r.template.id).or_insert_with(|| {
            r.template
                .indicators
                .iter()
                .map(|i| (i.code.as_str(), i))
                .collect()
        });
    }
    let mut checked = Vec::with_capacity(reports.len());
    let mut keys = HashSet::with_capacity(reports.len());
    for (i, r) in reports.iter().enumerate() {
        let (c, mut problems) = check_alone(r, &lookups[&r.template.id]);
        if !keys.insert((r.template.id, r.unit_id, r.period)) {
            problems.push(Problem::new("report_repeated").arg("period", r.period.id()));
        }
        if !problems.is_empty() {
            failures.push(Failure {
                report: i,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                problems,
            });
        }
        checked.push(c);
    }
    if !failures.is_empty() {
        return Err(Error::Rejected(Rejected { failures }));
    }

    // 2. What is stored, read set-based.
    let rules = crate::store::rules::all(tx)
        .await
        .map_err(Error::Internal)?;
    let rule_codes: HashSet<String> = rules
        .iter()
        .flat_map(|r| r.left.references().into_iter().chain(r.right.references()))
        .collect();
    // The rules that can apply to each template: a rule none of whose indicators the template
    // holds reads no value of its reports (every input missing), so it is not evaluated for them.
    let mut rules_of: HashMap<i64, Vec<&crate::model::rules::Rule>> = HashMap::new();
    for r in reports {
        rules_of.entry(r.template.id).or_insert_with(|| {
            let codes = &lookups[&r.template.id];
            rules
                .iter()
                .filter(|rule| {
                    let refs: Vec<String> = rule
                        .left
                        .references()
                        .into_iter()
                        .chain(rule.right.references())
                        .collect();
                    refs.is_empty() || refs.iter().any(|c| codes.contains_key(c.as_str()))
                })
                .collect()
        });
    }
    let mut submissions = load_submissions(tx, reports).await?;
    // A template is reported by one level of unit (province, commune, the nation).
    let levels = unit_levels(tx, reports).await?;
    for (i, r) in reports.iter().enumerate() {
        if levels.get(&r.unit_id).map(String::as_str) != Some(r.template.unit_level.as_str()) {
            failures.push(Failure {
                report: i,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                problems: vec![
                    Problem::new("unit_level_mismatch")
                        .field("unit")
                        .arg("template", &r.template.code)
                        .arg("level", &r.template.unit_level),
                ],
            });
        }
    }
    if !failures.is_empty() {
        return Err(Error::Rejected(Rejected { failures }));
    }
    let mut indicators: HashSet<i64> = HashSet::new();
    let mut prev_indicators: HashSet<i64> = HashSet::new();
    let mut units: HashSet<i64> = HashSet::new();
    let mut periods: HashSet<Period> = HashSet::new();
    for (r, c) in reports.iter().zip(&checked) {
        units.insert(r.unit_id);
        periods.insert(r.period);
        indicators.extend(c.values.iter().map(|(ind, _, _)| ind.id));
        prev_indicators.extend(
            r.template
                .indicators
                .iter()
                .filter(|i| rule_codes.contains(&i.code))
                .map(|i| i.id),
        );
    }
    let mut stored = load_values(tx, &indicators, &units, &periods).await?;
    let prev_periods: HashSet<Period> = reports.iter().map(|r| r.period.previous()).collect();
    let prev_stored = load_values(tx, &prev_indicators, &units, &prev_periods).await?;
    // Each unit's approved history, for the outlier check.
    let history = crate::series::load(tx, &units).await?;

    // 3. Every report checked against what is stored.
    struct Plan {
        sub: Option<Submission>,
        skip: bool,
        warnings: Vec<Problem>,
        /// Created by this batch in its final state (nothing more to write for it).
        fresh: bool,
    }
    let mut plans: Vec<Plan> = Vec::with_capacity(reports.len());
    let mut hist: Vec<f64> = Vec::with_capacity(HISTORY);
    for (i, (r, c)) in reports.iter().zip(&checked).enumerate() {
        let pid = r.period.id();
        let sub = submissions.remove(&(r.template.id, r.unit_id, pid));
        let unit_history = history.get(&r.unit_id);
        let version = sub.as_ref().map(|s| s.version).unwrap_or(1);
        let status = sub.as_ref().map(|s| s.status).unwrap_or(Status::Draft);
        if let Some(v) = r.expected_version
            && v != version
        {
            let by = sub
                .as_ref()
                .and_then(|s| s.submitted_by.clone().or(s.decided_by.clone()))
                .unwrap_or_default();
            failures.push(Failure {
                report: i,
                status: StatusCode::CONFLICT,
                problems: vec![Problem::new("edited_concurrently").arg("by", by)],
            });
            plans.push(Plan {
                sub,
                skip: true,
                warnings: Vec::new(),
                fresh: false,
            });
            continue;
        }
        let editable = matches!(status, Status::Draft | Status::Returned);
        let same_state = match r.action {
            Action::SaveDraft => editable,
            Action::Submit => matches!(status, Status::Submitted | Status::Approved),
            Action::Correct => false,
        };
        if sub.is_some()
            && same_state
            && r.expected_version.is_none()
            && !c.values.is_empty()
            && c.values.iter().all(|(ind, v, e)| {
                let old = stored.get(&(ind.id, r.unit_id, r.period));
                !is_change(old, *v, e.as_ref())
            })
        {
            plans.push(Plan {
                sub,
                skip: true,
                warnings: Vec::new(),
                fresh: false,
            });
            continue;
        }
        let state_problem = match (r.action, status) {
            // Four-eyes: the one who submitted or last changed the report does not correct
            // (and so approve) it.
            (Action::Correct, Status::Approved)
                if match &sub {
                    Some(s) => crate::submission::is_author(tx, actor, s).await?,
                    None => false,
                } =>
            {
                Some(Problem::new("four_eyes_correct"))
            }
            (Action::Correct, Status::Approved) => None,
            (Action::Correct, _) => Some(Problem::new("correction_only_after_approval")),
            (_, Status::Draft | Status::Returned) => None,
            (_, s) => Some(Problem::new("report_locked").arg("status", s.as_str())),
        };
        if let Some(p) = state_problem {
            failures.push(Failure {
                report: i,
                status: StatusCode::CONFLICT,
                problems: vec![p],
            });
            plans.push(Plan {
                sub,
                skip: true,
                warnings: Vec::new(),
                fresh: false,
            });
            continue;
        }

        // Values far from the unit's own history must be explained to submit.
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        for (ind, value, explanation) in &c.values {
            let Some(v) = value else { continue };
            let Some(h) = unit_history else { continue };
            hist.clear();
            hist.extend(h.before(ind.id, &r.period, HISTORY));
            if let Some(z) = outlier_in(*v, &mut hist) {
                if r.action != Action::SaveDraft && explanation.is_none() {
                    problems.push(
                        Problem::new("value_outlier_unexplained")
                            .field(explanation_field(&ind.code))
                            .arg("indicator", &ind.name_vi)
                            .arg("z", format!("{z:.1}")),
                    );
                }
                warnings.push(
                    Problem::new("value_outlier")
                        .field(value_field(&ind.code))
                        .arg("indicator", &ind.name_vi)
                        .arg("z", format!("{z:.1}")),
                );
            }
        }
        // Validation rules over the report's values (this period as sent, the previous one as
        // stored): errors block, warnings need an explanation on the indicator they concern.
        let prev = r.period.previous();
        let rules_here = &rules_of[&r.template.id];
        let nation = r.template.unit_level == "nation";
        // No rule applies and no national check: nothing more to check.
        'rules: {
            if rules_here.is_empty() && !nation {
                break 'rules;
            }
            let current: HashMap<&str, Option<f64>> = c
                .values
                .iter()
                .map(|(i, v, _)| (i.code.as_str(), *v))
                .collect();
            let explained: HashSet<&str> = c
                .values
                .iter()
                .filter(|(_, _, e)| e.is_some())
                .map(|(i, _, _)| i.code.as_str())
                .collect();
            let by_code = &lookups[&r.template.id];
            let ctx = |code: &str,
                       shift: crate::model::formula::PeriodShift|
             -> Option<rust_decimal::Decimal> {
                use crate::model::formula::{PeriodShift, decimal_from_f64};
                let v = match shift {
                    PeriodShift::Current => current.get(code).copied().flatten(),
                    PeriodShift::Previous => {
                        let ind = by_code.get(code)?;
                        prev_stored.get(&(ind.id, r.unit_id, prev)).map(|x| x.value)
                    }
                    _ => None,
                }?;
                decimal_from_f64(v).ok()
            };
            for rule in rules_here {
                if rule.check(&ctx) != Some(false) {
                    continue;
                }
                let subject = rule.subject().unwrap_or_default();
                let detail = |code: &'static str| {
                    Problem::new(code)
                        .arg("rule_vi", &rule.name_vi)
                        .arg("rule_en", &rule.name_en)
                        .arg(
                            "expr",
                            format!(
                                "{} {} {}",
                                rule.left.source(),
                                rule.op.as_str(),
                                rule.right.source()
                            ),
                        )
                };
                if rule.blocking && r.action != Action::SaveDraft {
                    problems.push(detail("rule_violated").field(value_field(&subject)));
                } else if rule.blocking {
                    // A draft may hold it; submitting will not.
                    warnings.push(detail("rule_violated").field(value_field(&subject)));
                } else if r.action != Action::SaveDraft && !explained.contains(subject.as_str()) {
                    problems.push(
                        detail("rule_warning_unexplained").field(explanation_field(&subject)),
                    );
                } else {
                    warnings.push(detail("rule_warning").field(value_field(&subject)));
                }
            }
            // A ministry's national figure of an additive indicator should match the sum of the
            // provinces' approved figures once every province has reported: more than 0.5 % apart
            // needs an explanation (a warning).
            if nation {
                for (code, p) in national_vs_provinces(tx, &r.period, &c.values).await? {
                    if r.action != Action::SaveDraft && !explained.contains(code.as_str()) {
                        problems.push(
                            Problem {
                                code: "national_vs_provinces_unexplained",
                                ..p
                            }
                            .field(explanation_field(&code)),
                        );
                    } else {
                        warnings.push(p.field(value_field(&code)));
                    }
                }
            }
        }
        if !problems.is_empty() {
            failures.push(Failure {
                report: i,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                problems,
            });
        }
        plans.push(Plan {
            sub,
            skip: false,
            warnings,
            fresh: false,
        });
    }
    if !failures.is_empty() {
        return Err(Error::Rejected(Rejected { failures }));
    }

    // 4. Writes. New submissions first (their ids are needed by the values), written at once in
    // the state the action leaves them (a draft saved, or submitted: version 2), so that they
    // need no second write.
    let now = now_ms();
    let new_keys: Vec<usize> = plans
        .iter()
        .enumerate()
        .filter(|(_, p)| p.sub.is_none())
        .map(|(i, _)| i)
        .collect();
    for chunk in new_keys.chunks(1000) {
        let mut args: Vec<Value> = Vec::with_capacity(chunk.len() * 7);
        let groups: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let r = &reports[i];
                let submitted = r.action == Action::Submit;
                args.extend(params![
                    r.template.id,
                    r.unit_id,
                    r.period.id(),
                    if submitted { "submitted" } else { "draft" },
                    now,
                    r.template.agency_id,
                    submitted.then_some(&actor.name)
                ]);
                let b = k * 7;
                format!(
                    "(${},${},${},${},2,${},${},${},CASE WHEN ${} IS NULL THEN NULL ELSE ${} END)",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 7,
                    b + 5
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO submissions (template_id, unit_id, period, status, version, updated_at, agency_id, \
             submitted_by, submitted_at) VALUES {} RETURNING id, template_id, unit_id, period",
            groups.join(",")
        );
        let created = tx
            .fetch_all(Sql::trusted(sql), args)
            .await
            .map_err(|e| conflict_on_unique(e, chunk))?;
        // The rest of a new report is known: a draft at version 1.
        let mut ids: HashMap<(i64, i64, String), i64> = HashMap::with_capacity(created.len());
        for row in created {
            ids.insert(
                (
                    row.get("template_id")?,
                    row.get("unit_id")?,
                    row.get("period")?,
                ),
                row.get("id")?,
            );
        }
        for &i in chunk {
            let r = &reports[i];
            let period = r.period.id();
            plans[i].fresh = true;
            plans[i].sub = ids
                .remove(&(r.template.id, r.unit_id, period.clone()))
                .map(|id| Submission {
                    id,
                    template_id: r.template.id,
                    unit_id: r.unit_id,
                    period,
                    status: Status::Draft,
                    version: 1,
                    submitted_at: None,
                    submitted_by: None,
                    decided_at: None,
                    decided_by: None,
                    return_reason: None,
                });
        }
    }

    let mut outcomes = Vec::with_capacity(reports.len());
    let mut upserts: Vec<ValueRow> = Vec::new();
    let mut change_sets: Vec<Value> = Vec::new();
    let mut moved: HashMap<(&'static str, bool), Vec<i64>> = HashMap::new();
    let mut audit_keys = Vec::new();
    let mut per_report: Vec<PendingEntry> = Vec::new();
    let mut series_touched: Vec<(i64, Period)> = Vec::new();
    let mut series_indicators: HashSet<i64> = HashSet::new();
    let (mut total_in, mut total_up) = (0usize, 0usize);
    for (i, (r, c)) in reports.iter().zip(&checked).enumerate() {
        let plan = &mut plans[i];
        let sub = plan
            .sub
            .as_ref()
            .expect("every report has a submission by now");
        if plan.skip {
            outcomes.push(Outcome {
                submission_id: sub.id,
                status: sub.status,
                version: sub.version,
                warnings: Vec::new(),
                inserted: 0,
                updated: 0,
                unchanged: c.values.len(),
                changed: false,
            });
            continue;
        }
        let pid = r.period.id();
        let approved = sub.status == Status::Approved;
        let (mut inserted, mut updated, mut unchanged) = (0, 0, 0);
        let mut changes = Vec::new();
        let mut deletions = Vec::new();
        let mut series_change = false;
        for (ind, value, explanation) in &c.values {
            let old = stored.remove(&(ind.id, r.unit_id, r.period));
            // An approved value written, or one overwritten: the series of approved values
            // follows.
            series_change |= approved || old.as_ref().is_some_and(|o| o.approved);
            if !is_change(old.as_ref(), *value, explanation.as_ref()) {
                unchanged += 1;
                continue;
            }
            let old_value = old.as_ref().map(|o| o.value);
            // A new value without an explanation clears the old one.
            let new_explanation = explanation.clone();
            if old_value.is_none() {
                inserted += 1;
            } else {
                updated += 1;
            }
            match value {
                Some(v) => upserts.push(ValueRow {
                    indicator_id: ind.id,
                    unit_id: r.unit_id,
                    period: r.period,
                    value: *v,
                    submission_id: sub.id,
                    approved,
                    explanation: new_explanation.clone(),
                }),
                None => deletions.push(ind.id),
            }
            let old_explanation = old.and_then(|o| o.explanation);
            let explained = (old_explanation != new_explanation && value.is_some())
                .then_some((old_explanation, new_explanation));
            changes.push((ind, old_value, *value, explained));
        }
        if !deletions.is_empty() {
            let mut args: Vec<Value> = params![r.unit_id, pid.clone()];
            args.extend(deletions.iter().map(|d| Value::from(*d)));
            let sql = format!(
                "DELETE FROM data_values WHERE unit_id = $1 AND period = $2 AND indicator_id IN ({})",
                placeholders(3, deletions.len())
            );
            tx.execute(Sql::trusted(sql), args).await?;
        }
        let history_action = if r.action == Action::Correct {
            "correct"
        } else {
            "enter"
        };
        if series_change {
            series_touched.push((r.unit_id, r.period));
            series_indicators.extend(r.template.indicators.iter().map(|i| i.id));
        }
        let mut change_row = None;
        if !changes.is_empty() {
            // [[indicator_id, old, new], …], written straight to text.
            let mut set = Vec::with_capacity(changes.len() * 24);
            set.push(b'[');
            for (k, (ind, old, new, explained)) in changes.iter().enumerate() {
                if k > 0 {
                    set.push(b',');
                }
                // A change of explanation adds the old and the new one:
                // [indicator_id, old, new, old_explanation, new_explanation].
                match explained {
                    None => serde_json::to_writer(&mut set, &(ind.id, old, new)),
                    Some((oe, ne)) => serde_json::to_writer(&mut set, &(ind.id, old, new, oe, ne)),
                }
                .map_err(|e| Error::Internal(e.into()))?;
            }
            set.push(b']');
            let set = String::from_utf8(set).map_err(|e| Error::Internal(e.into()))?;
            change_row = Some(change_sets.len() / CHANGE_SET_WIDTH);
            change_sets.extend(params![
                r.unit_id,
                pid.clone(),
                sub.id,
                history_action,
                r.reason.clone(),
                now,
                &actor.name,
                set,
                None::<i64>
            ]);
        }
        let new_status = match r.action {
            Action::SaveDraft => sub.status,
            Action::Submit => Status::Submitted,
            Action::Correct => Status::Approved,
        };
        if !plan.fresh {
            moved
                .entry((new_status.as_str(), r.action == Action::Submit))
                .or_default()
                .push(sub.id);
        }
        total_in += inserted;
        total_up += updated;
        if audit_mode == Audit::PerReport {
            let list: Vec<serde_json::Value> = changes
                .iter()
                .map(|(ind, old, new, explained)| match explained {
                    None => json!({"indicator": ind.code, "old": old, "new": new}),
                    Some((oe, ne)) => json!({"indicator": ind.code, "old": old, "new": new,
                        "old_explanation": oe, "explanation": ne}),
                })
                .collect();
            // Appended once the values are written: an approved report's entry carries the
            // digest of its approved values.
            per_report.push(PendingEntry {
                report: i,
                action: match r.action {
                    Action::SaveDraft => "report.save",
                    Action::Submit => "report.submit",
                    Action::Correct => "report.correct",
                },
                object_id: format!("{}/{}/{}", r.template.code, r.unit_id, pid),
                before: json!({"status": sub.status, "version": sub.version}),
                after: json!({"status": new_status, "changes": list, "reason": r.reason}),
                change_row,
            });
        } else {
            audit_keys.push(json!([
                r.template.code,
                r.unit_id,
                pid,
                new_status,
                inserted,
                updated
            ]));
        }
        outcomes.push(Outcome {
            submission_id: sub.id,
            status: new_status,
            version: sub.version + 1,
            warnings: std::mem::take(&mut plan.warnings),
            inserted,
            updated,
            unchanged,
            changed: true,
        });
    }

    // Values: set-based upserts.
    upsert_values(tx, upserts).await?;
    // Approved values changed (corrections, or values of another report overwritten): their
    // series follow at once.
    crate::series::refresh(tx, &series_touched, &series_indicators).await?;
    // Approved values changed (corrections): a commune's count at once in its province's
    // totals, a province's in the national ones (for its template's indicators).
    let mut touched: HashMap<String, Vec<i64>> = HashMap::new();
    let mut province_periods: Vec<String> = Vec::new();
    let mut province_indicators: Vec<i64> = Vec::new();
    for (r, o) in reports.iter().zip(&outcomes) {
        if !o.changed || o.status != Status::Approved {
            continue;
        }
        match levels.get(&r.unit_id).map(String::as_str) {
            Some("commune") => touched.entry(r.period.id()).or_default().push(r.unit_id),
            Some("province") => {
                province_periods.push(r.period.id());
                province_indicators.extend(r.template.indicators.iter().map(|i| i.id));
            }
            _ => {}
        }
    }
    for (period, communes) in touched {
        crate::data::refresh_area_totals(tx, &[period], Some(&communes)).await?;
    }
    province_periods.sort_unstable();
    province_periods.dedup();
    province_indicators.sort_unstable();
    province_indicators.dedup();
    crate::data::refresh_province_totals(tx, Some((&province_indicators, &province_periods)))
        .await?;
    // The audit entries, each with the digests of what it leaves approved and of the change sets
    // it writes (which name it); `egov audit verify` recomputes both from the tables.
    let approved_subs: Vec<i64> = outcomes
        .iter()
        .filter(|o| o.changed && o.status == Status::Approved)
        .map(|o| o.submission_id)
        .collect();
    let digests = crate::trail::approved_digests(tx, &approved_subs).await?;
    let digest_of = |r: &Report<'_>| {
        digests
            .iter()
            .filter(|d| {
                d[0].as_i64() == Some(r.template.id)
                    && d[1].as_i64() == Some(r.unit_id)
                    && d[2].as_str() == Some(r.period.id().as_str())
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    for mut e in per_report {
        let digest = digest_of(&reports[e.report]);
        if !digest.is_empty() {
            e.after[crate::trail::APPROVED_DIGESTS] = json!(digest);
        }
        if let Some(row) = e.change_row {
            let mut d = crate::trail::ChangeSetDigest::default();
            d.add(&change_sets[row * CHANGE_SET_WIDTH..(row + 1) * CHANGE_SET_WIDTH - 1]);
            e.after[crate::trail::VALUE_CHANGES_DIGEST] = d.finish();
        }
        let seq = audit::append(
            tx,
            actor,
            Change {
                action: e.action,
                object_type: "report",
                object_id: e.object_id,
                before: Some(e.before),
                after: Some(e.after),
            },
        )
        .await?;
        if let Some(row) = e.change_row {
            change_sets[(row + 1) * CHANGE_SET_WIDTH - 1] = Value::from(seq);
        }
    }
    if audit_mode == Audit::Batch && !audit_keys.is_empty() {
        let mut d = crate::trail::ChangeSetDigest::default();
        for row in change_sets.chunks(CHANGE_SET_WIDTH) {
            d.add(&row[..CHANGE_SET_WIDTH - 1]);
        }
        let seq = audit::append(
            tx,
            actor,
            Change {
                action: "report.bulk",
                object_type: "report",
                object_id: format!("bulk/{}", audit_keys.len()),
                before: None,
                after: Some(json!({
                    "reports": audit_keys.len(),
                    "inserted": total_in,
                    "updated": total_up,
                    "keys": audit_keys,
                    crate::trail::APPROVED_DIGESTS: digests,
                    crate::trail::VALUE_CHANGES_DIGEST: d.finish(),
                })),
            },
        )
        .await?;
        for row in change_sets.chunks_mut(CHANGE_SET_WIDTH) {
            row[CHANGE_SET_WIDTH - 1] = Value::from(seq);
        }
    }
    // Value history: one change set per report.
    for chunk in change_sets.chunks(CHANGE_SET_WIDTH * 1000) {
        let n = chunk.len() / CHANGE_SET_WIDTH;
        let sql = format!(
            "INSERT INTO value_changes (unit_id, period, submission_id, action, reason, at, actor, changes, audit_seq) VALUES {}",
            platform::db::row_placeholders(n, CHANGE_SET_WIDTH)
        );
        tx.execute(Sql::trusted(sql), chunk.to_vec()).await?;
    }
    // Reports moved on: one statement per new state. Their rows were read in this transaction
    // (locked on PostgreSQL; SQLite's write transaction excludes other writers), so the versions
    // checked above still hold; the count proves it.
    for ((status, submitted), ids) in moved {
        for chunk in ids.chunks(2000) {
            let mut args: Vec<Value> = params![status, now, submitted, &actor.name];
            args.extend(chunk.iter().map(|id| Value::from(*id)));
            let sql = format!(
                "UPDATE submissions SET status = $1, version = version + 1, updated_at = $2, \
                 submitted_at = CASE WHEN $3 THEN $2 ELSE submitted_at END, \
                 submitted_by = CASE WHEN $3 THEN $4 ELSE submitted_by END \
                 WHERE id IN ({})",
                placeholders(5, chunk.len())
            );
            let n = tx.execute(Sql::trusted(sql), args).await?;
            if n as usize != chunk.len() {
                return Err(Error::Rejected(Rejected {
                    failures: vec![Failure {
                        report: 0,
                        status: StatusCode::CONFLICT,
                        problems: vec![Problem::new("edited_concurrently").arg("by", "")],
                    }],
                }));
            }
        }
    }
    Ok(outcomes)
}

/// Values per row of `value_changes` as written: the change set, then the audit entry's seq.
const CHANGE_SET_WIDTH: usize = 9;

/// A report's audit entry, appended once its values are written.
struct PendingEntry {
    report: usize,
    action: &'static str,
    object_id: String,
    before: serde_json::Value,
    after: serde_json::Value,
    change_row: Option<usize>,
}

/// One value to write.
struct ValueRow {
    indicator_id: i64,
    unit_id: i64,
    period: Period,
    value: f64,
    submission_id: i64,
    approved: bool,
    explanation: Option<String>,
}

/// Rows a statement when upserting values on SQLite (7 parameters each; SQLite allows 32,766
/// a statement). Larger statements amortise the per-statement cost of the driver.
const SQLITE_ROWS: usize = 2000;

const VALUE_COLUMNS: &str =
    "indicator_id, unit_id, period, value, submission_id, approved, explanation";
const VALUE_CONFLICT: &str = "ON CONFLICT (indicator_id, period, unit_id) DO UPDATE SET value = excluded.value, \
     submission_id = excluded.submission_id, approved = excluded.approved, explanation = excluded.explanation";

/// `INSERT … VALUES` of `n` rows.
fn values_sql(n: usize) -> String {
    let mut sql = String::with_capacity(64 + n * 40);
    sql.push_str("INSERT INTO data_values (");
    sql.push_str(VALUE_COLUMNS);
    sql.push_str(") VALUES ");
    sql.push_str(&platform::db::row_placeholders(n, 7));
    sql.push(' ');
    sql.push_str(VALUE_CONFLICT);
    sql
}

/// Upsert values set-based. PostgreSQL: one statement, the rows travelling as one JSON parameter
/// that the server expands (its float parser reads the shortest round-trip form exactly).
/// SQLite: large multi-row inserts with bound parameters — SQLite's JSON number parser can be a
/// unit in the last place off (`numbers_are_stored_exactly_as_sent` caught it), so numbers must
/// not travel as text there.
async fn upsert_values(tx: &mut Tx, mut rows: Vec<ValueRow>) -> DbResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // In the order of the primary key (indicator, period, unit): each insert lands beside the
    // one before, in pages already in the cache, instead of one place per indicator of a report.
    rows.sort_unstable_by_key(|r| (r.indicator_id, r.period, r.unit_id));
    match tx.backend() {
        Backend::Postgres => {
            let json: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    json!([
                        r.indicator_id,
                        r.unit_id,
                        r.period.id(),
                        r.value,
                        r.submission_id,
                        r.approved,
                        r.explanation
                    ])
                })
                .collect();
            let sql = format!(
                "INSERT INTO data_values ({VALUE_COLUMNS}) SELECT (e->>0)::bigint, (e->>1)::bigint, e->>2, (e->>3)::float8, \
                 (e->>4)::bigint, (e->>5)::boolean, e->>6 FROM json_array_elements($1::json) e {VALUE_CONFLICT}"
            );
            tx.execute(
                Sql::trusted(sql),
                params![serde_json::Value::Array(json).to_string()],
            )
            .await?;
        }
        Backend::Sqlite => {
            let full = values_sql(SQLITE_ROWS);
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let mut args: Vec<Value> = Vec::with_capacity(SQLITE_ROWS * 7);
                for r in rows.by_ref().take(SQLITE_ROWS) {
                    args.push(r.indicator_id.into());
                    args.push(r.unit_id.into());
                    args.push(Value::Text(Some(r.period.id())));
                    args.push(r.value.into());
                    args.push(r.submission_id.into());
                    args.push(r.approved.into());
                    args.push(Value::Text(r.explanation));
                }
                let n = args.len() / 7;
                let sql = if n == SQLITE_ROWS {
                    full.clone()
                } else {
                    values_sql(n)
                };
                tx.execute(Sql::trusted(sql), args).await?;
            }
        }
    }
    Ok(())
}

/// A report created meanwhile by someone else: a conflict, not a crash.
fn conflict_on_unique(e: platform::db::DbError, chunk: &[usize]) -> Error {
    if e.is_unique_violation() {
        Error::Rejected(Rejected {
            failures: vec![Failure {
                report: chunk.first().copied().unwrap_or(0),
                status: StatusCode::CONFLICT,
                problems: vec![Problem::new("edited_concurrently").arg("by", "")],
            }],
        })
    } else {
        Error::Db(e)
    }
}

/// Read one submission row (used by callers that need the whole report afterwards).
pub async fn submission(tx: &mut Tx, id: i64) -> DbResult<Submission> {
    let row: Row = tx
        .fetch_one("SELECT * FROM submissions WHERE id = $1", params![id])
        .await?;
    Submission::from_row(&row)
}

// ---------------------------------------------------------------------------------------------
// HTTP: POST /api/v1/data/bulk — many reports in one request, for agencies' systems.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use platform::error::AppResult;
use platform::identity::access::Permission;
use platform::web::Json;
use platform::web::{AppState, Auth};
use serde::{Deserialize, Serialize};

/// The body limit is in `platform::web::limits::ROUTES` (64 MiB).
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/data/bulk", post(post_bulk))
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
    let default_template = req
        .template
        .clone()
        .unwrap_or_else(|| crate::catalogue::MONTHLY_PROVINCIAL.to_owned());

    // Templates, periods and units resolved once per distinct value.
    let mut templates: HashMap<String, Template> = HashMap::new();
    let mut problems = Vec::new();
    let mut parsed: Vec<Option<(String, Period)>> = Vec::with_capacity(req.reports.len());
    for (i, r) in req.reports.iter().enumerate() {
        let code = r
            .template
            .clone()
            .unwrap_or_else(|| default_template.clone());
        if !templates.contains_key(&code) {
            match crate::catalogue::template(db, &code).await? {
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
    for (i, (r, p)) in req.reports.iter().zip(&parsed).enumerate() {
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
    // Every unit within the caller's scope (its ancestors read once for the whole request).
    let ids: Vec<i64> = resolved
        .iter()
        .flatten()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let targets = crate::unit_targets(db, &ids).await?;
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
            let submit = r.submit.unwrap_or(default_submit);
            Some(Report {
                template: &templates[tcode],
                unit_id: (*u)?,
                period: *period,
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
            })
        })
        .collect();
    let mut tx = db.begin().await?;
    let outcomes = apply(&mut tx, &auth.actor(), &reports, Audit::Batch)
        .await
        .map_err(Error::into_batch)?;
    tx.commit().await?;
    let lang = auth.ctx.lang;
    let mut result = BulkResult {
        reports: reports.len(),
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
            .extend(o.warnings.iter().take(room).map(|w| BulkWarning {
                report: i,
                code: w.code.into(),
                detail: w.detail(lang),
                field: w.field.clone(),
            }));
    }
    Ok(Json(result))
}
