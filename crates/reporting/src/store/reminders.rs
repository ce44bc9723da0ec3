//! What reminders read and write: reporters' grants (identity tables) and the notifications
//! outbox. Merge note: both belong to `platform` (identity, notifications); read here until it
//! offers them.

use platform::db::{DbResult, Tx};
use platform::identity::access::Role;
use platform::params;

/// A reporter's active grant on a unit or an agency, with the account's email.
#[derive(Debug)]
pub struct ReporterGrant {
    pub email: String,
    pub display_name: String,
    pub scope_kind: String,
    pub scope_id: Option<i64>,
    /// The agency's unit, for a grant on an agency.
    pub agency_unit: Option<i64>,
}

/// Every active reporter grant on a unit or an agency, of active accounts with an email.
pub async fn reporter_grants(tx: &mut Tx) -> DbResult<Vec<ReporterGrant>> {
    tx.fetch_all(
        "SELECT DISTINCT u.email, u.display_name, g.scope_kind, g.scope_id, a.unit_id AS agency_unit \
         FROM users u JOIN grants g ON g.user_id = u.id \
         LEFT JOIN agencies a ON g.scope_kind = 'agency' AND a.id = g.scope_id \
         WHERE u.is_active AND u.email IS NOT NULL AND g.revoked_at IS NULL AND g.role = $1 \
         AND g.scope_kind IN ('unit', 'agency')",
        params![Role::Reporter.as_str()],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(ReporterGrant {
            email: r.get("email")?,
            display_name: r.get("display_name")?,
            scope_kind: r.get("scope_kind")?,
            scope_id: r.get("scope_id")?,
            agency_unit: r.get("agency_unit")?,
        })
    })
    .collect()
}

/// An email reminder for the outbox.
pub struct Reminder<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub dedupe_key: &'a str,
}

/// Queue a reminder once (its dedupe key): 1 when queued, 0 when already there (the platform's
/// outbox, `platform::mail::queue`).
pub async fn queue(tx: &mut Tx, r: &Reminder<'_>, now: i64) -> DbResult<u64> {
    let email = platform::mail::Email {
        to: r.recipient.to_owned(),
        subject: r.subject.to_owned(),
        body: r.body.to_owned(),
    };
    platform::mail::queue(tx, &email, r.dedupe_key, now).await
}
