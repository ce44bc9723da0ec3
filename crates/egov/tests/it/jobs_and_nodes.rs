//! The job queue and several nodes on one database: idempotent enqueue, retries with backoff,
//! exactly-once execution across workers and nodes, sessions and locks shared by nodes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};
use platform::jobs::{self, NewJob, Registry};

use crate::on_both;
use crate::support::TestApp;

on_both!(enqueue_is_idempotent_by_key, async |app: &TestApp| {
    let a = jobs::enqueue_now(
        &app.db,
        NewJob::new("x", serde_json::json!({})).dedupe("k1"),
    )
    .await
    .unwrap();
    let b = jobs::enqueue_now(
        &app.db,
        NewJob::new("x", serde_json::json!({})).dedupe("k1"),
    )
    .await
    .unwrap();
    assert!(a.is_some());
    assert_eq!(b, None);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'x'")
            .await,
        1
    );
});

on_both!(
    failing_jobs_retry_with_backoff_then_fail,
    async |app: &TestApp| {
        let tries = Arc::new(Mutex::new(0));
        let mut reg = Registry::default();
        let t = tries.clone();
        reg.register("flaky", move |_db, _job| {
            let t = t.clone();
            async move {
                let mut n = t.lock().unwrap();
                *n += 1;
                if *n < 3 {
                    Err(platform::fault!("attempt {} failed", *n))
                } else {
                    Ok(())
                }
            }
        });
        reg.register("doomed", |_db, _job| async {
            Err(platform::fault!("always fails"))
        });
        let id = jobs::enqueue_now(&app.db, NewJob::new("flaky", serde_json::json!({})))
            .await
            .unwrap()
            .unwrap();
        assert!(jobs::run_one(&app.db, &reg, "w").await.unwrap());
        // Backoff: not runnable again at once.
        assert!(!jobs::run_one(&app.db, &reg, "w").await.unwrap());
        let row = app
            .db
            .fetch_one(
                "SELECT state, run_at, last_error FROM jobs WHERE id = $1",
                platform::params![id],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<String>("state").unwrap(), "queued");
        assert!(row.get::<i64>("run_at").unwrap() > platform::db::now_ms() + 1000);
        assert!(
            row.get::<String>("last_error")
                .unwrap()
                .contains("attempt 1 failed")
        );
        for _ in 0..2 {
            app.db
                .execute(
                    "UPDATE jobs SET run_at = 0 WHERE id = $1",
                    platform::params![id],
                )
                .await
                .unwrap();
            assert!(jobs::run_one(&app.db, &reg, "w").await.unwrap());
        }
        let row = app
            .db
            .fetch_one(
                "SELECT state, attempts FROM jobs WHERE id = $1",
                platform::params![id],
            )
            .await
            .unwrap();
        assert_eq!(
            (
                row.get::<String>("state").unwrap(),
                row.get::<i64>("attempts").unwrap()
            ),
            ("done".into(), 3)
        );

        let mut job = NewJob::new("doomed", serde_json::json!({}));
        job.max_attempts = 2;
        let id = jobs::enqueue_now(&app.db, job).await.unwrap().unwrap();
        for _ in 0..2 {
            app.db
                .execute(
                    "UPDATE jobs SET run_at = 0 WHERE id = $1",
                    platform::params![id],
                )
                .await
                .unwrap();
            jobs::run_one(&app.db, &reg, "w").await.unwrap();
        }
        let row = app
            .db
            .fetch_one(
                "SELECT state FROM jobs WHERE id = $1",
                platform::params![id],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<String>("state").unwrap(), "failed");
    }
);

on_both!(
    two_nodes_run_each_job_exactly_once,
    async |node_a: &TestApp| {
        let node_b = node_a.another_node().await;
        let runs: Arc<Mutex<HashMap<i64, u32>>> = Arc::default();
        let registry = |runs: Arc<Mutex<HashMap<i64, u32>>>| {
            let mut reg = Registry::default();
            reg.register("count", move |_db, job| {
                let runs = runs.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    *runs.lock().unwrap().entry(job.id).or_default() += 1;
                    Ok(())
                }
            });
            Arc::new(reg)
        };
        const N: usize = 60;
        // Enqueued through node A, half of them, and node B, the other half.
        for i in 0..N {
            let db = if i % 2 == 0 { &node_a.db } else { &node_b.db };
            jobs::enqueue_now(db, NewJob::new("count", serde_json::json!({ "i": i })))
                .await
                .unwrap();
        }
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut workers = Vec::new();
        for (node, db) in [("a", &node_a.db), ("b", &node_b.db)] {
            for w in 0..2 {
                workers.push(tokio::spawn(jobs::work(
                    db.clone(),
                    registry(runs.clone()),
                    format!("{node}{w}"),
                    stop_rx.clone(),
                )));
            }
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while node_a
            .count("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'count' AND state = 'done'")
            .await
            < N as i64
        {
            assert!(std::time::Instant::now() < deadline, "jobs did not finish");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stop_tx.send(true).unwrap();
        for w in workers {
            w.await.unwrap();
        }
        let runs = runs.lock().unwrap().clone();
        assert_eq!(runs.len(), N);
        assert!(
            runs.values().all(|n| *n == 1),
            "some job ran twice: {runs:?}"
        );
        let by: i64 = node_a
            .count("SELECT COUNT(DISTINCT locked_by) AS n FROM jobs WHERE kind = 'count'")
            .await;
        assert!(by >= 2, "work should be shared between workers, got {by}");
        node_b.close().await;
    }
);

on_both!(
    a_login_on_one_node_is_valid_on_the_other,
    async |node_a: &TestApp| {
        let node_b = node_a.another_node().await;
        let (password, _) = node_a.user("hai.nut", Role::Viewer, Scope::National).await;
        let mut on_a = node_a.client();
        on_a.login("hai.nut", &password, None).await;
        let mut on_b = node_b.client();
        on_b.cookies = on_a.cookies.clone();
        let me = on_b.get("/api/v1/me").await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json()["name"], "hai.nut");
        // Signing out on B ends the session on A.
        on_b.post("/logout", &[]).await;
        assert_eq!(
            on_a.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED
        );
        node_b.close().await;
    }
);

on_both!(locks_are_held_in_the_database, async |app: &TestApp| {
    assert!(
        jobs::try_lock(&app.db, "scheduler", "node-a", 60_000)
            .await
            .unwrap()
    );
    assert!(
        !jobs::try_lock(&app.db, "scheduler", "node-b", 60_000)
            .await
            .unwrap()
    );
    assert!(
        jobs::try_lock(&app.db, "scheduler", "node-a", 60_000)
            .await
            .unwrap(),
        "re-entrant for its holder"
    );
    jobs::unlock(&app.db, "scheduler", "node-a").await.unwrap();
    assert!(
        jobs::try_lock(&app.db, "scheduler", "node-b", 1)
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(
        jobs::try_lock(&app.db, "scheduler", "node-a", 60_000)
            .await
            .unwrap(),
        "expired locks are taken over"
    );
});

on_both!(
    periodic_jobs_are_scheduled_once_per_hour,
    async |app: &TestApp| {
        egov::schedule_periodic(&app.db).await.unwrap();
        egov::schedule_periodic(&app.db).await.unwrap();
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'sessions.purge'")
                .await,
            1
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'operations.sites'")
                .await,
            1,
            "the connected sites' probe, once a minute"
        );
        let config = platform::config::Config::default();
        let files = platform::files::FileStore::from_config(&config).unwrap();
        let reg = egov::job_registry(&config, &files);
        app.user("het.han", Role::Viewer, Scope::National).await;
        app.db
        .execute(
            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) SELECT 'old', id, 0, 0, 1 FROM users LIMIT 1",
            platform::params![],
        )
        .await
        .unwrap();
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM sessions WHERE expires_at = 1")
                .await,
            1
        );
        // Run what is ready (the reminders job fails without a catalogue and waits to retry).
        assert!(jobs::run_one(&app.db, &reg, "w").await.unwrap());
        while jobs::run_one(&app.db, &reg, "w").await.unwrap() {}
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM sessions WHERE expires_at = 1")
                .await,
            0
        );
    }
);
