//! Reminders before a report's deadline: each reporter of a province whose monthly report is not
//! yet submitted gets an email (in Vietnamese and English) through the notifications outbox. A
//! daily job; the outbox's dedupe key makes it send each reminder once.

use platform::db::{Db, now_ms};
use platform::identity::access::Role;
use platform::params;
use time::Date;

use crate::catalogue::{self, MONTHLY_PROVINCIAL};
use crate::period::{Period, deadline};
use crate::submission::{self, Status};

/// Working days before the deadline when reminders start.
pub const DAYS_BEFORE: u32 = 2;

/// Queue the reminders due on `today` for the monthly report of `period`; returns how many were
/// queued (already-queued ones are not repeated).
pub async fn queue(db: &Db, period: &Period, today: Date) -> anyhow::Result<usize> {
    let template = catalogue::template(db, MONTHLY_PROVINCIAL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("catalogue not loaded"))?;
    let cal = catalogue::holidays(db).await?;
    let due = deadline(period, template.deadline_days as u32, &cal);
    let start = {
        // DAYS_BEFORE working days before the deadline.
        let mut d = due;
        let mut left = DAYS_BEFORE;
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
    let provinces = crate::provinces_in(db, period).await?;
    let subs = submission::for_period(db, template.id, period).await?;
    let mut tx = db.begin().await?;
    let mut queued = 0;
    for unit in provinces {
        let done = subs.iter().any(|s| {
            s.unit_id == unit.id && matches!(s.status, Status::Submitted | Status::Approved)
        });
        if done {
            continue;
        }
        // Reporters whose unit scope is this province (or who act for its People's Committee).
        let recipients = tx
            .fetch_all(
                "SELECT DISTINCT u.email, u.display_name FROM users u JOIN grants g ON g.user_id = u.id \
                 LEFT JOIN agencies a ON g.scope_kind = 'agency' AND a.id = g.scope_id \
                 WHERE u.is_active AND u.email IS NOT NULL AND g.revoked_at IS NULL AND g.role = $1 \
                 AND ((g.scope_kind = 'unit' AND g.scope_id = $2) OR (g.scope_kind = 'agency' AND a.unit_id = $2))",
                params![Role::Reporter.as_str(), unit.id],
            )
            .await?;
        for r in recipients {
            let email: String = r.get("email")?;
            let name: String = r.get("display_name")?;
            let (subject, body) = message(&name, &unit.name, period, due, overdue);
            let key = format!(
                "reminder:{}:{}:{}:{}",
                period.id(),
                unit.id,
                email,
                if overdue { "overdue" } else { "due" }
            );
            queued += tx
                .execute(
                    "INSERT INTO notifications (channel, recipient, subject, body, dedupe_key, created_at) \
                     VALUES ('email', $1, $2, $3, $4, $5) ON CONFLICT (dedupe_key) DO NOTHING",
                    params![email, subject, body, key, now_ms()],
                )
                .await? as usize;
        }
    }
    tx.commit().await?;
    Ok(queued)
}

/// The reminder in Vietnamese, then English.
fn message(name: &str, unit: &str, period: &Period, due: Date, overdue: bool) -> (String, String) {
    let due_vi = format!("{:02}/{:02}/{}", due.day(), due.month() as u8, due.year());
    if overdue {
        (
            format!(
                "[egov] Quá hạn báo cáo {} — {unit} / Report overdue",
                period.label("vi")
            ),
            format!(
                "Kính gửi {name},\n\nBáo cáo {} của {unit} đã quá hạn gửi ({due_vi}). Đề nghị hoàn thành và gửi báo cáo trên hệ thống egov.\n\n---\n\nDear {name},\n\nThe {} report of {unit} is overdue (deadline {due}). Please complete and submit it in egov.\n",
                period.label("vi"),
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
                "Kính gửi {name},\n\nBáo cáo {} của {unit} cần gửi trước hết ngày {due_vi}. Hiện báo cáo chưa được gửi.\n\n---\n\nDear {name},\n\nThe {} report of {unit} is due by the end of {due}. It has not been submitted yet.\n",
                period.label("vi"),
                period.label("en")
            ),
        )
    }
}
