//! Reminders before a report's deadline, for every template: each reporter of a unit (or ministry)
//! whose report is not yet submitted gets an email (in Vietnamese and English) through the notifications outbox. A
//! daily job; the outbox's dedupe key makes it send each reminder once.

use platform::FaultResult;
use platform::db::{Db, now_ms};
use time::Date;

use crate::model::period::Period;
use crate::model::status::Status;
use crate::model::template::{MONTHLY_PROVINCIAL, Template};
use crate::store::reminders::{Reminder, queue as queue_one, reporter_grants};
use crate::store::submissions;

/// Working days before the deadline when reminders start, unless a template says otherwise.
pub const DAYS_BEFORE: u32 = 2;

/// Queue the reminders due on `today` for the monthly provincial report of `period`; returns how
/// many were queued (already-queued ones are not repeated).
pub async fn queue(db: &Db, period: &Period, today: Date) -> FaultResult<usize> {
    let template = crate::store::templates::template(db, MONTHLY_PROVINCIAL)
        .await?
        .ok_or_else(|| platform::fault!("catalogue not loaded"))?;
    queue_template(db, &template, period, today).await
}

/// Queue the reminders due on `today` for every template: its report now due, and the one before
/// if it is still missing (overdue).
pub async fn queue_all(db: &Db, today: Date) -> FaultResult<usize> {
    let mut n = 0;
    for t in crate::store::templates::list(db).await? {
        let due = t.latest_due(today);
        n += queue_template(db, &t, &due, today).await?;
        n += queue_template(db, &t, &due.previous(), today).await?;
    }
    Ok(n)
}

/// Queue the reminders due on `today` for `template`'s report of `period`. Recipients are the
/// reporters whose scope reaches the unit: its own or an ancestor's unit scope, the People's
/// Committee of its province, or, for a ministry's national report, the ministry.
pub async fn queue_template(
    db: &Db,
    template: &Template,
    period: &Period,
    today: Date,
) -> FaultResult<usize> {
    if template.check_period(period).is_err() {
        return Ok(0);
    }
    let cal = crate::store::holidays::holidays(db).await?;
    let due = template.deadline(period, &cal);
    let start = {
        // `remind_days` working days before the deadline.
        let mut d = due;
        let mut left = template.remind_days.max(0) as u32;
        while left > 0 {
            d = d.previous_day().expect("date in range");
            if cal.is_working_day(d) {
                left -= 1;
            }
        }
        d
    };
    if today < start {
        return Ok(0);
    }
    let overdue = today > due;
    let units = crate::store::units::reporting_units(db, template, period).await?;
    let subs = submissions::for_period(db, template.id, period).await?;
    let mut tx = db.begin().await?;
    let mut queued = 0;
    for unit in units {
        let done = subs.iter().any(|s| {
            s.unit_id == unit.id && matches!(s.status, Status::Submitted | Status::Approved)
        });
        if done {
            continue;
        }
        let target = crate::store::units::target(db, template, &unit).await?;
        let mut recipients: Vec<(String, String)> = Vec::new();
        for g in reporter_grants(&mut tx).await? {
            // The same containment rule as permissions (a national scope is not reminded).
            let reaches = match g.scope_kind.as_str() {
                "unit" => g.scope_id.is_some_and(|u| target.units.contains(&u)),
                _ => {
                    target.agency.is_some() && target.agency == g.scope_id
                        || g.agency_unit.is_some_and(|u| target.units.contains(&u))
                }
            };
            if reaches && !recipients.iter().any(|(e, _)| *e == g.email) {
                recipients.push((g.email, g.display_name));
            }
        }
        for (email, name) in recipients {
            let (subject, body) = message(&name, template, &unit.name, period, due, overdue);
            // The monthly provincial report keeps its original key (no duplicate after upgrade).
            let prefix = if template.code == MONTHLY_PROVINCIAL {
                String::new()
            } else {
                format!("{}:", template.code)
            };
            let key = format!(
                "reminder:{prefix}{}:{}:{}:{}",
                period.id(),
                unit.id,
                email,
                if overdue { "overdue" } else { "due" }
            );
            let reminder = Reminder {
                recipient: &email,
                subject: &subject,
                body: &body,
                dedupe_key: &key,
            };
            queued += queue_one(&mut tx, &reminder, now_ms()).await? as usize;
        }
    }
    tx.commit().await?;
    Ok(queued)
}

/// The reminder in Vietnamese, then English.
fn message(
    name: &str,
    template: &Template,
    unit: &str,
    period: &Period,
    due: Date,
    overdue: bool,
) -> (String, String) {
    let due_vi = format!("{:02}/{:02}/{}", due.day(), due.month() as u8, due.year());
    if overdue {
        (
            format!(
                "[egov] Quá hạn báo cáo {} — {unit} / Report overdue",
                period.label("vi")
            ),
            format!(
                "Kính gửi {name},\n\n{} — {} của {unit} đã quá hạn gửi ({due_vi}). Đề nghị hoàn thành và gửi báo cáo trên hệ thống egov.\n\n---\n\nDear {name},\n\n{} — the {} report of {unit} is overdue (deadline {due}). Please complete and submit it in egov.\n",
                template.name_vi,
                period.label("vi"),
                template.name_en,
                period.label("en")
            ),
        )
    } else {
        (
            format!(
                "[egov] Sắp đến hạn báo cáo {} — {unit} / Report due soon",
                period.label("vi")
            ),
            format!(
                "Kính gửi {name},\n\n{} — {} của {unit} cần gửi trước hết ngày {due_vi}. Hiện báo cáo chưa được gửi.\n\n---\n\nDear {name},\n\n{} — the {} report of {unit} is due by the end of {due}. It has not been submitted yet.\n",
                template.name_vi,
                period.label("vi"),
                template.name_en,
                period.label("en")
            ),
        )
    }
}
