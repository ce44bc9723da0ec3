//! The e-Cabinet's periodic work (job `cabinet.forms`, hourly): forms past their deadline are
//! closed (answers frozen), members who have not answered — and their assistants — are reminded
//! once on the last working day before the deadline and once when the deadline has passed, and
//! passkey ceremonies that expired are removed.

use platform::FaultResult;
use platform::audit::{self, Actor, Change};
use platform::db::Db;
use serde_json::json;

use super::forms::notify;
use crate::model::kinds::FormStatus;
use crate::model::{iso, vn_day};
use crate::store::{bodies, forms, passkeys};

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Run {
    pub closed: usize,
    pub reminded: usize,
}

/// Most forms one run looks at.
const BATCH: i64 = 500;

pub async fn run(db: &Db, now: i64) -> FaultResult<Run> {
    let mut out = Run::default();
    let today = vn_day(now);
    let cal = reporting::query::holiday_calendar(db).await?;
    let actor = Actor::system("cabinet.forms");
    for f in forms::issued(db, BATCH).await? {
        let Some(deadline) = f.deadline.as_deref().and_then(crate::model::parse_iso) else {
            continue;
        };
        let Some(body) = bodies::get(db, f.body_id).await? else {
            continue;
        };
        let overdue = today > deadline;
        let last_day = !overdue && cal.add_working_days(today, 1) >= deadline;
        if overdue || last_day {
            let answered: Vec<i64> = forms::answers(db, f.id)
                .await?
                .iter()
                .map(|a| a.member_id)
                .collect();
            let kind = if overdue { "form_overdue" } else { "form_due" };
            for m in forms::recipients(db, f.id).await? {
                if answered.contains(&m) {
                    continue;
                }
                let Some(member) = bodies::get_member(db, m).await? else {
                    continue;
                };
                let mut tx = db.begin().await?;
                let fresh = tx
                    .fetch_optional(
                        "SELECT 1 AS x FROM cab_notices WHERE user_id = $1 AND kind = $2 AND href = $3",
                        platform::params![member.user_id, kind, format!("/cabinet/forms/{}", f.id)],
                    )
                    .await?
                    .is_none();
                if fresh {
                    notify(
                        &mut tx,
                        &body,
                        &member,
                        kind,
                        &format!("/cabinet/forms/{}", f.id),
                        &f.title,
                        &format!("{kind}:{}", f.id),
                        now,
                    )
                    .await
                    .map_err(|e| platform::fault!("reminder: {e}"))?;
                    out.reminded += 1;
                }
                tx.commit().await?;
                forms::mark_reminded(db, f.id, m, now).await?;
            }
        }
        if overdue {
            let mut tx = db.begin().await?;
            forms::set_status(&mut tx, f.id, FormStatus::Closed, now).await?;
            audit::append(
                &mut tx,
                &actor,
                Change {
                    action: "cabinet.form_closed",
                    object_type: "cab_form",
                    object_id: f.id.to_string(),
                    before: Some(json!({"status": "issued"})),
                    after: Some(json!({"status": "closed", "deadline": iso(deadline)})),
                },
            )
            .await?;
            tx.commit().await?;
            out.closed += 1;
        }
    }
    passkeys::prune(db, now).await?;
    Ok(out)
}
