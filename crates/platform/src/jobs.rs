//! A small job queue in the database (hàng đợi tác vụ): idempotent enqueue by key, retries with
//! exponential backoff, safe with many workers on many nodes (PostgreSQL claims with
//! `FOR UPDATE SKIP LOCKED`; SQLite has one writer at a time). A job that outlives its lease is
//! taken again, so handlers must be idempotent.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::db::{Backend, Db, DbResult, Sql, Tx, now_ms};
use crate::error::FaultResult;
use crate::params;

/// A job handed to its handler.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i64,
}

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
pub type Handler = Arc<dyn Fn(Db, Job) -> BoxFuture<FaultResult<()>> + Send + Sync>;

/// The handlers a node knows, by job kind.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
}

impl Registry {
    pub fn register<F, Fut>(&mut self, kind: &str, f: F)
    where
        F: Fn(Db, Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = FaultResult<()>> + Send + 'static,
    {
        self.handlers.insert(
            kind.to_owned(),
            Arc::new(move |db, job| Box::pin(f(db, job))),
        );
    }
}

/// What to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: serde_json::Value,
    /// Enqueuing twice with the same key creates one job.
    pub dedupe_key: Option<String>,
    pub run_at_ms: i64,
    pub max_attempts: i64,
}

impl<'a> NewJob<'a> {
    pub fn new(kind: &'a str, payload: serde_json::Value) -> Self {
        NewJob {
            kind,
            payload,
            dedupe_key: None,
            run_at_ms: now_ms(),
            max_attempts: 5,
        }
    }
    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
}

const INSERT: &str = "INSERT INTO jobs (kind, payload, dedupe_key, state, attempts, max_attempts, run_at, created_at) \
     VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id";

/// Enqueue inside the caller's transaction (commits with the change that caused it).
/// Returns the new id, or None when a job with the same key exists.
pub async fn enqueue(tx: &mut Tx, job: NewJob<'_>) -> DbResult<Option<i64>> {
    let row = tx
        .fetch_optional(
            INSERT,
            params![
                job.kind,
                job.payload.to_string(),
                job.dedupe_key,
                job.max_attempts,
                job.run_at_ms,
                now_ms()
            ],
        )
        .await?;
    row.map(|r| r.get("id")).transpose()
}

/// Delete jobs finished more than `keep_ms` ago (periodic jobs add one row per run).
pub async fn purge_done(db: &Db, keep_ms: i64) -> DbResult<u64> {
    db.execute(
        "DELETE FROM jobs WHERE state = 'done' AND finished_at < $1",
        crate::params![crate::db::now_ms() - keep_ms],
    )
    .await
}

/// Enqueue in its own transaction.
pub async fn enqueue_now(db: &Db, job: NewJob<'_>) -> DbResult<Option<i64>> {
    let mut tx = db.begin().await?;
    let id = enqueue(&mut tx, job).await?;
    tx.commit().await?;
    Ok(id)
}

/// Claim the next ready job for `worker`, with a lease of `lease_ms`.
pub async fn claim(db: &Db, worker: &str, lease_ms: i64) -> DbResult<Option<Job>> {
    let now = now_ms();
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2 \
         WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= $3) \
                        OR (state = 'running' AND locked_until < $3) \
                     ORDER BY run_at, id LIMIT 1{lock}) \
           AND ((state = 'queued' AND run_at <= $3) OR (state = 'running' AND locked_until < $3)) \
         RETURNING id, kind, payload, attempts"
    );
    let Some(r) = db
        .fetch_optional(Sql::trusted(sql), params![worker, now + lease_ms, now])
        .await?
    else {
        return Ok(None);
    };
    let payload: String = r.get("payload")?;
    Ok(Some(Job {
        id: r.get("id")?,
        kind: r.get("kind")?,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        attempts: r.get("attempts")?,
    }))
}

/// Delay before retry `attempt` (1-based): 2 s, 4 s, 8 s … capped at one hour.
pub fn backoff_ms(attempt: i64) -> i64 {
    let exp = attempt.clamp(1, 12) as u32;
    (1000_i64 << exp).min(3_600_000)
}

async fn finish(db: &Db, job: &Job, worker: &str, result: FaultResult<()>) -> DbResult<()> {
    match result {
        Ok(()) => {
            db.execute(
                "UPDATE jobs SET state = 'done', finished_at = $1, locked_until = NULL, last_error = NULL \
                 WHERE id = $2 AND locked_by = $3",
                params![now_ms(), job.id, worker],
            )
            .await?;
        }
        Err(e) => {
            let msg = format!("{e:#}");
            tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %msg, "job failed");
            db.execute(
                "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, \
                 run_at = $1, last_error = $2, locked_until = NULL, \
                 finished_at = CASE WHEN attempts >= max_attempts THEN $3 ELSE NULL END \
                 WHERE id = $4 AND locked_by = $5",
                params![now_ms() + backoff_ms(job.attempts), msg, now_ms(), job.id, worker],
            )
            .await?;
        }
    }
    Ok(())
}

/// Run one ready job if there is one; returns whether one ran.
pub async fn run_one(db: &Db, registry: &Registry, worker: &str) -> DbResult<bool> {
    let Some(job) = claim(db, worker, 5 * 60_000).await? else {
        return Ok(false);
    };
    let result = match registry.handlers.get(&job.kind) {
        Some(h) => h(db.clone(), job.clone()).await,
        None => Err(crate::fault!("no handler for job kind {}", job.kind)),
    };
    finish(db, &job, worker, result).await?;
    Ok(true)
}

/// A worker loop: runs jobs until `shutdown` fires, polling when idle.
pub async fn work(
    db: Db,
    registry: Arc<Registry>,
    worker: String,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            break;
        }
        match run_one(&db, &registry, &worker).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "job queue error"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Counts of jobs by state, for metrics.
pub async fn counts(db: &Db) -> DbResult<Vec<(String, i64)>> {
    db.fetch_all(
        "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state ORDER BY state",
        params![],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get("state")?, r.get("n")?)))
    .collect()
}

/// A named lock held in the database for `ttl_ms`; true if `holder` now has it.
pub async fn try_lock(db: &Db, name: &str, holder: &str, ttl_ms: i64) -> DbResult<bool> {
    let now = now_ms();
    let row = db
        .fetch_optional(
            "INSERT INTO locks (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE locks.expires_at < $4 OR locks.holder = excluded.holder RETURNING holder",
            params![name, holder, now + ttl_ms, now],
        )
        .await?;
    Ok(row.is_some())
}

pub async fn unlock(db: &Db, name: &str, holder: &str) -> DbResult<()> {
    db.execute(
        "DELETE FROM locks WHERE name = $1 AND holder = $2",
        params![name, holder],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(super::backoff_ms(1), 2000);
        assert_eq!(super::backoff_ms(2), 4000);
        assert_eq!(super::backoff_ms(30), 3_600_000);
    }

    #[tokio::test]
    async fn finished_jobs_are_purged_after_their_keep_time_only() {
        use crate::db::{Db, now_ms};
        use crate::params;
        let db = Db::connect("sqlite::memory:", 1).await.unwrap();
        db.migrate().await.unwrap();
        for kind in ["old", "new", "waiting"] {
            super::enqueue_now(&db, super::NewJob::new(kind, serde_json::json!({})))
                .await
                .unwrap();
        }
        db.execute(
            "UPDATE jobs SET state = 'done', finished_at = $1 WHERE kind = 'old'",
            params![now_ms() - 10_000],
        )
        .await
        .unwrap();
        db.execute(
            "UPDATE jobs SET state = 'done', finished_at = $1 WHERE kind = 'new'",
            params![now_ms()],
        )
        .await
        .unwrap();
        assert_eq!(super::purge_done(&db, 5_000).await.unwrap(), 1);
        let left: Vec<String> = db
            .fetch_all("SELECT kind FROM jobs ORDER BY kind", params![])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("kind").unwrap())
            .collect();
        assert_eq!(left, ["new", "waiting"]);
    }
}
