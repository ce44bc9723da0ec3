//! Deciding on a submitted report (phê duyệt): approve (lock) or return it with a reason, under
//! the four-eyes principle.

use std::collections::HashSet;

use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbResult, Tx, now_ms};
use platform::error::Problem;
use platform::web::limits::{MAX_TEXT_CHARS, check_text};

use super::error::{Error, Issue, Kind, Result};
use super::trail;
use crate::model::period::Period;
use crate::model::status::Status;
use crate::model::submission::Submission;
use crate::store::{submissions, values};

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
    let last = submissions::last_change_by(tx, sub).await?;
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
) -> Result<Submission> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    check_text("reason", reason, MAX_TEXT_CHARS)
        .map_err(|p| Error::one(Kind::Invalid, vec![Issue::part("reason", p)]))?;
    if !approve && reason.is_none() {
        return Err(Error::one(
            Kind::Invalid,
            vec![Issue::part("reason", Problem::new("reason_required"))],
        ));
    }
    let mut tx = db.begin().await?;
    let sub = submissions::by_id(&mut tx, submission_id)
        .await?
        .ok_or(Error::NotFound)?;
    if sub.version != expected_version {
        return Err(Error::one(
            Kind::Conflict,
            vec![Issue::report(
                Problem::new("edited_concurrently").arg("by", ""),
            )],
        ));
    }
    if sub.status != Status::Submitted {
        let p = Problem::new("report_not_submitted").arg("status", sub.status.as_str());
        return Err(Error::one(Kind::Conflict, vec![Issue::report(p)]));
    }
    if approve && is_author(&mut tx, actor, &sub).await? {
        let p = Problem::new("four_eyes_approve");
        return Err(Error::one(Kind::Conflict, vec![Issue::report(p)]));
    }
    let new_status = if approve {
        Status::Approved
    } else {
        Status::Returned
    };
    submissions::decide(&mut tx, sub.id, new_status, &actor.name, reason, now_ms()).await?;
    let indicators = submissions::template_indicators(&mut tx, sub.template_id).await?;
    values::set_approved(
        &mut tx,
        approve,
        sub.unit_id,
        &sub.period,
        sub.id,
        &indicators,
    )
    .await?;
    follow_approval(&mut tx, &sub, approve, &indicators).await?;
    let mut after = serde_json::json!({"status": new_status, "reason": reason});
    if approve {
        // What was approved, so that `egov audit verify` notices values changed afterwards.
        after[trail::APPROVED_DIGESTS] = trail::approved_digests(&mut tx, &[sub.id]).await?.into();
    }
    let (object_id, object) =
        trail::report_object_of(&mut tx, sub.template_id, sub.unit_id, &sub.period).await?;
    after[audit::OBJECT] = object;
    let change = Change {
        action: if approve {
            "report.approve"
        } else {
            "report.return"
        },
        object_type: "report",
        object_id,
        before: Some(serde_json::json!({"status": sub.status})),
        after: Some(after),
    };
    audit::append(&mut tx, actor, change).await?;
    let change = (sub.template_id, sub.period.clone(), new_status, approve);
    super::announce::reports_changed(&mut tx, &[change]).await?;
    let decided = submissions::by_id(&mut tx, sub.id)
        .await?
        .ok_or(Error::NotFound)?;
    tx.commit().await?;
    Ok(decided)
}

/// What follows a decision: the unit's approved history gains the report's values (the outlier
/// check's history); a commune's approved values count in its province's totals at once, and a
/// province's in the national totals.
async fn follow_approval(
    tx: &mut Tx,
    sub: &Submission,
    approve: bool,
    indicators: &HashSet<i64>,
) -> Result<()> {
    if approve && let Ok(period) = Period::parse(&sub.period) {
        crate::store::series::refresh(tx, &[(sub.unit_id, period)], indicators).await?;
    }
    let levels = submissions::unit_levels(tx, &[sub.unit_id]).await?;
    match levels.get(&sub.unit_id) {
        Some(registry::Level::Commune) => {
            crate::store::data::refresh_area_totals(
                tx,
                std::slice::from_ref(&sub.period),
                Some(&[sub.unit_id]),
            )
            .await?;
        }
        Some(registry::Level::Province) => {
            let ids: Vec<i64> = indicators.iter().copied().collect();
            crate::store::data::refresh_province_totals(
                tx,
                Some((&ids, std::slice::from_ref(&sub.period))),
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}
