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
//!
//! The phases, each in its own file: [`alone`] (checks that need nothing stored), [`state`]
//! (what is stored, read set-based), [`against`] (every report checked against it: versions,
//! workflow, outliers, validation rules, national against provinces), [`write`] (submissions,
//! values, history, totals) and [`audit`] (the audit entries and their digests).

mod against;
mod alone;
mod state;
mod write;

use std::collections::HashMap;

use platform::audit::Actor;
use platform::db::Tx;

pub use alone::{check_not_future, problems_alone};

use super::error::{Error, Failure, Issue, Kind, Result};
use crate::model::indicator::Indicator;
use crate::model::period::Period;
use crate::model::status::{Action, Status};
use crate::model::template::Template;

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
    pub warnings: Vec<Issue>,
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

/// How many periods of approved history the outlier check reads.
const HISTORY: usize = crate::model::outlier::HISTORY_PERIODS;

/// One report's values resolved against its template: (indicator, value, explanation).
struct Checked<'a> {
    values: Vec<(&'a Indicator, Option<f64>, Option<String>)>,
}

/// Each template's indicators by code.
type Lookups<'a> = HashMap<i64, HashMap<&'a str, &'a Indicator>>;

/// Check and write `reports` in the caller's transaction, all or nothing: on any report's
/// problem nothing is written and every failing report is named. Sending values a report already
/// holds, in the state it is already in, changes nothing (idempotent re-sends).
pub async fn apply(
    tx: &mut Tx,
    actor: &Actor,
    reports: &[Report<'_>],
    audit_mode: Audit,
) -> Result<Vec<Outcome>> {
    let mut lookups: Lookups<'_> = HashMap::new();
    for r in reports {
        lookups.entry(r.template.id).or_insert_with(|| {
            r.template
                .indicators
                .iter()
                .map(|i| (i.code.as_str(), i))
                .collect()
        });
    }
    // 1. Checks that need nothing stored.
    let checked = alone::check_all(reports, &lookups)?;
    // 2. What is stored, read set-based.
    let mut state = state::State::load(tx, reports, &checked, &lookups).await?;
    // 3. Every report checked against what is stored.
    let mut plans = against::check_all(tx, actor, reports, &checked, &mut state, &lookups).await?;
    // 4. Writes, then the audit entries.
    let outcomes = write::write(
        tx, actor, reports, &checked, &mut state, &mut plans, audit_mode,
    )
    .await?;
    // 5. Open pages hear of it (worklists, boards; national figures when approved values moved).
    let changes: Vec<(i64, String, Status, bool)> = reports
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| o.changed)
        .map(|(r, o)| {
            let approved = o.status == Status::Approved;
            (r.template.id, r.period.id(), o.status, approved)
        })
        .collect();
    super::announce::reports_changed(tx, &changes).await?;
    Ok(outcomes)
}

/// Refused when any report failed.
fn refuse_if_any(failures: Vec<Failure>) -> Result<()> {
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error::Rejected(failures))
    }
}

/// A report's failure for one reason.
fn failure(report: usize, kind: Kind, issues: Vec<Issue>) -> Failure {
    Failure {
        report,
        kind,
        issues,
    }
}

/// The engine runs inside request handlers: its future must be `Send` (a `sea-query` statement
/// held across an `.await` would make it not; this fails to compile then).
#[expect(dead_code, reason = "a compile-time check, never called")]
fn send_check(tx: &mut Tx, a: &Actor, r: &[Report<'_>]) {
    fn is_send<T: Send>(_: T) {}
    is_send(apply(tx, a, r, Audit::Batch));
}
