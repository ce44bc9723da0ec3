//! The read cache of one node (bộ đệm đọc): many leaders, wall displays and the public read the same
//! national figures, so a result computed once is served to everyone who asks for the same thing
//! until the data it came from changes.
//!
//! A result is kept with the *data version* seen before it was computed: this node's write count
//! ([`Db::writes`], which moves at every commit made here) and the last live event the node has
//! received ([`Live::last_id`], which moves when any node publishes a change — at once through
//! PostgreSQL `NOTIFY`, within a second by polling otherwise). A result is served only while both
//! are unchanged, and never after [`MAX_AGE`]: a change made outside the application (a direct
//! database edit) shows within that time too. Because the version is read *before* computing, a
//! result is never older than the version it carries.
//!
//! Concurrent misses of one key compute it once (the others wait for that result); a failed
//! computation is not kept. A result past half its lifetime whose version has not moved is
//! recomputed by one caller while the others are still served it, so a routine refresh never
//! makes a crowd wait (only a change of data does, once). The cache holds at most [`MAX_ENTRIES`] results; when full, expired
//! entries go first, then everything (a rare, cheap reset rather than bookkeeping on every hit).
//!
//! Keys are strings, namespaced by the capability (`"reporting.national:…"`); values are any
//! `Send + Sync` type, shared as `Arc`s. What a key may reveal is the caller's business: cache only
//! results that do not depend on who asks (check access before asking the cache).

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::db::Db;
use crate::live::Live;

/// The longest a result is served, whatever the version says.
pub const MAX_AGE: Duration = Duration::from_secs(1);
/// The most results kept.
pub const MAX_ENTRIES: usize = 4096;

type Value = Arc<dyn Any + Send + Sync>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Version {
    writes: u64,
    live: i64,
}

struct Slot {
    version: Version,
    at: Instant,
    cell: Arc<OnceCell<Value>>,
    /// A caller is computing the next value (see [`Lookup::Refresh`]).
    refreshing: bool,
}

/// What a caller does with a key.
enum Lookup {
    /// Read (or fill) this cell.
    Use(Arc<OnceCell<Value>>),
    /// Past half its lifetime at an unchanged version: compute the next value (the others keep
    /// reading `current`), kept with the version and time read before computing.
    Refresh {
        current: Arc<OnceCell<Value>>,
        version: Version,
        at: Instant,
    },
}

/// See the module notes. Cheap to clone (one shared cache per node).
#[derive(Clone)]
pub struct ReadCache {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    live: Live,
    slots: Mutex<HashMap<String, Slot>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (hits, misses) = self.counts();
        write!(f, "ReadCache(hits={hits}, misses={misses})")
    }
}

impl ReadCache {
    pub fn new(db: Db, live: Live) -> ReadCache {
        ReadCache {
            inner: Arc::new(Inner {
                db,
                live,
                slots: Mutex::new(HashMap::new()),
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
            }),
        }
    }

    fn version(&self) -> Version {
        Version {
            writes: self.inner.db.writes(),
            live: self.inner.live.last_id(),
        }
    }

    /// The result kept under `key` if it is still current, else `compute`'s (kept when it
    /// succeeds). Callers arriving while it is computed wait for it instead of computing again.
    pub async fn get_or_compute<T, E, F>(&self, key: &str, compute: F) -> Result<Arc<T>, E>
    where
        T: Any + Send + Sync,
        F: Future<Output = Result<T, E>>,
    {
        // The type is part of the key, so a value always downcasts to what its caller asks for.
        let key = format!("{key}\u{1f}{}", std::any::type_name::<T>());
        let downcast = |v: Value| {
            v.downcast::<T>()
                .unwrap_or_else(|_| unreachable!("the key names the type"))
        };
        let cell = match self.slot(&key) {
            Lookup::Use(cell) => cell,
            Lookup::Refresh {
                current,
                version,
                at,
            } => {
                // This caller computes the next value while everyone else is still served the
                // current one (younger than MAX_AGE): nobody waits for a routine refresh.
                self.inner.misses.fetch_add(1, Ordering::Relaxed);
                return match compute.await {
                    Ok(v) => {
                        let v = Arc::new(v) as Value;
                        self.install(&key, &current, version, at, v.clone());
                        Ok(downcast(v))
                    }
                    Err(e) => {
                        self.refresh_failed(&key, &current);
                        match current.get() {
                            Some(v) => Ok(downcast(v.clone())),
                            None => Err(e),
                        }
                    }
                };
            }
        };
        let mut computed = false;
        let value = cell
            .get_or_try_init(|| async {
                computed = true;
                compute.await.map(|v| Arc::new(v) as Value)
            })
            .await?
            .clone();
        let counter = if computed {
            &self.inner.misses
        } else {
            &self.inner.hits
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(downcast(value))
    }

    /// The slot that holds `key` at the current version: the kept one (and, past half its
    /// lifetime, a refresh for one caller to make), or a new empty one.
    fn slot(&self, key: &str) -> Lookup {
        let version = self.version();
        let now = Instant::now();
        let mut slots = self.inner.slots.lock().expect("cache lock");
        if let Some(s) = slots.get_mut(key)
            && s.version == version
            && now.duration_since(s.at) < MAX_AGE
        {
            if now.duration_since(s.at) >= MAX_AGE / 2 && !s.refreshing && s.cell.initialized() {
                s.refreshing = true;
                return Lookup::Refresh {
                    current: s.cell.clone(),
                    version,
                    at: now,
                };
            }
            return Lookup::Use(s.cell.clone());
        }
        if slots.len() >= MAX_ENTRIES && !slots.contains_key(key) {
            slots.retain(|_, s| s.version == version && now.duration_since(s.at) < MAX_AGE);
            if slots.len() >= MAX_ENTRIES {
                slots.clear();
            }
        }
        let cell = Arc::new(OnceCell::new());
        slots.insert(
            key.to_owned(),
            Slot {
                version,
                at: now,
                cell: cell.clone(),
                refreshing: false,
            },
        );
        Lookup::Use(cell)
    }

    /// A refreshed value replaces the one it was computed to follow (unless the slot moved on:
    /// a newer version's value is not overwritten). Its age counts from before it was computed.
    fn install(
        &self,
        key: &str,
        after: &Arc<OnceCell<Value>>,
        version: Version,
        at: Instant,
        value: Value,
    ) {
        let mut slots = self.inner.slots.lock().expect("cache lock");
        if let Some(s) = slots.get_mut(key)
            && Arc::ptr_eq(&s.cell, after)
        {
            let cell = OnceCell::new();
            let _ = cell.set(value);
            *s = Slot {
                version,
                at,
                cell: Arc::new(cell),
                refreshing: false,
            };
        }
    }

    fn refresh_failed(&self, key: &str, after: &Arc<OnceCell<Value>>) {
        let mut slots = self.inner.slots.lock().expect("cache lock");
        if let Some(s) = slots.get_mut(key)
            && Arc::ptr_eq(&s.cell, after)
        {
            s.refreshing = false;
        }
    }

    /// (hits, misses) since the node started, for /metrics.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.inner.hits.load(Ordering::Relaxed),
            self.inner.misses.load(Ordering::Relaxed),
        )
    }

    /// Results kept now.
    pub fn len(&self) -> usize {
        self.inner.slots.lock().expect("cache lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params;

    async fn cache() -> (Db, ReadCache) {
        let db = Db::connect("sqlite::memory:", 1).await.unwrap();
        db.migrate().await.unwrap();
        let live = Live::new(db.clone()).await.unwrap();
        (db.clone(), ReadCache::new(db, live))
    }

    async fn count(c: &ReadCache, calls: &AtomicU64) -> u64 {
        *c.get_or_compute("t.count", async {
            Ok::<_, ()>(calls.fetch_add(1, Ordering::SeqCst) + 1)
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_result_is_kept_until_this_node_writes() {
        let (db, c) = cache().await;
        let calls = AtomicU64::new(0);
        assert_eq!(count(&c, &calls).await, 1);
        assert_eq!(count(&c, &calls).await, 1, "served from the cache");
        let mut tx = db.begin().await.unwrap();
        tx.execute(
            "INSERT INTO live_events (topic, data, at) VALUES ('t', '{}', 0)",
            params![],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(count(&c, &calls).await, 2, "a commit makes it stale");
        assert_eq!(c.counts(), (1, 2));
    }

    #[tokio::test]
    async fn a_result_is_kept_no_longer_than_max_age() {
        let (_db, c) = cache().await;
        let calls = AtomicU64::new(0);
        assert_eq!(count(&c, &calls).await, 1);
        tokio::time::sleep(MAX_AGE + Duration::from_millis(20)).await;
        assert_eq!(count(&c, &calls).await, 2);
    }

    #[tokio::test]
    async fn another_nodes_event_makes_it_stale() {
        // Two nodes: two pools on one database file, each with its own cache.
        let dir = std::env::temp_dir().join(format!("egov-cache-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("db.sqlite").display());
        let here = Db::connect(&url, 2).await.unwrap();
        here.migrate().await.unwrap();
        let there = Db::connect(&url, 2).await.unwrap();
        let live = Live::new(here.clone()).await.unwrap();
        let c = ReadCache::new(here, live.clone());
        let calls = AtomicU64::new(0);
        assert_eq!(count(&c, &calls).await, 1);
        let mut tx = there.begin().await.unwrap();
        crate::live::publish(&mut tx, "t", &serde_json::json!({}))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            count(&c, &calls).await,
            1,
            "not seen before the hub reads it"
        );
        live.pump().await.unwrap();
        assert_eq!(count(&c, &calls).await, 2, "stale once the hub has read it");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn failures_are_not_kept_and_concurrent_misses_compute_once() {
        let (_db, c) = cache().await;
        let r: Result<Arc<u64>, &str> = c.get_or_compute("t.fail", async { Err("no") }).await;
        assert!(r.is_err());
        let r: Result<Arc<u64>, &str> = c.get_or_compute("t.fail", async { Ok(7) }).await;
        assert_eq!(*r.unwrap(), 7);

        let calls = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (c, calls) = (c.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                *c.get_or_compute("t.slow", async {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok::<_, ()>(calls.fetch_add(1, Ordering::SeqCst))
                })
                .await
                .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 0);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn past_half_its_life_one_caller_refreshes_while_the_others_are_served() {
        let (_db, c) = cache().await;
        let calls = Arc::new(AtomicU64::new(0));
        assert_eq!(count(&c, &calls).await, 1);
        tokio::time::sleep(MAX_AGE / 2 + Duration::from_millis(20)).await;
        // The first caller past half-life computes the next value (slowly); meanwhile another
        // is served the current one at once.
        let (c2, calls2) = (c.clone(), calls.clone());
        let refresher = tokio::spawn(async move {
            *c2.get_or_compute("t.count", async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok::<_, ()>(calls2.fetch_add(1, Ordering::SeqCst) + 1)
            })
            .await
            .unwrap()
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        assert_eq!(count(&c, &calls).await, 1, "the current value, not a wait");
        assert!(started.elapsed() < Duration::from_millis(100));
        assert_eq!(refresher.await.unwrap(), 2);
        assert_eq!(
            count(&c, &calls).await,
            2,
            "the refreshed value from now on"
        );
        // Its age counts from its computation: kept, not computed again at once.
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_full_cache_makes_room() {
        let (_db, c) = cache().await;
        for i in 0..MAX_ENTRIES + 10 {
            c.get_or_compute(&format!("t.{i}"), async { Ok::<_, ()>(i) })
                .await
                .unwrap();
        }
        assert!(c.len() <= MAX_ENTRIES);
    }
}
