//! Text messages (SMS): the same notifications outbox as e-mail (channel `sms`), delivered
//! through an SMS hook. A telecom's SMS gateway cannot run here, so egov speaks to one through the
//! [`SmsSender`] trait; the shipped sender posts each message as JSON to a configured URL
//! (`sms_hook_url`: `{"to": "+84…", "text": "…"}`, with a bearer token if set) — the agency's
//! SMS gateway, or a small adapter in front of it. Without a hook, messages wait in the outbox
//! (nothing is lost) and `/metrics` counts them.

use std::future::Future;
use std::pin::Pin;

use axum::http::Method;

use crate::db::{DbResult, Tx};
use crate::mail::{Delivered, Email};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The longest text queued (a few SMS segments); longer is cut at a character boundary with an
/// ellipsis — say what matters first.
pub const MAX_TEXT_CHARS: usize = 320;

/// A Vietnamese mobile number in the international form (`+84` and 9 digits), from what people
/// type (`0912 345 678`, `84912345678`, `+84 912-345-678`); `None` when it is not one.
pub fn normalize_phone(s: &str) -> Option<String> {
    let digits: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let rest = if let Some(r) = digits.strip_prefix("+84") {
        r
    } else if let Some(r) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
        r
    } else {
        digits.strip_prefix('0')?
    };
    (rest.len() == 9 && rest.bytes().all(|b| b.is_ascii_digit()) && !rest.starts_with('0'))
        .then(|| format!("+84{rest}"))
}

/// Queue a text message in the caller's transaction, once per `dedupe_key`: 1 when queued, 0
/// when a message with that key is already there (or the number is not a mobile number).
pub async fn queue(
    tx: &mut Tx,
    phone: &str,
    text: &str,
    dedupe_key: &str,
    now: i64,
) -> DbResult<u64> {
    let Some(to) = normalize_phone(phone) else {
        return Ok(0);
    };
    let text: String = if text.chars().count() > MAX_TEXT_CHARS {
        text.chars().take(MAX_TEXT_CHARS - 1).chain(['…']).collect()
    } else {
        text.to_owned()
    };
    tx.execute(
        "INSERT INTO notifications (channel, recipient, subject, body, dedupe_key, created_at) \
         VALUES ('sms', $1, '', $2, $3, $4) ON CONFLICT (dedupe_key) DO NOTHING",
        crate::params![to, text, dedupe_key, now],
    )
    .await
}

/// Something that sends a text message.
pub trait SmsSender: Send + Sync {
    fn send<'a>(&'a self, to: &'a str, text: &'a str) -> BoxFuture<'a, Result<(), String>>;
}

/// The SMS hook: a JSON POST per message to the configured URL.
pub struct HookSender {
    pub url: String,
    pub token: Option<crate::config::Secret>,
    pub client: crate::http_client::HttpClient,
}

impl SmsSender for HookSender {
    fn send<'a>(&'a self, to: &'a str, text: &'a str) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let mut headers = vec![("content-type", "application/json".to_owned())];
            if let Some(t) = &self.token {
                headers.push(("authorization", format!("Bearer {}", t.expose())));
            }
            let body = serde_json::json!({"to": to, "text": text}).to_string();
            match self
                .client
                .request(Method::POST, &self.url, &headers, body.into())
                .await
            {
                Ok(r) if r.status.is_success() => Ok(()),
                Ok(r) => Err(format!("HTTP {}", r.status.as_u16())),
                Err(e) => Err(e.to_string()),
            }
        })
    }
}

/// Send up to `limit` due text messages of the outbox (claimed like e-mail: one node each).
pub async fn deliver_pending(
    db: &crate::db::Db,
    sender: &dyn SmsSender,
    limit: i64,
) -> DbResult<Delivered> {
    let mut done = Delivered::default();
    for (id, attempts, Email { to, body, .. }) in crate::mail::claim(db, "sms", limit).await? {
        let outcome = sender.send(&to, &body).await;
        if crate::mail::settle(db, id, attempts, outcome, "text message").await? {
            done.sent += 1;
        } else {
            done.failed += 1;
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::normalize_phone;

    #[test]
    fn mobile_numbers_are_normalised_or_refused() {
        for ok in [
            "0912345678",
            "0912 345 678",
            "+84912345678",
            "84912345678",
            "+84 912-345-678",
        ] {
            assert_eq!(normalize_phone(ok).as_deref(), Some("+84912345678"), "{ok}");
        }
        for bad in [
            "",
            "912345678",
            "091234567",
            "09123456789",
            "+85912345678",
            "0012345678",
            "09x2345678",
        ] {
            assert_eq!(normalize_phone(bad), None, "{bad}");
        }
    }
}
