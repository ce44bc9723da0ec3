//! Sending the sync records to the national public service portal: the job `services.sync`
//! posts the queued records oldest first, as JSON, to the configured connector
//! (`services_sync_url`, with a bearer token if set). A record that fails waits with exponential
//! backoff, and the same dossier's later records wait behind it, so the portal never sees a
//! dossier's changes out of order. At most [`BATCH`] records a round.

use std::collections::BTreeSet;

use axum::http::Method;
use platform::db::Db;
use platform::error::FaultResult;
use platform::http_client::HttpClient;

use crate::store::sync as store;

/// Most records one round reads.
pub const BATCH: i64 = 200;

/// Where records go.
#[derive(Clone, Debug)]
pub struct Connector {
    pub url: String,
    pub token: Option<platform::config::Secret>,
    pub client: HttpClient,
}

/// The wait after `attempts` failures: 30 s doubling, at most 6 hours.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = attempts.clamp(0, 20) as u32;
    (30_000i64.saturating_mul(1i64 << exp)).min(6 * 3_600_000)
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub failed: usize,
    /// Waiting behind an earlier record of their dossier, or not due yet.
    pub waiting: usize,
}

/// One round of delivery.
pub async fn deliver(db: &Db, c: &Connector, now: i64) -> FaultResult<Round> {
    let mut round = Round::default();
    let mut blocked: BTreeSet<i64> = BTreeSet::new();
    for q in store::queued(db, BATCH).await? {
        if blocked.contains(&q.dossier_id) || q.next_at > now {
            blocked.insert(q.dossier_id);
            round.waiting += 1;
            continue;
        }
        let mut headers = vec![("content-type", "application/json".to_owned())];
        if let Some(t) = &c.token {
            headers.push(("authorization", format!("Bearer {}", t.expose())));
        }
        let outcome = c
            .client
            .request(Method::POST, &c.url, &headers, q.record.clone().into())
            .await;
        match outcome {
            Ok(r) if r.status.is_success() => {
                store::mark_sent(db, q.id, now).await?;
                round.sent += 1;
            }
            other => {
                let why = match other {
                    Ok(r) => format!("HTTP {}", r.status.as_u16()),
                    Err(e) => e.to_string(),
                };
                tracing::warn!(record = q.id, error = %why, "sync record not accepted by the national portal");
                store::mark_failed(db, q.id, &why, now + backoff_ms(q.attempts)).await?;
                blocked.insert(q.dossier_id);
                round.failed += 1;
            }
        }
    }
    Ok(round)
}
