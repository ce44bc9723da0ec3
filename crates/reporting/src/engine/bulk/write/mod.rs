//! Phase 4: the writes, once every report has passed — submissions created (in the state the
//! action leaves them), values upserted and removed, the series of approved values and the
//! totals that follow them, the audit entries, one change set per report (the value history),
//! and the reports moved on.

use std::collections::{HashMap, HashSet};

use platform::audit::Actor;
use platform::db::{Tx, Value, now_ms};
use platform::params;

mod audit;

use self::audit::Pending;
use super::against::{Plan, is_change};
use super::state::State;
use super::{Audit, Checked, Outcome, Report};
use crate::engine::error::{Error, Result};
use crate::model::indicator::Indicator;
use crate::model::period::Period;
use crate::model::status::{Action, Status};
use crate::model::submission::Submission;
use crate::store::submissions::{self, NewSubmission};
use crate::store::values::{self, CHANGE_SET_WIDTH, Stored, ValueRow};

/// A value changed by a report: (indicator, old, new, (old explanation, new explanation) when
/// the explanation changed).
pub(super) type Change<'a> = (
    &'a Indicator,
    Option<f64>,
    Option<f64>,
    Option<(Option<String>, Option<String>)>,
);

/// What the reports of a batch write, gathered before the set-based statements.
pub(super) struct Writes {
    mode: Audit,
    upserts: Vec<ValueRow>,
    /// Change sets, [`CHANGE_SET_WIDTH`] values each; the last (the audit seq) set by the audit.
    pub change_sets: Vec<Value>,
    /// Reports to move on, by (new status, submitted).
    moved: HashMap<(Status, bool), Vec<i64>>,
    pub pending: Vec<Pending>,

    series_touched: Vec<(i64, Period)>,
    series_indicators: HashSet<i64>,
}

impl Writes {
    fn new(mode: Audit) -> Writes {
        Writes {
            mode,
            upserts: Vec::new(),
            change_sets: Vec::new(),
            moved: HashMap::new(),
            pending: Vec::new(),
            series_touched: Vec::new(),
            series_indicators: HashSet::new(),
        }
    }
}

/// Write every report of the batch; their outcomes, in order.
pub(super) async fn write(
    tx: &mut Tx,
    actor: &Actor,
    reports: &[Report<'_>],
    checked: &[Checked<'_>],
    state: &mut State,
    plans: &mut [Plan],
    audit_mode: Audit,
) -> Result<Vec<Outcome>> {
    let now = now_ms();
    create_submissions(tx, actor, reports, plans, now).await?;
    let mut w = Writes::new(audit_mode);
    let mut outcomes = Vec::with_capacity(reports.len());
    for (i, (r, c)) in reports.iter().zip(checked).enumerate() {
        let o = report_writes(
            tx,
            actor,
            i,
            r,
            c,
            &mut plans[i],
            &mut state.stored,
            now,
            &mut w,
        )
        .await?;
        outcomes.push(o);
    }
    // Values: set-based upserts.
    values::upsert(tx, std::mem::take(&mut w.upserts)).await?;
    // Approved values changed (corrections, or values of another report overwritten): their
    // series follow at once.
    crate::store::series::refresh(tx, &w.series_touched, &w.series_indicators).await?;
    refresh_totals(tx, reports, &outcomes, &state.levels).await?;
    audit::append(tx, actor, reports, &outcomes, &mut w).await?;
    // Value history: one change set per report.
    values::insert_change_sets(tx, &w.change_sets).await?;
    move_on(tx, actor, w.moved, now).await?;
    Ok(outcomes)
}

/// New submissions first (their ids are needed by the values), written at once in the state the
/// action leaves them (a draft saved, or submitted: version 2), so that they need no second
/// write.
async fn create_submissions(
    tx: &mut Tx,
    actor: &Actor,
    reports: &[Report<'_>],
    plans: &mut [Plan],
    now: i64,
) -> Result<()> {
    let new_keys: Vec<usize> = plans
        .iter()
        .enumerate()
        .filter(|(_, p)| p.sub.is_none())
        .map(|(i, _)| i)
        .collect();
    for chunk in new_keys.chunks(1000) {
        let rows: Vec<NewSubmission> = chunk
            .iter()
            .map(|&i| {
                let r = &reports[i];
                NewSubmission {
                    template_id: r.template.id,
                    unit_id: r.unit_id,
                    period: r.period.id(),
                    agency_id: r.template.agency_id,
                    submitted_by: (r.action == Action::Submit).then(|| actor.name.clone()),
                }
            })
            .collect();
        // A report created meanwhile by someone else: a conflict, not a crash.
        let mut ids = submissions::create(tx, &rows, now)
            .await
            .map_err(|e| match e {
                e if e.is_unique_violation() => {
                    Error::edited_concurrently(chunk.first().copied().unwrap_or(0), "")
                }
                e => Error::Db(e),
            })?;
        // The rest of a new report is known: a draft at version 1.
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
    Ok(())
}

/// One report's writes gathered (its removed values deleted at once): its outcome.
#[allow(clippy::too_many_arguments)]
async fn report_writes(
    tx: &mut Tx,
    actor: &Actor,
    i: usize,
    r: &Report<'_>,
    c: &Checked<'_>,
    plan: &mut Plan,
    stored: &mut HashMap<(i64, i64, Period), Stored>,
    now: i64,
    w: &mut Writes,
) -> Result<Outcome> {
    let sub = plan
        .sub
        .as_ref()
        .expect("every report has a submission by now");
    if plan.skip {
        return Ok(Outcome {
            submission_id: sub.id,
            status: sub.status,
            version: sub.version,
            warnings: Vec::new(),
            inserted: 0,
            updated: 0,
            unchanged: c.values.len(),
            changed: false,
        });
    }
    let pid = r.period.id();
    let d = diff(r, c, sub, stored, w);
    if !d.deletions.is_empty() {
        values::delete(tx, r.unit_id, &pid, &d.deletions).await?;
    }
    if d.series_change {
        w.series_touched.push((r.unit_id, r.period));
        w.series_indicators
            .extend(r.template.indicators.iter().map(|i| i.id));
    }
    let mut change_row = None;
    if !d.changes.is_empty() {
        change_row = Some(w.change_sets.len() / CHANGE_SET_WIDTH);
        let history_action = if r.action == Action::Correct {
            "correct"
        } else {
            "enter"
        };
        w.change_sets.extend(params![
            r.unit_id,
            pid.clone(),
            sub.id,
            history_action,
            r.reason.clone(),
            now,
            &actor.name,
            change_set_text(&d.changes)?,
            None::<i64>
        ]);
    }
    let new_status = r.action.leaves(sub.status);
    if !plan.fresh {
        w.moved
            .entry((new_status, r.action == Action::Submit))
            .or_default()
            .push(sub.id);
    }
    let entry = audit::Entry {
        report: i,
        sub,
        new_status,
        changes: &d.changes,
        change_row,
        inserted: d.inserted,
        updated: d.updated,
    };
    w.pending.push(audit::pending(w.mode, r, entry));
    Ok(Outcome {
        submission_id: sub.id,
        status: new_status,
        version: sub.version + 1,
        warnings: std::mem::take(&mut plan.warnings),
        inserted: d.inserted,
        updated: d.updated,
        unchanged: d.unchanged,
        changed: true,
    })
}

/// A report's values against what is stored.
struct Diff<'a> {
    inserted: usize,
    updated: usize,
    unchanged: usize,
    changes: Vec<Change<'a>>,
    deletions: Vec<i64>,
    /// An approved value written, or one overwritten: the series of approved values follows.
    series_change: bool,
}

fn diff<'a>(
    r: &Report<'_>,
    c: &Checked<'a>,
    sub: &Submission,
    stored: &mut HashMap<(i64, i64, Period), Stored>,
    w: &mut Writes,
) -> Diff<'a> {
    let approved = sub.status == Status::Approved;
    let mut d = Diff {
        inserted: 0,
        updated: 0,
        unchanged: 0,
        changes: Vec::new(),
        deletions: Vec::new(),
        series_change: false,
    };
    for (ind, value, explanation) in &c.values {
        let old = stored.remove(&(ind.id, r.unit_id, r.period));
        d.series_change |= approved || old.as_ref().is_some_and(|o| o.approved);
        if !is_change(old.as_ref(), *value, explanation.as_ref()) {
            d.unchanged += 1;
            continue;
        }
        let old_value = old.as_ref().map(|o| o.value);
        // A new value without an explanation clears the old one.
        let new_explanation = explanation.clone();
        if old_value.is_none() {
            d.inserted += 1;
        } else {
            d.updated += 1;
        }
        match value {
            Some(v) => w.upserts.push(ValueRow {
                indicator_id: ind.id,
                unit_id: r.unit_id,
                period: r.period,
                value: *v,
                submission_id: sub.id,
                approved,
                explanation: new_explanation.clone(),
            }),
            None => d.deletions.push(ind.id),
        }
        let old_explanation = old.and_then(|o| o.explanation);
        let explained = (old_explanation != new_explanation && value.is_some())
            .then_some((old_explanation, new_explanation));
        d.changes.push((*ind, old_value, *value, explained));
    }
    d
}

/// A change set as stored: `[[indicator_id, old, new], …]`, written straight to text; a change
/// of explanation adds the old and the new one: `[indicator_id, old, new, old_explanation,
/// new_explanation]`.
fn change_set_text(changes: &[Change<'_>]) -> Result<String> {
    let mut set = Vec::with_capacity(changes.len() * 24);
    set.push(b'[');
    for (k, (ind, old, new, explained)) in changes.iter().enumerate() {
        if k > 0 {
            set.push(b',');
        }
        match explained {
            None => serde_json::to_writer(&mut set, &(ind.id, old, new)),
            Some((oe, ne)) => serde_json::to_writer(&mut set, &(ind.id, old, new, oe, ne)),
        }
        .map_err(|e| Error::Internal(e.into()))?;
    }
    set.push(b']');
    String::from_utf8(set).map_err(|e| Error::Internal(platform::Fault::other(e)))
}

/// Approved values changed (corrections): a commune's count at once in its province's totals, a
/// province's in the national ones (for its template's indicators).
async fn refresh_totals(
    tx: &mut Tx,
    reports: &[Report<'_>],
    outcomes: &[Outcome],
    levels: &HashMap<i64, registry::Level>,
) -> Result<()> {
    let mut touched: HashMap<String, Vec<i64>> = HashMap::new();
    let mut province_periods: Vec<String> = Vec::new();
    let mut province_indicators: Vec<i64> = Vec::new();
    for (r, o) in reports.iter().zip(outcomes) {
        if !o.changed || o.status != Status::Approved {
            continue;
        }
        match levels.get(&r.unit_id) {
            Some(registry::Level::Commune) => {
                touched.entry(r.period.id()).or_default().push(r.unit_id)
            }
            Some(registry::Level::Province) => {
                province_periods.push(r.period.id());
                province_indicators.extend(r.template.indicators.iter().map(|i| i.id));
            }
            _ => {}
        }
    }
    for (period, communes) in touched {
        crate::store::data::refresh_area_totals(tx, &[period], Some(&communes)).await?;
    }
    province_periods.sort_unstable();
    province_periods.dedup();
    province_indicators.sort_unstable();
    province_indicators.dedup();
    crate::store::data::refresh_province_totals(
        tx,
        Some((&province_indicators, &province_periods)),
    )
    .await?;
    Ok(())
}

/// Reports moved on: one statement per new state. Their rows were read in this transaction
/// (locked on PostgreSQL; SQLite's write transaction excludes other writers), so the versions
/// checked still hold; the count proves it.
async fn move_on(
    tx: &mut Tx,
    actor: &Actor,
    moved: HashMap<(Status, bool), Vec<i64>>,
    now: i64,
) -> Result<()> {
    for ((status, submitted), ids) in moved {
        for chunk in ids.chunks(2000) {
            let by = submitted.then_some(actor.name.as_str());
            let n = submissions::move_on(tx, chunk, status, by, now).await?;
            if n as usize != chunk.len() {
                return Err(Error::edited_concurrently(0, ""));
            }
        }
    }
    Ok(())
}
