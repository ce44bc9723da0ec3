//! Reminders before the deadline: the job `services.reminders` e-mails the official holding each
//! dossier in processing (status 2 or 4) whose appointment is within [`AHEAD`] working days, or
//! past — at most once per dossier per Việt Nam day (the e-mail's key is the dossier and the
//! day), at most [`BATCH`] dossiers a round, soonest first. A dossier with no holder, or a holder
//! without an e-mail address, is counted and left (the worklist shows it anyway).

use platform::db::{Db, DbResult};
use platform::i18n::{Lang, t_args};
use platform::params;

use crate::engine::dossiers::vn_day;
use crate::model::clock;

/// Working days ahead of the appointment the reminder starts.
pub const AHEAD: u32 = 1;
/// Most dossiers one round reads.
pub const BATCH: i64 = 5_000;

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// E-mails queued now.
    pub queued: u64,
    /// Already reminded today.
    pub already: u64,
    /// No holder, or a holder without an e-mail address.
    pub unreachable: u64,
}

/// One round at `now`.
pub async fn remind(db: &Db, now: i64) -> DbResult<Round> {
    let today = vn_day(now);
    let cal = reporting::query::holiday_calendar(db).await?;
    let until = clock::appointment(&cal, today, AHEAD);
    let rows = db
        .fetch_all(
            "SELECT id, code, procedure_name, due_date, holder_user_id FROM svc_dossiers \
             WHERE status IN (2, 4) AND due_date <= $1 ORDER BY due_date, id LIMIT $2",
            params![until.to_string(), BATCH],
        )
        .await?;
    let mut round = Round::default();
    for r in rows {
        let id: i64 = r.get("id")?;
        let code: Option<String> = r.get("code")?;
        let name: String = r.get("procedure_name")?;
        let due: String = r.get("due_date")?;
        let holder: Option<i64> = r.get("holder_user_id")?;
        let user = match holder {
            Some(h) => platform::identity::get_user(db, h).await?,
            None => None,
        };
        let Some((user, to)) = user.and_then(|u| {
            let e = u.email.clone().filter(|e| e.contains('@'))?;
            Some((u, e))
        }) else {
            round.unreachable += 1;
            continue;
        };
        let lang = if user.locale.as_deref() == Some("en") {
            Lang::En
        } else {
            Lang::Vi
        };
        let late = due.as_str() < today.to_string().as_str();
        let key = if late {
            "svc_reminder.late"
        } else {
            "svc_reminder.due"
        };
        let args = [
            ("code", code.clone().unwrap_or_default()),
            ("procedure", name.clone()),
            ("due", due.clone()),
        ];
        let email = platform::mail::Email {
            to,
            subject: t_args(lang, &format!("{key}_subject"), &args),
            body: t_args(lang, &format!("{key}_body"), &args),
        };
        let mut tx = db.begin().await?;
        let n = platform::mail::queue(&mut tx, &email, &format!("svc-remind:{id}:{today}"), now)
            .await?;
        tx.commit().await?;
        if n > 0 {
            round.queued += n;
        } else {
            round.already += 1;
        }
    }
    Ok(round)
}
