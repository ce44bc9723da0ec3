//! E-mail: the notifications outbox delivered over SMTP.
//!
//! Capabilities never send mail themselves: they add a row to `notifications` in the transaction
//! of their change (a reminder, an alert, a published brief), with a dedupe key so that a retried
//! job adds it once. [`deliver_pending`] sends what is due: it claims a batch (one conditional
//! UPDATE, so that two nodes never send the same message), sends each through a [`Mailer`], and
//! marks it sent — or counts the failure and retries later with a doubling wait, up to
//! [`MAX_ATTEMPTS`]; the last error stays on the row for the operator.
//!
//! The real transport is SMTP ([`SmtpMailer`], `lettre`): `smtp_url` in the configuration, e.g.
//! `smtp://relay.gov.vn:587?tls=required` or `smtps://user:password@relay:465`. Without it the
//! outbox keeps its messages (nothing is lost) and `/metrics` shows how many wait.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::db::{Db, DbResult, now_ms};
use crate::params;

/// Attempts before a message is given up (its row stays, with the last error).
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claim keeps other nodes off a message being sent.
const CLAIM_MS: i64 = 120_000;
/// The first wait after a failure; it doubles with each attempt (1 min, 2, 4 … about 2 h).
const FIRST_RETRY_MS: i64 = 60_000;

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Put `email` in the outbox as part of the caller's transaction, once per `dedupe_key` (a
/// capability's own key: `reminder:…`, `alert:…`, `brief:…`): 1 when queued, 0 when a message with
/// that key is already there. The `mail.deliver` job sends it after the commit.
pub async fn queue(
    tx: &mut crate::db::Tx,
    email: &Email,
    dedupe_key: &str,
    now: i64,
) -> DbResult<u64> {
    tx.execute(
        "INSERT INTO notifications (channel, recipient, subject, body, dedupe_key, created_at) \
         VALUES ('email', $1, $2, $3, $4, $5) ON CONFLICT (dedupe_key) DO NOTHING",
        params![
            email.to.as_str(),
            email.subject.as_str(),
            email.body.as_str(),
            dedupe_key,
            now
        ],
    )
    .await
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address {0:?}")]
    Address(String),
    #[error("SMTP configuration: {0}")]
    Config(String),
    #[error("sending failed: {0}")]
    Send(String),
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something that sends e-mail: SMTP in production; tests use a real SMTP sink on loopback.
pub trait Mailer: Send + Sync {
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, Result<(), MailError>>;
}

/// SMTP through `lettre` (STARTTLS or TLS as the URL says).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// From `smtp_url` and the sender address (`"Hệ thống egov <egov@example.gov.vn>"`).
    pub fn new(url: &str, from: &str) -> Result<SmtpMailer, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Config(e.to_string()))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from = from
            .parse()
            .map_err(|_| MailError::Address(from.to_owned()))?;
        Ok(SmtpMailer { transport, from })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async move {
            let to: Mailbox = email
                .to
                .parse()
                .map_err(|_| MailError::Address(email.to.clone()))?;
            let message = lettre::Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(email.subject.clone())
                .header(ContentType::TEXT_PLAIN)
                .body(email.body.clone())
                .map_err(|e| MailError::Send(e.to_string()))?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Send(e.to_string()))
        })
    }
}

/// What one delivery round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
}

/// Send up to `limit` due messages of the outbox (see the module notes).
pub async fn deliver_pending(db: &Db, mailer: &dyn Mailer, limit: i64) -> DbResult<Delivered> {
    let mut done = Delivered::default();
    for (id, attempts, email) in claim(db, "email", limit).await? {
        let outcome = mailer.send(&email).await.map_err(|e| e.to_string());
        if settle(db, id, attempts, outcome, "e-mail").await? {
            done.sent += 1;
        } else {
            done.failed += 1;
        }
    }
    Ok(done)
}

/// Claims up to `limit` due messages of `channel`: the outer conditions are checked again on the
/// row itself, so of two nodes that picked the same message only one updates (and so sends) it.
/// Each with its id and attempts so far.
pub(crate) async fn claim(db: &Db, channel: &str, limit: i64) -> DbResult<Vec<(i64, i64, Email)>> {
    let now = now_ms();
    let claimed = db
        .fetch_all(
            "UPDATE notifications SET claimed_until = $1 \
             WHERE id IN (SELECT id FROM notifications \
                          WHERE sent_at IS NULL AND channel = $5 AND attempts < $2 \
                            AND next_attempt_at <= $3 \
                            AND (claimed_until IS NULL OR claimed_until < $3) \
                          ORDER BY id LIMIT $4) \
               AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < $3) \
             RETURNING id, recipient, subject, body, attempts",
            params![now + CLAIM_MS, MAX_ATTEMPTS, now, limit, channel],
        )
        .await?;
    claimed
        .iter()
        .map(|row| {
            Ok((
                row.get("id")?,
                row.get("attempts")?,
                Email {
                    to: row.get("recipient")?,
                    subject: row.get("subject")?,
                    body: row.get("body")?,
                },
            ))
        })
        .collect()
}

/// Records a claimed message's outcome: sent, or a failure retried after a doubling wait.
/// True when sent.
pub(crate) async fn settle(
    db: &Db,
    id: i64,
    attempts: i64,
    outcome: Result<(), String>,
    what: &str,
) -> DbResult<bool> {
    match outcome {
        Ok(()) => {
            db.execute(
                "UPDATE notifications SET sent_at = $1, claimed_until = NULL, \
                 attempts = attempts + 1, last_error = NULL WHERE id = $2",
                params![now_ms(), id],
            )
            .await?;
            Ok(true)
        }
        Err(e) => {
            let wait = FIRST_RETRY_MS.saturating_mul(1_i64 << attempts.clamp(0, 20));
            // The recipient is in the row; the log names only the message.
            tracing::warn!(notification = id, attempt = attempts + 1, error = %e, "{what} not sent");
            db.execute(
                "UPDATE notifications SET claimed_until = NULL, attempts = attempts + 1, \
                 next_attempt_at = $1, last_error = $2 WHERE id = $3",
                params![now_ms() + wait, e, id],
            )
            .await?;
            Ok(false)
        }
    }
}

/// Messages waiting to be sent (for `/metrics`), and those given up.
pub async fn outbox_counts(db: &Db) -> DbResult<(i64, i64)> {
    let row = db
        .fetch_one(
            "SELECT \
               COALESCE(SUM(CASE WHEN attempts < $1 THEN 1 ELSE 0 END), 0) AS pending, \
               COALESCE(SUM(CASE WHEN attempts >= $1 THEN 1 ELSE 0 END), 0) AS failed \
             FROM notifications WHERE sent_at IS NULL",
            params![MAX_ATTEMPTS],
        )
        .await?;
    Ok((row.get("pending")?, row.get("failed")?))
}

/// A loopback SMTP sink for tests (this crate's and, with the `smtp-sink` feature, others').
#[cfg(any(test, feature = "smtp-sink"))]
pub mod sink;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    use super::sink::smtp_sink;

    async fn db_with(messages: &[(&str, &str)]) -> Db {
        let db = Db::connect("sqlite::memory:", 1).await.unwrap();
        db.migrate().await.unwrap();
        for (i, (to, subject)) in messages.iter().enumerate() {
            db.execute(
                "INSERT INTO notifications (channel, recipient, subject, body, dedupe_key, created_at) \
                 VALUES ('email', $1, $2, $3, $4, $5)",
                params![*to, *subject, "Kính gửi anh/chị,\nBáo cáo tháng 11/2026 đến hạn.", format!("k{i}"), now_ms()],
            )
            .await
            .unwrap();
        }
        db
    }

    #[tokio::test]
    async fn due_messages_go_out_once_over_real_smtp() {
        let (url, got) = smtp_sink(false).await;
        let mailer = SmtpMailer::new(&url, "Hệ thống egov <egov@example.gov.vn>").unwrap();
        let db = db_with(&[
            ("baocao@nghean.gov.vn", "Nhắc hạn báo cáo tháng 11/2026"),
            ("pheduyet@nghean.gov.vn", "Báo cáo chờ phê duyệt"),
        ])
        .await;
        let done = deliver_pending(&db, &mailer, 10).await.unwrap();
        assert_eq!(done, Delivered { sent: 2, failed: 0 });
        let received = got.lock().unwrap().clone();
        assert_eq!(received.len(), 2);
        assert!(
            received[0].contains("To: baocao@nghean.gov.vn"),
            "{}",
            received[0]
        );
        // The subject is encoded (RFC 2047); the body is readable UTF-8 or encoded.
        assert!(received[0].contains("Subject: "), "{}", received[0]);
        // Sent once: a second round finds nothing.
        assert_eq!(
            deliver_pending(&db, &mailer, 10).await.unwrap(),
            Delivered::default()
        );
        assert_eq!(outbox_counts(&db).await.unwrap(), (0, 0));
    }

    #[tokio::test]
    async fn a_refused_message_waits_and_keeps_its_error() {
        let (url, got) = smtp_sink(true).await;
        let mailer = SmtpMailer::new(&url, "egov@example.gov.vn").unwrap();
        let db = db_with(&[("baocao@nghean.gov.vn", "Nhắc hạn")]).await;
        assert_eq!(
            deliver_pending(&db, &mailer, 10).await.unwrap(),
            Delivered { sent: 0, failed: 1 }
        );
        assert!(got.lock().unwrap().is_empty());
        let row = db
            .fetch_one(
                "SELECT attempts, next_attempt_at, last_error, sent_at FROM notifications",
                params![],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<i64>("attempts").unwrap(), 1);
        assert!(row.get::<i64>("next_attempt_at").unwrap() > now_ms() + 50_000);
        assert!(row.get::<String>("last_error").unwrap().contains("554"));
        assert_eq!(row.get::<Option<i64>>("sent_at").unwrap(), None);
        // Not due again yet.
        assert_eq!(
            deliver_pending(&db, &mailer, 10).await.unwrap(),
            Delivered::default()
        );
        assert_eq!(outbox_counts(&db).await.unwrap(), (1, 0));
    }

    #[tokio::test]
    async fn a_claimed_message_is_not_sent_by_another_node() {
        let (url, got) = smtp_sink(false).await;
        let mailer = SmtpMailer::new(&url, "egov@example.gov.vn").unwrap();
        let db = db_with(&[("a@example.gov.vn", "x")]).await;
        db.execute(
            "UPDATE notifications SET claimed_until = $1",
            params![now_ms() + 60_000],
        )
        .await
        .unwrap();
        assert_eq!(
            deliver_pending(&db, &mailer, 10).await.unwrap(),
            Delivered::default()
        );
        assert!(got.lock().unwrap().is_empty());
    }
}
