//! Submitting data and the approval workflow (quy trình báo cáo): draft → submitted → approved
//! (locked) or returned with a reason → resubmitted. After approval, values change only through
//! an explicit correction with a reason. Every value change is kept in `value_history`; every
//! action is audited; concurrent edits are caught by a version number (optimistic concurrency).

use std::collections::HashMap;

use axum::http::StatusCode;
use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbResult, Row, Tx, Value, now_ms};
use platform::error::{AppError, AppResult, Problem};
use platform::params;
use serde::Serialize;

use crate::catalogue::{Indicator, Template};
use crate::period::Period;

/// Workflow state of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Returned => "returned",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Draft,
            Status::Submitted,
            Status::Approved,
            Status::Returned,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// One report of one unit for one period.
#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    pub id: i64,
    pub template_id: i64,
    pub unit_id: i64,
    pub period: String,
    pub status: Status,
    pub version: i64,
    pub submitted_at: Option<i64>,
    pub submitted_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub return_reason: Option<String>,
}

impl Submission {
    fn from_row(r: &Row) -> DbResult<Submission> {
        Ok(Submission {
            id: r.get("id")?,
            template_id: r.get("template_id")?,
            unit_id: r.get("unit_id")?,
            period: r.get("period")?,
            status: Status::parse(&r.get::<String>("status")?).unwrap_or(Status::Draft),
            version: r.get("version")?,
            submitted_at: r.get("submitted_at")?,
            submitted_by: r.get("submitted_by")?,
            decided_at: r.get("decided_at")?,
            decided_by: r.get("decided_by")?,
            return_reason: r.get("return_reason")?,
        })
    }

    /// Can a reporter change values (without a correction)?
    pub fn is_editable(&self) -> bool {
        matches!(self.status, Status::Draft | Status::Returned)
    }
}

pub async fn find(
    db: &Db,
    template_id: i64,
    unit_id: i64,
    period: &Period,
) -> DbResult<Option<Submission>> {
    db.fetch_optional(
        "SELECT * FROM submissions WHERE template_id = $1 AND unit_id = $2 AND period = $3",
        params![template_id, unit_id, period.id()],
    )
    .await?
    .as_ref()
    .map(Submission::from_row)
    .transpose()
}

/// Submissions of a template for a period (every unit).
pub async fn for_period(db: &Db, template_id: i64, period: &Period) -> DbResult<Vec<Submission>> {
    db.fetch_all(
        "SELECT * FROM submissions WHERE template_id = $1 AND period = $2",
        params![template_id, period.id()],
    )
    .await?
    .iter()
    .map(Submission::from_row)
    .collect()
}

/// What a reporter entered for one indicator.
#[derive(Debug, Clone)]
pub struct Entry {
    pub indicator: String,
    /// The text typed (empty = no value).
    pub raw: String,
    /// The language it was typed in (`vi` or `en`), which decides the decimal mark.
    pub lang: &'static str,
    /// Why a value that looks unusual is right (needed to submit with a warning).
    pub explanation: Option<String>,
}

/// What to do with the entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SaveDraft,
    Submit,
    /// Change approved values, with a reason.
    Correct,
}

/// Parse a number as people type it, in their language's convention. Vietnamese (`vi`): `.`
/// groups thousands and `,` is the decimal mark (`1.234,5`); English: the reverse (`1,234.5`).
/// A lone separator of the other kind is read the way people mean it: followed by exactly three
/// digits it groups thousands (`1.150` in Vietnamese is 1150), otherwise it is a decimal mark
/// (`105.2` is 105.2 in either language).
pub fn parse_number(raw: &str, lang_code: &str) -> Option<f64> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    if s.is_empty() {
        return None;
    }
    let (group, decimal) = if lang_code == "en" {
        (',', '.')
    } else {
        ('.', ',')
    };
    let groups = s.matches(group).count();
    let decimals = s.matches(decimal).count();
    let normalized = if decimals > 1 {
        return None;
    } else if decimals == 1 {
        // Both kinds, or only the decimal mark: groups must come before the decimal mark.
        if groups > 0 && s.rfind(group) > s.rfind(decimal) {
            return None;
        }
        s.replace(group, "").replace(decimal, ".")
    } else if groups == 1 {
        let after = s.rsplit(group).next().unwrap_or("");
        if after.len() == 3 && after.chars().all(|c| c.is_ascii_digit()) {
            s.replace(group, "")
        } else {
            s.replace(group, ".")
        }
    } else {
        s.replace(group, "")
    };
    if !normalized
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    let v: f64 = normalized.parse().ok()?;
    v.is_finite().then_some(v)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Modified z-score of `x` against a unit's history (Iglewicz–Hoaglin); None with too little
/// history or no spread.
pub fn modified_z(x: f64, history: &[f64]) -> Option<f64> {
    if history.len() < 6 {
        return None;
    }
    let m = median(&mut history.to_vec());
    let mut dev: Vec<f64> = history.iter().map(|v| (v - m).abs()).collect();
    let mad = median(&mut dev);
    if mad == 0.0 {
        return None;
    }
    Some(0.6745 * (x - m) / mad)
}

/// Is `x` an outlier for this history? Both far in robust terms (|modified z| above
/// [`OUTLIER_Z`]) and materially different (more than [`OUTLIER_MIN_CHANGE`] from the median), so
/// that a very steady series does not flag ordinary movements. Returns the z-score if so.
pub fn outlier(x: f64, history: &[f64]) -> Option<f64> {
    let z = modified_z(x, history)?;
    let m = median(&mut history.to_vec());
    let relative = if m == 0.0 {
        f64::INFINITY
    } else {
        ((x - m) / m).abs()
    };
    (z.abs() > OUTLIER_Z && relative > OUTLIER_MIN_CHANGE).then_some(z)
}

/// Smallest relative change from the median that can be an outlier.
pub const OUTLIER_MIN_CHANGE: f64 = 0.15;

/// Threshold above which a value is flagged as an outlier.
pub const OUTLIER_Z: f64 = 3.5;

/// `($1,$2,…),($n+1,…)…` for `rows` rows of `width` parameters.
fn value_groups(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", cells.join(","))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A unit's stored values for some periods: (indicator id, period id) → value. One query.
async fn snapshot(
    tx: &mut Tx,
    unit_id: i64,
    periods: &[Period],
) -> DbResult<HashMap<(i64, String), f64>> {
    let mut args: Vec<Value> = vec![unit_id.into()];
    let ph: Vec<String> = periods
        .iter()
        .map(|p| {
            args.push(p.id().into());
            format!("${}", args.len())
        })
        .collect();
    let sql = format!(
        "SELECT indicator_id, period, value FROM data_values WHERE unit_id = $1 AND period IN ({})",
        ph.join(",")
    );
    let mut out = HashMap::new();
    for r in tx.fetch_all(platform::db::Sql::trusted(sql), args).await? {
        out.insert((r.get("indicator_id")?, r.get("period")?), r.get("value")?);
    }
    Ok(out)
}

/// Approved history of a unit for every indicator, up to 24 periods before `period`: indicator
/// id → values. One query.
async fn histories(tx: &mut Tx, unit_id: i64, period: &Period) -> DbResult<HashMap<i64, Vec<f64>>> {
    let mut p = *period;
    let mut args: Vec<Value> = vec![unit_id.into()];
    let mut ph = Vec::new();
    for _ in 0..24 {
        p = p.previous();
        args.push(p.id().into());
        ph.push(format!("${}", args.len()));
    }
    let sql = format!(
        "SELECT indicator_id, value FROM data_values WHERE unit_id = $1 AND approved AND period IN ({})",
        ph.join(",")
    );
    let mut out: HashMap<i64, Vec<f64>> = HashMap::new();
    for r in tx.fetch_all(platform::db::Sql::trusted(sql), args).await? {
        out.entry(r.get("indicator_id")?)
            .or_default()
            .push(r.get("value")?);
    }
    Ok(out)
}

/// The result of a save: the report as it now is, and warnings to show.
#[derive(Debug)]
pub struct Saved {
    pub submission: Submission,
    pub warnings: Vec<Problem>,
    /// Values written for the first time, changed, and sent again unchanged.
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

fn field(code: &str) -> String {
    format!("v_{code}")
}

/// Save, submit or correct a unit's report for a period, all or nothing.
#[allow(clippy::too_many_arguments)]
pub async fn save(
    db: &Db,
    actor: &Actor,
    template: &Template,
    unit_id: i64,
    period: &Period,
    entries: &[Entry],
    expected_version: Option<i64>,
    action: Action,
    reason: Option<&str>,
) -> AppResult<Saved> {
    let mut tx = db.begin().await?;
    let saved = save_in(
        &mut tx,
        actor,
        template,
        unit_id,
        period,
        entries,
        expected_version,
        action,
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// [`save`] inside the caller's transaction (several reports accepted or rejected together).
/// Sending values a report already holds, in the state it is already in, changes nothing and
/// is not an error (idempotent re-sends).
#[allow(clippy::too_many_arguments)]
pub async fn save_in(
    tx: &mut Tx,
    actor: &Actor,
    template: &Template,
    unit_id: i64,
    period: &Period,
    entries: &[Entry],
    expected_version: Option<i64>,
    action: Action,
    reason: Option<&str>,
) -> AppResult<Saved> {
    let by_code: HashMap<&str, &Indicator> = template
        .indicators
        .iter()
        .map(|i| (i.code.as_str(), i))
        .collect();
    let mut problems = Vec::new();
    let mut parsed: Vec<(&Indicator, Option<f64>, Option<String>)> = Vec::new();
    for e in entries {
        let Some(ind) = by_code.get(e.indicator.as_str()) else {
            problems.push(
                Problem::new("indicator_unknown")
                    .field(field(&e.indicator))
                    .arg("code", &e.indicator),
            );
            continue;
        };
        // A retired indicator (or one not yet in force) is not asked for in this period.
        if !ind.valid_for(period) {
            problems.push(
                Problem::new("indicator_not_valid")
                    .field(field(&ind.code))
                    .arg("indicator", &ind.code)
                    .arg("period", period.id())
                    .arg("from", ind.valid_from.as_deref().unwrap_or("…"))
                    .arg("to", ind.valid_to.as_deref().unwrap_or("…")),
            );
            continue;
        }
        let value = if e.raw.trim().is_empty() {
            None
        } else {
            match parse_number(&e.raw, e.lang) {
                Some(v) => Some(v),
                None => {
                    problems.push(
                        Problem::new("value_not_a_number")
                            .field(field(&ind.code))
                            .arg("value", e.raw.trim())
                            .arg("indicator", &ind.name_vi),
                    );
                    continue;
                }
            }
        };
        if let (Some(v), Some(lb)) = (value, ind.lower_bound)
            && v < lb
        {
            problems.push(
                Problem::new("value_below_bound")
                    .field(field(&ind.code))
                    .arg("min", lb)
                    .arg("indicator", &ind.name_vi),
            );
        }
        if action != Action::SaveDraft && value.is_none() {
            problems.push(
                Problem::new("value_required")
                    .field(field(&ind.code))
                    .arg("indicator", &ind.name_vi),
            );
        }
        let explanation = e.explanation.clone().filter(|x| !x.trim().is_empty());
        parsed.push((ind, value, explanation));
    }
    if action != Action::SaveDraft {
        for ind in template.indicators.iter().filter(|i| i.valid_for(period)) {
            if !entries.iter().any(|e| e.indicator == ind.code) {
                problems.push(
                    Problem::new("value_required")
                        .field(field(&ind.code))
                        .arg("indicator", &ind.name_vi),
                );
            }
        }
    }
    if action == Action::Correct && reason.is_none_or(|r| r.trim().is_empty()) {
        problems.push(Problem::new("reason_required").field("reason"));
    }
    if !problems.is_empty() {
        return Err(AppError::many(StatusCode::UNPROCESSABLE_ENTITY, problems));
    }

    let now = now_ms();
    let existing = tx
        .fetch_optional(
            "SELECT * FROM submissions WHERE template_id = $1 AND unit_id = $2 AND period = $3",
            params![template.id, unit_id, period.id()],
        )
        .await?
        .as_ref()
        .map(Submission::from_row)
        .transpose()?;
    let sub = match existing {
        Some(s) => s,
        None => {
            let r = tx
                .fetch_one(
                    "INSERT INTO submissions (template_id, unit_id, period, status, version, updated_at) \
                     VALUES ($1, $2, $3, 'draft', 1, $4) RETURNING *",
                    params![template.id, unit_id, period.id(), now],
                )
                .await?;
            Submission::from_row(&r)?
        }
    };
    if let Some(v) = expected_version
        && v != sub.version
    {
        return Err(AppError::conflict(
            Problem::new("edited_concurrently").arg(
                "by",
                sub.submitted_by
                    .clone()
                    .or(sub.decided_by.clone())
                    .unwrap_or_default(),
            ),
        ));
    }
    // A re-send of exactly what the report holds, in the state it is in: nothing to do.
    let same_state = match action {
        Action::SaveDraft => sub.is_editable(),
        Action::Submit => matches!(sub.status, Status::Submitted | Status::Approved),
        Action::Correct => false,
    };
    let prev = period.previous();
    let stored = snapshot(tx, unit_id, &[*period, prev]).await?;
    let stored_at = |ind: &Indicator, p: &Period| stored.get(&(ind.id, p.id())).copied();
    if same_state && expected_version.is_none() {
        let mut all_same = !parsed.is_empty();
        for (ind, value, _) in &parsed {
            all_same &= stored_at(ind, period) == *value;
        }
        if all_same {
            return Ok(Saved {
                unchanged: parsed.len(),
                submission: sub,
                warnings: Vec::new(),
                inserted: 0,
                updated: 0,
            });
        }
    }
    match (action, sub.status) {
        (Action::Correct, Status::Approved) => {}
        (Action::Correct, _) => {
            return Err(AppError::conflict(Problem::new(
                "correction_only_after_approval",
            )));
        }
        (_, Status::Draft | Status::Returned) => {}
        (_, _) => {
            return Err(AppError::conflict(
                Problem::new("report_locked").arg("status", sub.status.as_str()),
            ));
        }
    }

    // Warnings: values far from the unit's own history must be explained to submit.
    let histories = histories(tx, unit_id, period).await?;
    let mut warnings = Vec::new();
    for (ind, value, explanation) in &parsed {
        let Some(v) = value else { continue };
        let hist = histories.get(&ind.id).map(Vec::as_slice).unwrap_or(&[]);
        if let Some(z) = outlier(*v, hist) {
            let w = Problem::new("value_outlier")
                .field(field(&ind.code))
                .arg("indicator", &ind.name_vi)
                .arg("z", format!("{z:.1}"));
            if action != Action::SaveDraft && explanation.is_none() {
                problems.push(
                    Problem::new("value_outlier_unexplained")
                        .field(format!("e_{}", ind.code))
                        .arg("indicator", &ind.name_vi)
                        .arg("z", format!("{z:.1}")),
                );
            }
            warnings.push(w);
        }
    }
    // Validation rules over the report's values (this period as entered, the previous one as
    // stored): errors block, warnings need an explanation on the indicator they concern.
    let prev_values: HashMap<String, f64> = template
        .indicators
        .iter()
        .filter_map(|ind| Some((ind.code.clone(), stored_at(ind, &prev)?)))
        .collect();
    let current: HashMap<&str, Option<f64>> = parsed
        .iter()
        .map(|(i, v, _)| (i.code.as_str(), *v))
        .collect();
    let explained: HashMap<&str, bool> = parsed
        .iter()
        .map(|(i, _, e)| (i.code.as_str(), e.is_some()))
        .collect();
    let ctx = |code: &str, shift: crate::formula::PeriodShift| -> Option<rust_decimal::Decimal> {
        use crate::formula::{PeriodShift, decimal_from_f64};
        let v = match shift {
            PeriodShift::Current => current.get(code).copied().flatten(),
            PeriodShift::Previous => prev_values.get(code).copied(),
            _ => None,
        }?;
        decimal_from_f64(v).ok()
    };
    for rule in crate::rules::all(tx).await.map_err(AppError::from)? {
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
        if rule.blocking && action != Action::SaveDraft {
            problems.push(detail("rule_violated").field(field(&subject)));
        } else if rule.blocking {
            // A draft may hold it; submitting will not.
            warnings.push(detail("rule_violated").field(field(&subject)));
        } else if action != Action::SaveDraft
            && !explained.get(subject.as_str()).copied().unwrap_or(false)
        {
            problems.push(detail("rule_warning_unexplained").field(format!("e_{subject}")));
        } else {
            warnings.push(detail("rule_warning").field(field(&subject)));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::many(StatusCode::UNPROCESSABLE_ENTITY, problems));
    }

    let history_action = match action {
        Action::Correct => "correct",
        _ => "enter",
    };
    let approved = sub.status == Status::Approved;
    let mut changes = Vec::new();
    let (mut inserted, mut updated, mut unchanged) = (0, 0, 0);
    // Collected, then written with one statement each: upserts, deletions, history rows.
    let mut upserts: Vec<Value> = Vec::new();
    let mut deletions: Vec<i64> = Vec::new();
    let mut history_rows: Vec<Value> = Vec::new();
    for (ind, value, explanation) in &parsed {
        let old = stored_at(ind, period);
        if old == *value {
            unchanged += 1;
            if let Some(x) = explanation {
                tx.execute(
                    "UPDATE data_values SET explanation = $1 WHERE indicator_id = $2 AND unit_id = $3 AND period = $4",
                    params![x, ind.id, unit_id, period.id()],
                )
                .await?;
            }
            continue;
        }
        if old.is_none() {
            inserted += 1;
        } else {
            updated += 1;
        }
        match value {
            Some(v) => upserts.extend(params![
                ind.id,
                unit_id,
                period.id(),
                *v,
                sub.id,
                approved,
                explanation.clone(),
                now,
                &actor.name
            ]),
            None => deletions.push(ind.id),
        }
        history_rows.extend(params![
            ind.id,
            unit_id,
            period.id(),
            old,
            *value,
            history_action,
            reason,
            now,
            &actor.name
        ]);
        changes.push(serde_json::json!({"indicator": ind.code, "old": old, "new": value}));
    }
    if !upserts.is_empty() {
        let sql = format!(
            "INSERT INTO data_values (indicator_id, unit_id, period, value, submission_id, approved, explanation, updated_at, updated_by) \
             VALUES {} ON CONFLICT (indicator_id, period, unit_id) DO UPDATE SET value = excluded.value, \
             submission_id = excluded.submission_id, approved = excluded.approved, explanation = excluded.explanation, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            value_groups(upserts.len() / 9, 9)
        );
        tx.execute(platform::db::Sql::trusted(sql), upserts).await?;
    }
    if !deletions.is_empty() {
        let mut args: Vec<Value> = vec![unit_id.into(), period.id().into()];
        let ph: Vec<String> = deletions
            .iter()
            .map(|id| {
                args.push((*id).into());
                format!("${}", args.len())
            })
            .collect();
        let sql = format!(
            "DELETE FROM data_values WHERE unit_id = $1 AND period = $2 AND indicator_id IN ({})",
            ph.join(",")
        );
        tx.execute(platform::db::Sql::trusted(sql), args).await?;
    }
    if !history_rows.is_empty() {
        let sql = format!(
            "INSERT INTO value_history (indicator_id, unit_id, period, old_value, new_value, action, reason, at, actor) VALUES {}",
            value_groups(history_rows.len() / 9, 9)
        );
        tx.execute(platform::db::Sql::trusted(sql), history_rows)
            .await?;
    }
    let new_status = match action {
        Action::SaveDraft => sub.status,
        Action::Submit => Status::Submitted,
        Action::Correct => Status::Approved,
    };
    let n = tx
        .execute(
            "UPDATE submissions SET status = $1, version = version + 1, updated_at = $2, \
             submitted_at = CASE WHEN $3 THEN $2 ELSE submitted_at END, \
             submitted_by = CASE WHEN $3 THEN $4 ELSE submitted_by END \
             WHERE id = $5 AND version = $6",
            params![
                new_status.as_str(),
                now,
                action == Action::Submit,
                &actor.name,
                sub.id,
                sub.version
            ],
        )
        .await?;
    if n == 0 {
        return Err(AppError::conflict(
            Problem::new("edited_concurrently").arg("by", ""),
        ));
    }
    audit::append(
        tx,
        actor,
        Change {
            action: match action {
                Action::SaveDraft => "report.save",
                Action::Submit => "report.submit",
                Action::Correct => "report.correct",
            },
            object_type: "report",
            object_id: format!("{}/{}/{}", template.code, unit_id, period.id()),
            before: Some(serde_json::json!({"status": sub.status, "version": sub.version})),
            after: Some(
                serde_json::json!({"status": new_status, "changes": changes, "reason": reason}),
            ),
        },
    )
    .await?;
    let row = tx
        .fetch_one("SELECT * FROM submissions WHERE id = $1", params![sub.id])
        .await?;
    Ok(Saved {
        submission: Submission::from_row(&row)?,
        warnings,
        inserted,
        updated,
        unchanged,
    })
}

/// Approve (lock) or return a submitted report. Returning needs a reason.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    submission_id: i64,
    expected_version: i64,
    approve: bool,
    reason: Option<&str>,
) -> AppResult<Submission> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if !approve && reason.is_none() {
        return Err(AppError::invalid(
            Problem::new("reason_required").field("reason"),
        ));
    }
    let mut tx = db.begin().await?;
    let sub = tx
        .fetch_optional(
            "SELECT * FROM submissions WHERE id = $1",
            params![submission_id],
        )
        .await?
        .as_ref()
        .map(Submission::from_row)
        .transpose()?
        .ok_or_else(AppError::not_found)?;
    if sub.version != expected_version {
        return Err(AppError::conflict(
            Problem::new("edited_concurrently").arg("by", ""),
        ));
    }
    if sub.status != Status::Submitted {
        return Err(AppError::conflict(
            Problem::new("report_not_submitted").arg("status", sub.status.as_str()),
        ));
    }
    let new_status = if approve {
        Status::Approved
    } else {
        Status::Returned
    };
    let now = now_ms();
    tx.execute(
        "UPDATE submissions SET status = $1, version = version + 1, decided_at = $2, decided_by = $3, \
         return_reason = $4, updated_at = $2 WHERE id = $5",
        params![new_status.as_str(), now, &actor.name, reason, sub.id],
    )
    .await?;
    tx.execute(
        "UPDATE data_values SET approved = $1 WHERE submission_id = $2",
        params![approve, sub.id],
    )
    .await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: if approve {
                "report.approve"
            } else {
                "report.return"
            },
            object_type: "report",
            object_id: format!("{}/{}", sub.unit_id, sub.period),
            before: Some(serde_json::json!({"status": sub.status})),
            after: Some(serde_json::json!({"status": new_status, "reason": reason})),
        },
    )
    .await?;
    let row = tx
        .fetch_one("SELECT * FROM submissions WHERE id = $1", params![sub.id])
        .await?;
    tx.commit().await?;
    Ok(Submission::from_row(&row)?)
}

/// One change of a value.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub old_value: Option<f64>,
    pub new_value: Option<f64>,
    pub reason: Option<String>,
}

pub async fn value_history(
    db: &Db,
    indicator_id: i64,
    unit_id: i64,
    period: &Period,
) -> DbResult<Vec<HistoryEntry>> {
    db.fetch_all(
        "SELECT * FROM value_history WHERE indicator_id = $1 AND unit_id = $2 AND period = $3 ORDER BY id",
        params![indicator_id, unit_id, period.id()],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(HistoryEntry {
            at: r.get("at")?,
            actor: r.get("actor")?,
            action: r.get("action")?,
            old_value: r.get("old_value")?,
            new_value: r.get("new_value")?,
            reason: r.get("reason")?,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_type_them() {
        for (raw, vi, en) in [
            ("1.234,5", Some(1234.5), None),
            ("1,234.5", None, Some(1234.5)),
            ("1234,5", Some(1234.5), Some(1234.5)),
            ("1.150", Some(1150.0), Some(1.15)),
            ("1,150", Some(1.15), Some(1150.0)),
            ("105.2", Some(105.2), Some(105.2)),
            ("105,2", Some(105.2), Some(105.2)),
            ("1.234.567", Some(1234567.0), None),
            ("1,234,567", None, Some(1234567.0)),
            (" -3,5 ", Some(-3.5), Some(-3.5)),
            ("12a", None, None),
            ("NaN", None, None),
            ("inf", None, None),
            ("1e5", None, None),
            ("", None, None),
        ] {
            assert_eq!(parse_number(raw, "vi"), vi, "vi {raw}");
            assert_eq!(parse_number(raw, "en"), en, "en {raw}");
        }
    }

    #[test]
    fn outliers_by_modified_z_score() {
        let h = [100.0, 102.0, 98.0, 101.0, 99.0, 103.0, 97.0, 100.0];
        assert!(modified_z(101.0, &h).unwrap().abs() < 1.0);
        assert!(modified_z(160.0, &h).unwrap() > OUTLIER_Z);
        assert!(modified_z(40.0, &h).unwrap() < -OUTLIER_Z);
        assert_eq!(modified_z(160.0, &h[..3]), None);
        assert_eq!(modified_z(1.0, &[5.0; 8]), None);
        // Steady series: a 11 % move is not an outlier, a fourfold one is.
        let steady = [
            1000.0, 1010.0, 1020.0, 1030.0, 1040.0, 1050.0, 1060.0, 1070.0,
        ];
        assert_eq!(outlier(1150.0, &steady), None);
        assert!(outlier(4000.0, &steady).is_some());
    }

    proptest::proptest! {
        #[test]
        fn number_parser_never_panics(s in "\\PC{0,20}") {
            let _ = parse_number(&s, "vi");
            let _ = parse_number(&s, "en");
        }

        #[test]
        fn plain_numbers_round_trip(v in -1e12f64..1e12) {
            let s = format!("{v}");
            proptest::prop_assert_eq!(parse_number(&s, "en"), Some(v));
            proptest::prop_assert_eq!(parse_number(&s.replace('.', ","), "vi"), Some(v));
        }
    }
}
