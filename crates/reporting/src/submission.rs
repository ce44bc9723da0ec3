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
use crate::catalogue::Template;
use crate::model::period::Period;

pub use crate::model::status::{Action, Status};

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

pub use crate::model::number::{Notation, NumberError, parse_number, read_number};
pub use crate::model::outlier::{OUTLIER_MIN_CHANGE, OUTLIER_Z, modified_z, outlier, outlier_in};

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
            match read_number(&e.raw, Notation::from_code(e.lang), allowed) {
                Ok(v) => Some(v),
                Err(err) => {
                    let (name, name_en) = ind
                        .map(|i| (i.name_vi.as_str(), i.name_en.as_str()))
                        .unwrap_or((&e.indicator, &e.indicator));
                    let (group, point) = Notation::from_code(e.lang).separators();
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
                                .arg("grouped", crate::catalogue::format_number(n, 0, e.lang))
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
        crate::series::refresh(&mut tx, &[(sub.unit_id, period)], &indicators).await?;
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
        crate::data::refresh_area_totals(
            &mut tx,
            std::slice::from_ref(&sub.period),
            Some(&[sub.unit_id]),
        )
        .await?;
    }
    // And a province's in the national totals.
    if level.as_deref() == Some("province") {
        crate::data::refresh_province_totals(
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
