//! The audit entries of a batch: one per report (a person's action) or one for the whole batch
//! (a system's import), each with the digests of what it leaves approved and of the change sets
//! it writes (which name it); `egov audit verify` recomputes both from the tables.

use platform::audit::{self as platform_audit, Actor, Change};
use platform::db::{Tx, Value};
use serde_json::json;

use super::super::{Audit, Outcome, Report};
use super::{self as write, Writes};
use crate::engine::error::Result;
use crate::engine::trail::{self, APPROVED_DIGESTS, ChangeSetDigest, VALUE_CHANGES_DIGEST};
use crate::model::status::{Action, Status};
use crate::model::submission::Submission;
use crate::store::values::CHANGE_SET_WIDTH;

/// What one report wrote, for its audit.
pub(in crate::engine::bulk) struct Entry<'a, 'c> {
    pub report: usize,
    pub sub: &'a Submission,
    pub new_status: Status,
    pub changes: &'a [write::Change<'c>],
    /// Its change set's row in [`Writes::change_sets`].
    pub change_row: Option<usize>,
    pub inserted: usize,
    pub updated: usize,
}

/// A report's audit, appended once the values are written (an approved report's entry carries
/// the digest of its approved values): its own entry, or its key in the batch's entry.
pub(in crate::engine::bulk) enum Pending {
    Entry {
        report: usize,
        action: &'static str,
        before: serde_json::Value,
        after: serde_json::Value,
        change_row: Option<usize>,
    },
    Key(serde_json::Value),
}

pub(in crate::engine::bulk) fn pending(mode: Audit, r: &Report<'_>, e: Entry<'_, '_>) -> Pending {
    let pid = r.period.id();
    if mode == Audit::Batch {
        return Pending::Key(json!([
            r.template.code,
            r.unit_id,
            pid,
            e.new_status,
            e.inserted,
            e.updated
        ]));
    }
    let list: Vec<serde_json::Value> = e
        .changes
        .iter()
        .map(|(ind, old, new, explained)| match explained {
            None => json!({"indicator": ind.code, "old": old, "new": new}),
            Some((oe, ne)) => json!({"indicator": ind.code, "old": old, "new": new,
                "old_explanation": oe, "explanation": ne}),
        })
        .collect();
    Pending::Entry {
        report: e.report,
        action: match r.action {
            Action::SaveDraft => "report.save",
            Action::Submit => "report.submit",
            Action::Correct => "report.correct",
        },
        before: json!({"status": e.sub.status, "version": e.sub.version}),
        after: json!({"status": e.new_status, "changes": list, "reason": r.reason}),
        change_row: e.change_row,
    }
}

/// Append the batch's audit entries, and set the audit seq of each change set.
pub(in crate::engine::bulk) async fn append(
    tx: &mut Tx,
    actor: &Actor,
    reports: &[Report<'_>],
    outcomes: &[Outcome],
    w: &mut Writes,
) -> Result<()> {
    let approved_subs: Vec<i64> = outcomes
        .iter()
        .filter(|o| o.changed && o.status == Status::Approved)
        .map(|o| o.submission_id)
        .collect();
    let digests = trail::approved_digests(tx, &approved_subs).await?;
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
    let mut keys = Vec::new();
    for p in std::mem::take(&mut w.pending) {
        let (report, action, before, mut after, change_row) = match p {
            Pending::Key(k) => {
                keys.push(k);
                continue;
            }
            Pending::Entry {
                report,
                action,
                before,
                after,
                change_row,
            } => (report, action, before, after, change_row),
        };
        // Named as people know the report: template, the unit's statistical code, period.
        let r = &reports[report];
        let (object_id, object) =
            trail::report_object(tx, &r.template.code, r.unit_id, &r.period.id()).await?;
        after[platform_audit::OBJECT] = object;
        let digest = digest_of(r);
        if !digest.is_empty() {
            after[APPROVED_DIGESTS] = json!(digest);
        }
        if let Some(row) = change_row {
            let mut d = ChangeSetDigest::default();
            d.add(&w.change_sets[row * CHANGE_SET_WIDTH..(row + 1) * CHANGE_SET_WIDTH - 1]);
            after[VALUE_CHANGES_DIGEST] = d.finish();
        }
        let change = Change {
            action,
            object_type: "report",
            object_id,
            before: Some(before),
            after: Some(after),
        };
        let seq = platform_audit::append(tx, actor, change).await?;
        if let Some(row) = change_row {
            w.change_sets[(row + 1) * CHANGE_SET_WIDTH - 1] = Value::from(seq);
        }
    }
    if !keys.is_empty() {
        let (inserted, updated) = outcomes
            .iter()
            .fold((0, 0), |(i, u), o| (i + o.inserted, u + o.updated));
        let mut d = ChangeSetDigest::default();
        for row in w.change_sets.chunks(CHANGE_SET_WIDTH) {
            d.add(&row[..CHANGE_SET_WIDTH - 1]);
        }
        let change = Change {
            action: "report.bulk",
            object_type: "report",
            object_id: format!("bulk/{}", keys.len()),
            before: None,
            after: Some(json!({
                "reports": keys.len(),
                "inserted": inserted,
                "updated": updated,
                "keys": keys,
                APPROVED_DIGESTS: digests,
                VALUE_CHANGES_DIGEST: d.finish(),
            })),
        };
        let seq = platform_audit::append(tx, actor, change).await?;
        for row in w.change_sets.chunks_mut(CHANGE_SET_WIDTH) {
            row[CHANGE_SET_WIDTH - 1] = Value::from(seq);
        }
    }
    Ok(())
}
