//! Issue 14's benchmarks at 1,000,000 dossiers (`cargo bench -p services --bench dossiers`):
//! the desk's worklist (an agency's dossiers in a status, by appointment, first page — the query
//! `/services/desk` runs), the public status lookup through the real router, and 200 citizens
//! submitting at once with an attachment each. Each figure is printed beside a reference
//! measured in the same run (a primary-key read; `/healthz` through the same router; one
//! submission alone). Runs on SQLite, and on PostgreSQL when EGOV_BENCH_POSTGRES_URL is set.
//! Asserts only that answers are right (pages full, lookups found, no dossier lost), never how
//! fast they came.
//!
//! EGOV_BENCH_DOSSIERS (default 1,000,000) sets the number of dossiers, for a quick look.

#[path = "../tests/it/support.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use platform::audit::Actor;
use platform::config::{Config, Secret};
use platform::db::{Db, Sql, Value};
use rand::Rng;
use services::engine::dossiers::{self as engine, Env, Filing};
use services::model::dossier::{Applicant, Status};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

fn pct(mut v: Vec<Duration>, p: usize) -> f64 {
    v.sort();
    v[(v.len() * p / 100).min(v.len() - 1)].as_secs_f64() * 1000.0
}

async fn fresh(admin: Option<&str>) -> String {
    match admin {
        None => {
            let dir = std::env::temp_dir().join(format!("egov-bench-svc-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            for s in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(dir.join(format!("bench.db{s}")));
            }
            format!("sqlite://{}/bench.db", dir.display())
        }
        Some(admin) => {
            let db = Db::connect(admin, 1).await.unwrap();
            let name = format!("egov_bench_svc_{}", std::process::id());
            let _ = db
                .execute_script(&format!("DROP DATABASE IF EXISTS {name}"))
                .await;
            db.execute_script(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            db.close().await;
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap();
            format!("{base}/{name}")
        }
    }
}

fn secret_hash(i: usize) -> String {
    hex::encode(Sha256::digest(format!("S{i:07}").as_bytes()))
}

/// The realistic mix of a national portal's dossiers: most returned, some in processing.
fn status_of(i: usize) -> i64 {
    match i % 100 {
        0..=54 => 10,
        55..=59 => 9,
        60..=74 => 4,
        75..=82 => 2,
        83..=86 => 1,
        87..=90 => 5,
        91..=92 => 6,
        93..=95 => 3,
        96..=97 => 7,
        _ => 8,
    }
}

/// Seeds `n` dossiers over `agencies` with multi-row INSERTs in transactions of 50,000 rows.
async fn seed(db: &Db, n: usize, agencies: &[i64], version: i64) -> Duration {
    const ROWS: usize = 500;
    let start = Instant::now();
    let base_day = time::macros::date!(2026 - 01 - 05);
    let mut i = 0;
    while i < n {
        let mut tx = db.begin().await.unwrap();
        let end = (i + 50_000).min(n);
        while i < end {
            let take = ROWS.min(end - i);
            let mut sql = String::from(
                "INSERT INTO svc_dossiers (code, secret_hash, version_id, procedure_code, \
                 procedure_name, field_code, agency_id, channel, status, applicant_kind, \
                 applicant_id, applicant_name, received_at, due_date, created_at, updated_at) VALUES ",
            );
            let mut p: Vec<Value> = Vec::with_capacity(take * 14);
            for k in 0..take {
                let j = i + k;
                let agency = agencies[j % agencies.len()];
                let due = base_day + time::Duration::days((j % 420) as i64);
                let at = 1_767_225_600_000_i64 + (j as i64) * 30_000;
                let b = p.len();
                if k > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, '2.001610', 'Đăng ký thành lập công ty', 'doanh_nghiep', ${}, ${}, ${}, 'citizen', ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12
                ));
                p.push(format!("B{agency:05}-{j:07}").into());
                p.push(secret_hash(j).into());
                p.push(version.into());
                p.push(agency.into());
                p.push(((j % 3) as i64 + 1).into());
                p.push(status_of(j).into());
                p.push(format!("0010{j:08}").into());
                p.push(format!("Công dân {j}").into());
                p.push(at.into());
                p.push(due.to_string().into());
                p.push(at.into());
                p.push(at.into());
            }
            tx.execute(Sql::trusted(sql), p).await.unwrap();
            i += take;
        }
        tx.commit().await.unwrap();
    }
    start.elapsed()
}

async fn get(router: &axum::Router, uri: &str) -> (u16, Duration) {
    let t = Instant::now();
    let r = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = r.status().as_u16();
    let _ = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
    (status, t.elapsed())
}

async fn run(label: &str, url: String, n: usize) {
    let config = Config {
        database_url: Secret::new(url),
        db_max_connections: 16,
        data_dir: testkit::unique_temp("egov-bench-svc-files"),
        ..Config::default()
    };
    let db = testkit::connect_and_migrate(&config).await.unwrap();
    let mut sets = registry::seed::sets();
    sets.extend(services::engine::reference::sets());
    platform::reference::apply(&db, &Actor::system("bench"), &sets, &Default::default())
        .await
        .unwrap();
    let v = services::query::published_version(&db, "2.001610")
        .await
        .unwrap()
        .unwrap();
    let agencies: Vec<i64> = db
        .fetch_all("SELECT id FROM agencies ORDER BY id", vec![])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("id").unwrap())
        .collect();
    let took = seed(&db, n, &agencies, v.id).await;
    db.execute_script(if label == "SQLite" {
        "ANALYZE"
    } else {
        "ANALYZE svc_dossiers"
    })
    .await
    .unwrap();
    println!(
        "{label}: {n} dossiers over {} agencies seeded in {:.1} s ({:.0} rows/s)",
        agencies.len(),
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );

    // The worklist's first page, beside a primary-key read.
    let mut rng = rand::rng();
    let (mut work, mut reference) = (Vec::new(), Vec::new());
    for _ in 0..300 {
        let agency = agencies[rng.random_range(0..agencies.len())];
        let status =
            [Status::Registered, Status::Accepted, Status::Processing][rng.random_range(0..3)];
        let t = Instant::now();
        let page = services::store::dossiers::worklist(&db, agency, status, None, 51)
            .await
            .unwrap();
        work.push(t.elapsed());
        assert!(!page.is_empty(), "an empty worklist");
        let id = rng.random_range(1..=n as i64);
        let t = Instant::now();
        assert!(
            services::store::dossiers::get(&db, id)
                .await
                .unwrap()
                .is_some()
        );
        reference.push(t.elapsed());
    }
    println!(
        "{label}: worklist first page (50 rows) p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms — target p95 ≤ 50 ms (Open Zaak: ~150 ms) — reference, one dossier by id: p95 {:.2} ms",
        pct(work.clone(), 50),
        pct(work.clone(), 95),
        pct(work, 99),
        pct(reference, 95)
    );

    // The public lookup through the router, beside /healthz through the same router.
    let state = testkit::state(&support::WIRING, db.clone(), config.clone()).await;
    let router = support::router(state);
    let (mut look, mut health) = (Vec::new(), Vec::new());
    for _ in 0..1_000 {
        let j = rng.random_range(0..n);
        let agency = agencies[j % agencies.len()];
        let uri = format!("/api/v1/services/lookup?code=B{agency:05}-{j:07}&secret=S{j:07}");
        let (s, d) = get(&router, &uri).await;
        assert_eq!(s, 200, "{uri}");
        look.push(d);
        let (s, d) = get(&router, "/healthz").await;
        assert_eq!(s, 200);
        health.push(d);
    }
    println!(
        "{label}: public lookup (HTTP, in process) p50 {:.2} ms, p95 {:.2} ms — target p95 ≤ 10 ms — reference /healthz p95 {:.2} ms",
        pct(look.clone(), 50),
        pct(look, 95),
        pct(health, 95)
    );

    // 200 citizens submitting at once, each with a 200 KB scan; first one alone, as reference.
    let env = Env::load(&db, "").await.unwrap();
    let ag = agencies[0];
    let files = platform::files::FileStore::new(testkit::unique_temp("egov-bench-svc-scans"));
    let submit_one = |k: usize| {
        let (db, env, v, files) = (db.clone(), env.clone(), v.clone(), files.clone());
        async move {
            let actor = Actor {
                user_id: None,
                name: format!("citizen:bench {k}"),
                ip: None,
            };
            let filing = Filing {
                applicant: Applicant {
                    user_id: None,
                    business: false,
                    identifier: format!("0019{k:08}"),
                    name: format!("Người nộp {k}"),
                    phone: String::new(),
                    email: String::new(),
                    address: String::new(),
                },
                agency_id: ag,
                summary: "bench".into(),
                form_data: serde_json::json!({}),
                lang: platform::i18n::Lang::Vi,
            };
            let t = Instant::now();
            let now = platform::db::now_ms();
            let id = engine::save_draft(&db, &env, &actor, &v, None, &filing, now)
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            let mut scan = vec![b'%'; 200 * 1024];
            scan[..8].copy_from_slice(&(k as u64).to_le_bytes());
            let stored = files
                .put(&mut scan.as_slice(), 1 << 20)
                .await
                .map_err(|e| e.to_string())?;
            let d = services::store::dossiers::get(&db, id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("draft gone")?;
            engine::add_paper(
                &db,
                &actor,
                &d,
                "scan.pdf",
                &stored.key,
                stored.size as i64,
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            engine::submit(&db, &env, &actor, &v, id, 2, now)
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            Ok::<(i64, Duration), String>((id, t.elapsed()))
        }
    };
    let (_, alone) = submit_one(0).await.unwrap();
    let before: i64 = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM svc_dossiers WHERE status = 1",
            vec![],
        )
        .await
        .unwrap()
        .get("n")
        .unwrap();
    let t = Instant::now();
    let tasks: Vec<_> = (1..=200).map(|k| tokio::spawn(submit_one(k))).collect();
    let mut errors = Vec::new();
    let mut times = Vec::new();
    let mut ids = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok((id, d)) => {
                ids.push(id);
                times.push(d);
            }
            Err(e) => errors.push(e),
        }
    }
    let wall = t.elapsed();
    let after: i64 = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM svc_dossiers WHERE status = 1",
            vec![],
        )
        .await
        .unwrap()
        .get("n")
        .unwrap();
    let papers: i64 = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM svc_dossier_files WHERE name = 'scan.pdf'",
            vec![],
        )
        .await
        .unwrap()
        .get("n")
        .unwrap();
    let lost = 200 - (after - before);
    println!(
        "{label}: 200 concurrent submissions with a 200 KB paper each: {} errors, {lost} lost, {} papers kept, {:.2} s wall ({:.0} submissions/s), p95 {:.1} ms each — reference, one alone: {:.1} ms",
        errors.len(),
        papers - 1,
        wall.as_secs_f64(),
        ids.len() as f64 / wall.as_secs_f64(),
        pct(times, 95),
        alone.as_secs_f64() * 1000.0
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(lost, 0);
    assert_eq!(papers, 201);
    db.close().await;
}

fn main() {
    let n: usize = std::env::var("EGOV_BENCH_DOSSIERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!(
            "machine: {} cores",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        run("SQLite", fresh(None).await, n).await;
        if let Ok(admin) = std::env::var("EGOV_BENCH_POSTGRES_URL") {
            run("PostgreSQL", fresh(Some(&admin)).await, n).await;
        }
    });
}
