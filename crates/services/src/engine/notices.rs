//! Telling the applicant: the notice of a status change queued as an e-mail and a text message
//! in the change's transaction (delivered by the jobs `mail.deliver` and `sms.deliver`), once per
//! dossier and event.

use platform::db::{DbResult, Tx};
use platform::i18n::Lang;

use crate::model::dossier::Status;
use crate::model::notice::{Facts, for_status};

/// Where the applicant is reached.
#[derive(Debug, Clone, Default)]
pub struct Contacts<'a> {
    pub email: &'a str,
    pub phone: &'a str,
    pub lang: Lang,
}

/// Queues the notice of `status` for the applicant: how many messages were queued (0 when the
/// status is not told, the applicant left no contact, or this event was already told).
/// `event` tells apart two entries into the same status (a second request for papers).
pub async fn queue(
    tx: &mut Tx,
    dossier_id: i64,
    event: i64,
    status: Status,
    facts: &Facts<'_>,
    to: &Contacts<'_>,
    now: i64,
) -> DbResult<u64> {
    let Some(n) = for_status(status, facts, to.lang) else {
        return Ok(0);
    };
    let key = format!("svc:{dossier_id}:{event}:{}", status.number());
    let mut queued = 0;
    if to.email.contains('@') {
        queued += platform::mail::queue(
            tx,
            &platform::mail::Email {
                to: to.email.to_owned(),
                subject: n.subject,
                body: n.body,
            },
            &format!("{key}:email"),
            now,
        )
        .await?;
    }
    if !to.phone.trim().is_empty() {
        queued += platform::sms::queue(tx, to.phone, &n.sms, &format!("{key}:sms"), now).await?;
    }
    Ok(queued)
}
