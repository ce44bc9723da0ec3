//! Submitting data and the approval workflow (quy trình báo cáo): draft → submitted → approved
//! (locked) or returned with a reason → resubmitted. After approval, values change only through
//! an explicit correction with a reason. Every value change is kept in `value_history`; every
//! action is audited; concurrent edits are caught by a version number (optimistic concurrency).

use axum::http::StatusCode;
use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbError, DbResult, Row, Tx, now_ms};
use platform::error::{AppError, AppResult, Problem};
use platform::params;
use serde::Serialize;

use crate::bulk::{Audit, Input, Report, value_field};
use crate::model::template::Template;
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
    pub(crate) fn from_row(r: &Row) -> DbResult<Submission> {
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
    /// The language it was typed in (`vi` or `en`), which decides the decimal mark, or
    /// `plain` for machine-readable numbers (JSON, DHIS2, numeric spreadsheet cells).
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

/// Why typed text is not taken as a number. Nothing is ever guessed: what is accepted is read
/// exactly as written, by the convention of the language it was typed in (see
/// `docs/operations.md`, "Number entry").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    /// Not a number at all (`12a`, `1e5`, `NaN`, empty).
    NotANumber,
    /// Separators the language does not use that way (`105.2` or `1,234.5` in Vietnamese,
    /// `1.2.3`): `suggest` is how to type it, the other convention's reading when it has one.
    BadSeparators { suggest: String },
    /// The decimal mark followed by exactly three digits and nothing grouped (`1,234` in
    /// Vietnamese, `1.234` in English), for an indicator that allows fewer than three decimals:
    /// someone used to the other convention means `thousands`.
    Ambiguous { thousands: String },
    /// More significant digits than a stored value keeps exactly.
    NotExact,
}

/// The grouping separator and the decimal mark of a language: `vi` `.` and `,`; `en` `,` and
/// `.`; `plain` (machine-readable numbers: JSON, DHIS2, spreadsheet cells) no grouping and `.`.
fn separators(lang_code: &str) -> (Option<char>, char) {
    match lang_code {
        "en" => (Some(','), '.'),
        "plain" => (None, '.'),
        _ => (Some('.'), ','),
    }
}

/// Digits of a decimal without sign, leading zeros of the whole part or trailing zeros of the
/// fraction (`007.50` → `7.5`, `0.0` → `0`).
fn canonical(s: &str) -> String {
    let s = s.trim_start_matches('-');
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    }
}

/// Read a number as typed in a language (`vi`, `en` or `plain`, see [`separators`]), strictly:
/// an optional `-`, digits either plain or grouped in threes (`1.234.567` in Vietnamese), then
/// optionally the decimal mark and at least one digit. `allowed_decimals` is what the indicator
/// accepts: below three, `1,234` in Vietnamese (`1.234` in English) is refused as ambiguous.
/// An accepted number is the one written, digit for digit (never rounded: a value with more
/// decimals than allowed is left for [`crate::model::indicator::Indicator::check_value`] to refuse).
pub fn read_number(raw: &str, lang_code: &str, allowed_decimals: u32) -> Result<f64, NumberError> {
    read(raw, lang_code, allowed_decimals, true)
}

/// [`read_number`]; `suggest`: look for the other convention's reading of a badly separated
/// number (not when already looking).
fn read(
    raw: &str,
    lang_code: &str,
    allowed_decimals: u32,
    suggest: bool,
) -> Result<f64, NumberError> {
    let s = raw.trim();
    let (group, point) = separators(lang_code);
    let body = s.strip_prefix('-').unwrap_or(s);
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(NumberError::NotANumber);
    }
    let bad = || {
        // The other convention's reading, written the way this language writes it.
        let other = match lang_code {
            "en" => "vi",
            "plain" => "vi",
            _ => "en",
        };
        let reading = if suggest {
            read(raw, other, 6, false)
        } else {
            Err(NumberError::NotANumber)
        };
        let suggest = match reading {
            Ok(v) => {
                let decimals = s
                    .split_once(separators(other).1)
                    .map_or(0, |(_, f)| f.len());
                if group.is_none() {
                    crate::model::format::format_number(v, decimals, "en").replace(',', "")
                } else {
                    crate::model::format::format_number(v, decimals, lang_code)
                }
            }
            Err(_) => match lang_code {
                "en" => "1,234.5".to_owned(),
                "plain" => "1234.5".to_owned(),
                _ => "1.234,5".to_owned(),
            },
        };
        Err(NumberError::BadSeparators { suggest })
    };
    let (int, frac) = match body.split_once(point) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if let Some(f) = frac
        && (f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()))
    {
        return bad();
    }
    let digits: String = match group {
        Some(g) if int.contains(g) => {
            let mut parts = int.split(g);
            let first = parts.next().unwrap_or("");
            let first_ok = (1..=3).contains(&first.len()) && !first.starts_with('0');
            if !first_ok || !parts.all(|p| p.len() == 3) {
                return bad();
            }
            int.replace(g, "")
        }
        _ => int.to_owned(),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return bad();
    }
    if let (Some(g), Some(f)) = (group, frac)
        && !int.contains(g)
        && (1..=3).contains(&int.len())
        && !int.starts_with('0')
        && f.len() == 3
        && allowed_decimals < 3
    {
        return Err(NumberError::Ambiguous {
            thousands: format!("{int}{f}"),
        });
    }
    let normalized = match frac {
        Some(f) => format!("-{digits}.{f}"),
        None => format!("-{digits}"),
    };
    let normalized = if s.starts_with('-') {
        &normalized[..]
    } else {
        &normalized[1..]
    };
    let v: f64 = normalized.parse().map_err(|_| NumberError::NotANumber)?;
    if !v.is_finite() {
        return Err(NumberError::NotANumber);
    }
    // Every accepted value is the one written: beyond the limit the value rule refuses it
    // anyway (with a better message); within it, too many digits for a float are refused.
    if v.abs() <= crate::model::indicator::VALUE_LIMIT
        && canonical(normalized) != canonical(&format!("{v}"))
    {
        return Err(NumberError::NotExact);
    }
    Ok(v + 0.0)
}

/// [`read_number`] for an indicator allowing up to six decimals; `None` when it is refused.
pub fn parse_number(raw: &str, lang_code: &str) -> Option<f64> {
    read_number(raw, lang_code, 6).ok()
}

/// The median of `v` (reordered in place; linear time).
fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    let (_, &mut hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        hi
    } else {
        // The lower middle is the largest of the lower half.
        let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo + hi) / 2.0
    }
}

/// Median and median absolute deviation of a unit's history, reordering it; None with too
/// little history.
fn median_and_mad(history: &mut [f64]) -> Option<(f64, f64)> {
    if history.len() < 6 {
        return None;
    }
    let m = median(history);
    for v in history.iter_mut() {
        *v = (*v - m).abs();
    }
    Some((m, median(history)))
}

/// Modified z-score of `x` against a unit's history (Iglewicz–Hoaglin); None with too little
/// history or no spread.
pub fn modified_z(x: f64, history: &[f64]) -> Option<f64> {
    let (m, mad) = median_and_mad(&mut history.to_vec())?;
    (mad != 0.0).then(|| 0.6745 * (x - m) / mad)
}

/// Is `x` an outlier for this history? Both far in robust terms (|modified z| above
/// [`OUTLIER_Z`]) and materially different (more than [`OUTLIER_MIN_CHANGE`] from the median), so
/// that a very steady series does not flag ordinary movements. Returns the z-score if so.
pub fn outlier(x: f64, history: &[f64]) -> Option<f64> {
    outlier_in(x, &mut history.to_vec())
}

/// [`outlier`] working in the history's own buffer (which it reorders): the bulk path checks
/// millions of values and reuses one buffer.
pub fn outlier_in(x: f64, history: &mut [f64]) -> Option<f64> {
    let (m, mad) = median_and_mad(history)?;
    if mad == 0.0 {
        return None;
    }
    let z = 0.6745 * (x - m) / mad;
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

/// Numbers as typed (in the entry's language) → the engine's inputs; what cannot be read is a
/// problem on its field.
fn read_entries(template: &Template, entries: &[Entry]) -> (Vec<Input>, Vec<Problem>) {
    let mut inputs = Vec::with_capacity(entries.len());
    let mut problems = Vec::new();
    for e in entries {
        let value = if e.raw.trim().is_empty() {
            None
        } else {
            let ind = template.indicators.iter().find(|i| i.code == e.indicator);
            let allowed = ind.map_or(6, |i| i.allowed_decimals());
            match read_number(&e.raw, e.lang, allowed) {
                Ok(v) => Some(v),
                Err(err) => {
                    let (name, name_en) = ind
                        .map(|i| (i.name_vi.as_str(), i.name_en.as_str()))
                        .unwrap_or((&e.indicator, &e.indicator));
                    let (group, point) = separators(e.lang);
                    let typed = e.raw.trim();
                    let p = match err {
                        NumberError::NotANumber => Problem::new("value_not_a_number"),
                        NumberError::BadSeparators { suggest } => {
                            Problem::new("value_bad_separators")
                                .arg("group", group.map(String::from).unwrap_or_default())
                                .arg("point", point.to_string())
                                .arg("suggest", suggest)
                        }
                        NumberError::Ambiguous { thousands } => {
                            let n: f64 = thousands.parse().unwrap_or_default();
                            Problem::new("value_ambiguous")
                                .arg("point", point.to_string())
                                .arg("plain", &thousands)
                                .arg("grouped", crate::model::format::format_number(n, 0, e.lang))
                        }
                        NumberError::NotExact => Problem::new("value_not_exact"),
                    };
                    problems.push(
                        p.field(value_field(&e.indicator))
                            .arg("value", typed)
                            .arg("indicator", name)
                            .arg("indicator_en", name_en),
                    );
                    continue;
                }
            }
        };
        inputs.push(Input {
            indicator: e.indicator.clone(),
            value,
            explanation: e.explanation.clone(),
        });
    }
    (inputs, problems)
}

/// [`save`] inside the caller's transaction. One report through the engine every path shares
/// ([`crate::bulk::apply`]), audited as the person's action. Sending values a report already
/// holds, in the state it is already in, changes nothing and is not an error.
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
    let (values, mut problems) = read_entries(template, entries);
    let report = Report {
        template,
        unit_id,
        period: *period,
        values,
        expected_version,
        action,
        reason: reason.map(str::to_owned),
    };
    if !problems.is_empty() {
        // Every problem at once: what could not be read, and what is wrong with the rest
        // (a value that could not be read is not also "missing").
        let unread: Vec<String> = problems.iter().filter_map(|p| p.field.clone()).collect();
        problems.extend(
            crate::bulk::problems_alone(&report)
                .into_iter()
                .filter(|p| p.field.as_ref().is_none_or(|f| !unread.contains(f))),
        );
        return Err(AppError::many(StatusCode::UNPROCESSABLE_ENTITY, problems));
    }
    let outcome = crate::bulk::apply(tx, actor, std::slice::from_ref(&report), Audit::PerReport)
        .await
        .map_err(crate::bulk::Error::into_single)?
        .pop()
        .ok_or_else(|| AppError::internal("no outcome for the report"))?;
    Ok(Saved {
        submission: crate::bulk::submission(tx, outcome.submission_id).await?,
        warnings: outcome.warnings,
        inserted: outcome.inserted,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
    })
}

/// Four-eyes approval (nguyên tắc bốn mắt): is `actor` the person who submitted this report or
/// last changed its values? Such a person neither approves it nor corrects it (a correction is
/// approved as it is saved). Binds people, i.e. signed-in accounts: the system itself (the demo
/// loader, the command line) acts with the database's credentials and is no second person.
pub(crate) async fn is_author(tx: &mut Tx, actor: &Actor, sub: &Submission) -> DbResult<bool> {
    if actor.user_id.is_none() {
        return Ok(false);
    }
    if sub.submitted_by.as_deref() == Some(actor.name.as_str()) {
        return Ok(true);
    }
    // The last change set of the report's values (through the (unit, period, id) index).
    let last: Option<String> = tx
        .fetch_optional(
            "SELECT actor FROM value_changes WHERE unit_id = $1 AND period = $2 AND submission_id = $3 \
             ORDER BY id DESC LIMIT 1",
            params![sub.unit_id, &sub.period, sub.id],
        )
        .await?
        .map(|r| r.get("actor"))
        .transpose()?;
    Ok(last.as_deref() == Some(actor.name.as_str()))
}

/// Approve (lock) or return a submitted report. Returning needs a reason. The one who submitted
/// the report or last changed it cannot approve it ([`is_author`]); they may return it.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    submission_id: i64,
    expected_version: i64,
    approve: bool,
    reason: Option<&str>,
) -> AppResult<Submission> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    platform::web::limits::check_text("reason", reason, platform::web::limits::MAX_TEXT_CHARS)
        .map_err(AppError::invalid)?;
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
    if approve && is_author(&mut tx, actor, &sub).await? {
        return Err(AppError::conflict(Problem::new("four_eyes_approve")));
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
    // The report's values, through the primary key: its template's indicators.
    let indicators: std::collections::HashSet<i64> = tx
        .fetch_all(
            "SELECT indicator_id FROM template_indicators WHERE template_id = $1",
            params![sub.template_id],
        )
        .await?
        .iter()
        .map(|r| r.get("indicator_id"))
        .collect::<DbResult<_>>()?;
    if !indicators.is_empty() {
        let mut args: Vec<platform::db::Value> = params![approve, sub.unit_id, &sub.period, sub.id];
        let ids = platform::db::bind_list(&mut args, indicators.iter().copied());
        tx.execute(
            platform::db::Sql::trusted(format!(
                "UPDATE data_values SET approved = $1 \
                 WHERE indicator_id IN ({ids}) AND period = $3 AND unit_id = $2 AND submission_id = $4"
            )),
            args,
        )
        .await?;
    }
    // The units' approved histories gain this report's values (the outlier check's history).
    if approve && let Ok(period) = Period::parse(&sub.period) {
        crate::store::series::refresh(&mut tx, &[(sub.unit_id, period)], &indicators).await?;
    }
    // A commune's approved values count in its province's totals at once.
    let level: Option<String> = tx
        .fetch_optional(
            "SELECT level FROM units WHERE id = $1",
            params![sub.unit_id],
        )
        .await?
        .map(|r| r.get("level"))
        .transpose()?;
    if level.as_deref() == Some("commune") {
        crate::store::data::refresh_area_totals(
            &mut tx,
            std::slice::from_ref(&sub.period),
            Some(&[sub.unit_id]),
        )
        .await?;
    }
    // And a province's in the national totals.
    if level.as_deref() == Some("province") {
        crate::store::data::refresh_province_totals(
            &mut tx,
            Some((
                &indicators.iter().copied().collect::<Vec<_>>(),
                std::slice::from_ref(&sub.period),
            )),
        )
        .await?;
    }
    let mut after = serde_json::json!({"status": new_status, "reason": reason});
    if approve {
        // What was approved, so that `egov audit verify` notices values changed afterwards.
        after[crate::trail::APPROVED_DIGESTS] = crate::trail::approved_digests(&mut tx, &[sub.id])
            .await?
            .into();
    }
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
            after: Some(after),
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
    /// When the explanation changed with this entry (or alone): the old one and the new one.
    pub old_explanation: Option<String>,
    pub explanation: Option<String>,
}

/// The history of one value: every change set of its unit and period that changed it (its
/// figure, or its explanation), oldest first.
pub async fn value_history(
    db: &Db,
    indicator_id: i64,
    unit_id: i64,
    period: &Period,
) -> DbResult<Vec<HistoryEntry>> {
    let mut out = Vec::new();
    for r in db
        .fetch_all(
            "SELECT * FROM value_changes WHERE unit_id = $1 AND period = $2 ORDER BY id",
            params![unit_id, period.id()],
        )
        .await?
    {
        // [[indicator_id, old, new], …]; a change of explanation adds [… , old_explanation,
        // new_explanation].
        let decode = |e: serde_json::Error| DbError::Decode {
            column: "changes".into(),
            problem: e.to_string(),
        };
        let changes: Vec<Vec<serde_json::Value>> =
            serde_json::from_str(&r.get::<String>("changes")?).map_err(decode)?;
        for c in changes {
            let at = |i: usize| c.get(i).cloned().unwrap_or_default();
            if serde_json::from_value::<i64>(at(0)).map_err(decode)? != indicator_id {
                continue;
            }
            out.push(HistoryEntry {
                at: r.get("at")?,
                actor: r.get("actor")?,
                action: r.get("action")?,
                old_value: serde_json::from_value(at(1)).map_err(decode)?,
                new_value: serde_json::from_value(at(2)).map_err(decode)?,
                reason: r.get("reason")?,
                old_explanation: serde_json::from_value(at(3)).map_err(decode)?,
                explanation: serde_json::from_value(at(4)).map_err(decode)?,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_type_them() {
        // (typed, Vietnamese, English) for an indicator with one decimal.
        for (raw, vi, en) in [
            ("1.234,5", Some(1234.5), None),
            ("1,234.5", None, Some(1234.5)),
            ("1234,5", Some(1234.5), None),
            ("1234.5", None, Some(1234.5)),
            ("1.150", Some(1150.0), None),
            ("1,150", None, Some(1150.0)),
            ("105.2", None, Some(105.2)),
            ("105,2", Some(105.2), None),
            ("1.234.567", Some(1234567.0), None),
            ("1,234,567", None, Some(1234567.0)),
            ("1234567", Some(1234567.0), Some(1234567.0)),
            (" -3,5 ", Some(-3.5), None),
            ("0,123", Some(0.123), None),
            ("1234,567", Some(1234.567), None),
            ("1.23.456", None, None),
            ("1.2345", None, Some(1.2345)),
            ("01.234", None, Some(1.234)),
            (",5", None, None),
            ("5,", None, None),
            ("1 234", None, None),
            ("12a", None, None),
            ("NaN", None, None),
            ("inf", None, None),
            ("1e5", None, None),
            ("", None, None),
            ("-", None, None),
        ] {
            assert_eq!(read_number(raw, "vi", 1).ok(), vi, "vi {raw}");
            assert_eq!(read_number(raw, "en", 1).ok(), en, "en {raw}");
        }
    }

    #[test]
    fn ambiguous_separators_are_refused_with_the_way_to_type_them() {
        let amb = |t: &str| {
            Err(NumberError::Ambiguous {
                thousands: t.into(),
            })
        };
        assert_eq!(read_number("1,234", "vi", 1), amb("1234"));
        assert_eq!(read_number("-12,345", "vi", 0), amb("12345"));
        assert_eq!(read_number("1.234", "en", 2), amb("1234"));
        // The native grouping is not ambiguous, nor a fraction the indicator expects.
        assert_eq!(read_number("1.234", "vi", 1), Ok(1234.0));
        assert_eq!(read_number("1,234", "en", 1), Ok(1234.0));
        assert_eq!(read_number("1,234", "vi", 3), Ok(1.234));
        assert_eq!(read_number("1,2340", "vi", 1), Ok(1.234));
        // The other convention's reading, as this language writes it.
        let bad = |s: &str| Err(NumberError::BadSeparators { suggest: s.into() });
        assert_eq!(read_number("105.2", "vi", 1), bad("105,2"));
        assert_eq!(read_number("1,234.5", "vi", 1), bad("1.234,5"));
        assert_eq!(read_number("105,2", "en", 1), bad("105.2"));
        assert_eq!(read_number("1,5", "plain", 1), bad("1.5"));
        assert_eq!(read_number("1..2", "vi", 1), bad("1.234,5"));
        // Too many digits for a stored value to keep.
        assert_eq!(
            read_number("123456789012345,678", "vi", 3),
            Err(NumberError::NotExact)
        );
        assert_eq!(read_number("1000000000000000000", "plain", 0), Ok(1e18));
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
        fn median_is_the_middle_of_the_sorted_values(v in proptest::collection::vec(-1e6f64..1e6, 1..40)) {
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let n = sorted.len();
            let want = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
            proptest::prop_assert_eq!(median(&mut v.clone()), want);
        }

        #[test]
        fn plain_numbers_round_trip(v in -1e12f64..1e12) {
            let s = format!("{v}");
            proptest::prop_assert_eq!(parse_number(&s, "plain"), Some(v));
        }

        /// What the pages show is read back as the same value, in both languages, for every
        /// indicator precision.
        #[test]
        fn formatted_values_read_back_exactly(n in -999_999_999_999_999i64..=999_999_999_999_999, d in 0u32..=6) {
            // n / 10^d: a value with at most d decimals (as a stored value has).
            let v: f64 = format!("{}e-{d}", n).parse().unwrap();
            for lang in ["vi", "en"] {
                let shown = crate::model::format::format_number(v, d as usize, lang);
                let back = read_number(&shown, lang, d);
                if v.abs() <= crate::model::indicator::VALUE_LIMIT && back != Err(NumberError::NotExact) {
                    proptest::prop_assert_eq!(back, Ok(v), "{} {}", lang, shown);
                }
            }
        }

        /// No accepted input is reinterpreted: what is read is the number written, digit for
        /// digit, by the language's convention.
        #[test]
        fn accepted_input_is_the_number_written(s in "-?[0-9.,]{1,12}", d in 0u32..=6) {
            for (lang, group, point) in [("vi", '.', ','), ("en", ',', '.')] {
                if let Ok(v) = read_number(&s, lang, d) {
                    let written: String = s.chars().filter(|&c| c != group).map(|c| if c == point { '.' } else { c }).collect();
                    proptest::prop_assert_eq!(canonical(&written), canonical(&format!("{v}")), "{} {}", lang, &s);
                    proptest::prop_assert_eq!(s.starts_with('-') && v != 0.0, v < 0.0);
                    // Grouping only in threes.
                    let int = s.trim_start_matches('-').split(point).next().unwrap();
                    let mut parts = int.split(group);
                    proptest::prop_assert!(parts.next().unwrap().len() <= 3 || !int.contains(group));
                    proptest::prop_assert!(parts.all(|p| p.len() == 3));
                }
            }
        }
    }
}
