//! Live updates (cập nhật trực tiếp): a change announces itself as an event, every node pushes it
//! to its open pages over server-sent events, and a page that reconnects resumes after the last
//! event it saw.
//!
//! - A capability calls [`publish`] inside the transaction of its change, so an event exists exactly
//!   when the change committed. Events are stored in `live_events` with ids in commit order: SQLite
//!   has one writer at a time, and on PostgreSQL publishers take a transaction-level advisory lock
//!   (held only from the insert to the commit) so that no smaller id commits after a larger one.
//! - Each node runs one [`Live`] hub. On PostgreSQL it listens on the `egov_live` channel
//!   (`NOTIFY` is delivered at commit, to every node) and reads the new events; on SQLite (one
//!   node) it looks for new events every 200 ms. Either way it also looks every second, so a
//!   dropped listener connection delays events, never loses them. New events go to every
//!   subscriber of the node through one broadcast channel.
//! - [`Live::subscribe`] first replays what the client missed (`Last-Event-ID`), then follows the
//!   hub; a subscriber that falls behind the channel reads the gap from the table. Events are kept
//!   for [`RETENTION_MS`]; a client away longer starts afresh (it reloads its data anyway).
//!
//! Event data is public: it says *what* changed (a topic and ids, e.g. a template and a period),
//! never a confidential value. A page that receives one fetches the figures through the access-
//! controlled API, as it did to draw them.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::db::{Backend, Db, DbResult, Tx, now_ms};
use crate::params;

/// How long events are kept for clients that reconnect.
pub const RETENTION_MS: i64 = 24 * 3600 * 1000;
/// The most events replayed to one reconnecting client, or read by the hub at once.
const BATCH: i64 = 1000;
/// The PostgreSQL channel of the hubs.
const CHANNEL: &str = "egov_live";
/// Key of the advisory lock that orders publishers on PostgreSQL ("egov_live" as a number).
const ORDER_LOCK: i64 = 0x6567_6f76_6c69_7665;

/// One change, as pages receive it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveEvent {
    pub id: i64,
    pub topic: String,
    pub data: serde_json::Value,
    pub at: i64,
}

/// Record `data` under `topic` as part of the transaction `tx` (see the module notes: public data
/// only). Returns the event's id.
pub async fn publish(tx: &mut Tx, topic: &str, data: &serde_json::Value) -> DbResult<i64> {
    if tx.backend() == Backend::Postgres {
        tx.execute("SELECT pg_advisory_xact_lock($1)", params![ORDER_LOCK])
            .await?;
    }
    let id: i64 = tx
        .fetch_one(
            "INSERT INTO live_events (topic, data, at) VALUES ($1, $2, $3) RETURNING id",
            params![topic, data.to_string(), now_ms()],
        )
        .await?
        .get("id")?;
    if tx.backend() == Backend::Postgres {
        // Delivered to every listening node when (and only if) the transaction commits.
        tx.execute("SELECT pg_notify($1, $2)", params![CHANNEL, id.to_string()])
            .await?;
    }
    Ok(id)
}

/// Delete events older than [`RETENTION_MS`]; returns how many.
pub async fn prune(db: &Db) -> DbResult<u64> {
    db.execute(
        "DELETE FROM live_events WHERE at < $1",
        params![now_ms() - RETENTION_MS],
    )
    .await
}

async fn read_after(db: &Db, after: i64, limit: i64) -> DbResult<Vec<LiveEvent>> {
    db.fetch_all(
        "SELECT id, topic, data, at FROM live_events WHERE id > $1 ORDER BY id LIMIT $2",
        params![after, limit],
    )
    .await?
    .iter()
    .map(|r| {
        let data: String = r.get("data")?;
        Ok(LiveEvent {
            id: r.get("id")?,
            topic: r.get("topic")?,
            data: serde_json::from_str(&data).map_err(|e| crate::db::DbError::Decode {
                column: "live_events.data".into(),
                problem: e.to_string(),
            })?,
            at: r.get("at")?,
        })
    })
    .collect()
}

/// The hub of one node: see the module notes.
#[derive(Clone)]
pub struct Live {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    sender: broadcast::Sender<Arc<LiveEvent>>,
    /// The last event id this node has broadcast.
    last: AtomicI64,
    /// Open subscriptions (for /metrics).
    open: AtomicUsize,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Live(last={})", self.last_id())
    }
}

impl Live {
    /// A hub that starts after the newest stored event. Call [`Live::run`] to follow new ones.
    pub async fn new(db: Db) -> DbResult<Live> {
        let last: Option<i64> = db
            .fetch_one("SELECT MAX(id) AS id FROM live_events", params![])
            .await?
            .get("id")?;
        // Room for a burst: 4,096 events before a slow subscriber reads the gap from the table.
        let (sender, _) = broadcast::channel(4096);
        Ok(Live {
            inner: Arc::new(Inner {
                db,
                sender,
                last: AtomicI64::new(last.unwrap_or(0)),
                open: AtomicUsize::new(0),
            }),
        })
    }

    /// The last event id this node has broadcast.
    pub fn last_id(&self) -> i64 {
        self.inner.last.load(Ordering::Acquire)
    }

    /// Open subscriptions on this node.
    pub fn open_subscriptions(&self) -> usize {
        self.inner.open.load(Ordering::Relaxed)
    }

    /// Broadcast the events committed since the last look; returns how many.
    pub async fn pump(&self) -> DbResult<usize> {
        let mut total = 0;
        loop {
            let after = self.last_id();
            let events = read_after(&self.inner.db, after, BATCH).await?;
            let n = events.len();
            for e in events {
                let id = e.id;
                // No receiver is not an error: nobody is watching.
                let _ = self.inner.sender.send(Arc::new(e));
                self.inner.last.store(id, Ordering::Release);
            }
            total += n;
            if (n as i64) < BATCH {
                return Ok(total);
            }
        }
    }

    /// Follow new events until `shutdown` resolves: LISTEN on PostgreSQL, a short poll on SQLite,
    /// and a one-second poll on both as the safety net.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        let mut listener = match self.inner.db.pg_pool() {
            Some(pool) => match sqlx::postgres::PgListener::connect_with(pool).await {
                Ok(mut l) => match l.listen(CHANNEL).await {
                    Ok(()) => Some(l),
                    Err(e) => {
                        tracing::warn!(error = %e, "live: LISTEN failed; polling every second");
                        None
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, "live: no listener connection; polling every second");
                    None
                }
            },
            None => None,
        };
        let poll = if self.inner.db.backend() == Backend::Sqlite {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(1)
        };
        loop {
            // A closing pool waits for every connection, the listener's too: stop and give it back.
            if self.inner.db.is_closed() {
                return;
            }
            let woke = async {
                match listener.as_mut() {
                    // Errors (a dropped connection) are retried by PgListener on the next call,
                    // after the poll interval rather than at once (no busy loop while it is down).
                    Some(l) => {
                        if let Ok(Err(_)) = tokio::time::timeout(poll, l.recv()).await {
                            tokio::time::sleep(poll).await;
                        }
                    }
                    None => tokio::time::sleep(poll).await,
                }
            };
            tokio::select! {
                _ = &mut shutdown => return,
                _ = woke => {}
            }
            if let Err(e) = self.pump().await {
                tracing::warn!(error = %e, "live: reading new events failed");
            }
        }
    }

    /// The events of `topics` after `last_event_id` (the client's `Last-Event-ID`; `None`: only
    /// new ones), then every new one, in id order and each once.
    pub fn subscribe(
        &self,
        topics: BTreeSet<String>,
        last_event_id: Option<i64>,
    ) -> impl Stream<Item = Arc<LiveEvent>> + Send + 'static {
        struct State {
            live: Live,
            rx: broadcast::Receiver<Arc<LiveEvent>>,
            topics: BTreeSet<String>,
            /// Delivered up to this id.
            seen: i64,
            /// Read from the table before following the channel.
            backlog: std::collections::VecDeque<Arc<LiveEvent>>,
            catch_up: bool,
            _open: OpenGuard,
        }
        struct OpenGuard(Live);
        impl Drop for OpenGuard {
            fn drop(&mut self) {
                self.0.inner.open.fetch_sub(1, Ordering::Relaxed);
            }
        }
        self.inner.open.fetch_add(1, Ordering::Relaxed);
        // Subscribe first, so nothing broadcast from now on is missed.
        let rx = self.inner.sender.subscribe();
        let start = last_event_id.unwrap_or_else(|| self.last_id());
        let state = State {
            live: self.clone(),
            rx,
            topics,
            seen: start,
            backlog: Default::default(),
            catch_up: true,
            _open: OpenGuard(self.clone()),
        };
        futures_util::stream::unfold(state, |mut s| async move {
            loop {
                if let Some(e) = s.backlog.pop_front() {
                    if e.id <= s.seen {
                        continue;
                    }
                    s.seen = e.id;
                    if s.topics.is_empty() || s.topics.contains(&e.topic) {
                        return Some((e, s));
                    }
                    continue;
                }
                if s.catch_up {
                    // What the client missed (or what this subscriber missed by lagging), up to
                    // what the hub has broadcast; the channel carries the rest.
                    s.catch_up = false;
                    if s.seen < s.live.last_id() {
                        match read_after(&s.live.inner.db, s.seen, BATCH).await {
                            Ok(events) => {
                                let full = events.len() as i64 == BATCH;
                                s.backlog.extend(events.into_iter().map(Arc::new));
                                s.catch_up = full;
                                continue;
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "live: replay failed");
                                return None;
                            }
                        }
                    }
                }
                match s.rx.recv().await {
                    Ok(e) => s.backlog.push_back(e),
                    Err(broadcast::error::RecvError::Lagged(_)) => s.catch_up = true,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
    }

    /// [`Live::subscribe`] as a server-sent-events response: each event's `id` is its id (the
    /// browser sends it back as `Last-Event-ID` when it reconnects), its `event` the topic, its
    /// `data` the JSON; a comment every 15 s keeps proxies from closing an idle stream.
    pub fn sse(
        &self,
        topics: BTreeSet<String>,
        last_event_id: Option<i64>,
    ) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>> + Send + 'static> {
        use futures_util::StreamExt;
        let stream = self.subscribe(topics, last_event_id).map(|e| {
            Ok(Event::default()
                .id(e.id.to_string())
                .event(e.topic.clone())
                .data(e.data.to_string()))
        });
        Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    async fn db() -> Db {
        let db = Db::connect("sqlite::memory:", 1).await.unwrap();
        db.migrate().await.unwrap();
        db
    }

    async fn publish_one(db: &Db, topic: &str, n: i64) -> i64 {
        let mut tx = db.begin().await.unwrap();
        let id = publish(&mut tx, topic, &serde_json::json!({ "n": n }))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        id
    }

    async fn next(s: &mut (impl Stream<Item = Arc<LiveEvent>> + Unpin)) -> Arc<LiveEvent> {
        tokio::time::timeout(Duration::from_secs(2), s.next())
            .await
            .expect("an event within 2 s")
            .expect("the stream goes on")
    }

    #[tokio::test]
    async fn committed_events_reach_subscribers_of_their_topic_in_order() {
        let db = db().await;
        let live = Live::new(db.clone()).await.unwrap();
        let mut all = Box::pin(live.subscribe(BTreeSet::new(), None));
        let mut data = Box::pin(live.subscribe(["data".to_owned()].into(), None));
        let a = publish_one(&db, "data", 1).await;
        let b = publish_one(&db, "sites", 2).await;
        let c = publish_one(&db, "data", 3).await;
        // A rolled-back change announces nothing.
        let mut tx = db.begin().await.unwrap();
        publish(&mut tx, "data", &serde_json::json!({ "n": 99 }))
            .await
            .unwrap();
        drop(tx);
        assert_eq!(live.pump().await.unwrap(), 3);
        assert_eq!(
            [
                next(&mut all).await.id,
                next(&mut all).await.id,
                next(&mut all).await.id
            ],
            [a, b, c]
        );
        let first = next(&mut data).await;
        assert_eq!((first.id, first.data["n"].as_i64()), (a, Some(1)));
        assert_eq!(next(&mut data).await.id, c);
        assert_eq!(live.open_subscriptions(), 2);
        drop(all);
        assert_eq!(live.open_subscriptions(), 1);
    }

    #[tokio::test]
    async fn a_reconnecting_client_gets_what_it_missed_once() {
        let db = db().await;
        let live = Live::new(db.clone()).await.unwrap();
        let ids: Vec<i64> = futures_util::future::join_all((0..5).map(|n| {
            let db = db.clone();
            async move { publish_one(&db, "data", n).await }
        }))
        .await;
        live.pump().await.unwrap();
        // The client saw the second event, then lost its connection.
        let mut s = Box::pin(live.subscribe(BTreeSet::new(), Some(ids[1])));
        let next_ids = [
            next(&mut s).await.id,
            next(&mut s).await.id,
            next(&mut s).await.id,
        ];
        assert_eq!(next_ids, [ids[2], ids[3], ids[4]]);
        let later = publish_one(&db, "data", 9).await;
        live.pump().await.unwrap();
        assert_eq!(next(&mut s).await.id, later);
    }

    #[tokio::test]
    async fn the_running_hub_delivers_without_a_manual_pump_and_stops_on_shutdown() {
        let db = db().await;
        let live = Live::new(db.clone()).await.unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(live.clone().run(async move {
            let _ = stopped.await;
        }));
        let mut s = Box::pin(live.subscribe(BTreeSet::new(), None));
        let id = publish_one(&db, "data", 1).await;
        assert_eq!(next(&mut s).await.id, id);
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .expect("the hub stops")
            .unwrap();
    }

    #[tokio::test]
    async fn old_events_are_pruned() {
        let db = db().await;
        publish_one(&db, "data", 1).await;
        db.execute(
            "UPDATE live_events SET at = $1",
            params![now_ms() - RETENTION_MS - 1],
        )
        .await
        .unwrap();
        publish_one(&db, "data", 2).await;
        assert_eq!(prune(&db).await.unwrap(), 1);
    }
}
