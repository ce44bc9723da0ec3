//! Reporting benchmarks (`scripts/bench`): ingestion through the batch API beside the raw insert
//! rate of the same database measured in the same run, national roll-up latency, the overview
//! query, and freshness from an accepted batch to the national total. Runs on SQLite, and on
//! PostgreSQL when EGOV_BENCH_POSTGRES_URL is set. Prints figures; asserts nothing.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, header};
use platform::audit::Actor;
use platform::db::{Db, Value};
use platform::identity::access::{Role, Scope};
use reporting::Period;
use tower::ServiceExt;

fn p95(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[(v.len() * 95 / 100).min(v.len() - 1)]
}

async fn fresh(url_base: Option<&str>) -> (Db, String) {
    match url_base {
        None => {
            let dir = std::env::temp_dir().join(format!("egov-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}/bench.db", dir.display());
            for s in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(dir.join(format!("bench.db{s}")));
            }
            (Db::connect(&url, 4).await.unwrap(), url)
        }
        Some(admin) => {
            let db = Db::connect(admin, 1).await.unwrap();
            let name = format!("egov_bench_{}", std::process::id());
            let _ = db
                .execute_script(&format!("DROP DATABASE IF EXISTS {name}"))
                .await;
            db.execute_script(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            db.close().await;
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap();
            let url = format!("{base}/{name}");
            (Db::connect(&url, 4).await.unwrap(), url)
        }
    }
}

/// Raw multi-row inserts of `n` rows shaped like data_values, in one transaction.
async fn raw_rate(db: &Db, n: usize) -> f64 {
    db.execute_script(
        "CREATE TABLE bench_raw (indicator_id BIGINT, unit_id BIGINT, period TEXT, value DOUBLE PRECISION, PRIMARY KEY (indicator_id, period, unit_id))",
    )
    .await
    .unwrap();
    let start = Instant::now();
    let mut tx = db.begin().await.unwrap();
    let per = 500;
    let mut i = 0;
    while i < n {
        let m = per.min(n - i);
        let mut args: Vec<Value> = Vec::with_capacity(m * 4);
        let groups: Vec<String> = (0..m)
            .map(|k| {
                let j = i + k;
                args.extend([
                    Value::from((j % 200) as i64),
                    Value::from((j / 200) as i64),
                    Value::from("202401"),
                    Value::from(j as f64),
                ]);
                let b = k * 4;
                format!("(${},${},${},${})", b + 1, b + 2, b + 3, b + 4)
            })
            .collect();
        tx.execute(
            platform::db::Sql::trusted(format!(
                "INSERT INTO bench_raw VALUES {}",
                groups.join(",")
            )),
            args,
        )
        .await
        .unwrap();
        i += m;
    }
    tx.commit().await.unwrap();
    n as f64 / start.elapsed().as_secs_f64()
}

async fn run(label: &str, pg: Option<&str>) {
    let (db, url) = fresh(pg).await;
    let config = platform::config::Config {
        database_url: platform::config::Secret::new(url.clone()),
        cookie_secure: false,
        ..Default::default()
    };
    let db2 = egov::connect(&config).await.unwrap();
    db.close().await;
    let db = db2;
    let actor = Actor::system("bench");
    registry::seed::load(&db, &actor).await.unwrap();
    reporting::catalogue::load_default(&db, &actor)
        .await
        .unwrap();
    let state = egov::state(db.clone(), config);
    let router = egov::router(state);

    let raw = raw_rate(&db, 200_000).await;

    // A national reporting token, so one client can send every province's reports.
    let (_, token) = platform::identity::tokens::create(
        &db,
        &actor,
        "bench",
        Role::Reporter,
        Scope::National,
        1,
    )
    .await
    .unwrap();
    let template = reporting::catalogue::template(&db, reporting::catalogue::MONTHLY_PROVINCIAL)
        .await
        .unwrap()
        .unwrap();
    let latest = Period::parse("202611").unwrap();
    let mut periods = vec![latest];
    for _ in 1..120 {
        periods.push(periods.last().unwrap().previous());
    }
    periods.reverse();
    let mut batches = Vec::new();
    for p in &periods {
        let (_, last) = p.calendar();
        let (units, _) = registry::store::list_units(
            &db,
            &registry::store::UnitQuery {
                level: Some(registry::Level::Province),
                valid_on: Some(registry::Day(last)),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        for u in units {
            let values: Vec<serde_json::Value> = template
                .indicators
                .iter()
                .map(|i| serde_json::json!({"indicator": i.code, "value": 100.0 + (u.id % 17) as f64 + f64::from(p.index)}))
                .collect();
            batches.push(serde_json::json!({"unit": u.code, "period": p.id(), "values": values, "submit": false}).to_string());
        }
    }
    let values = batches.len() * template.indicators.len();
    let start = Instant::now();
    for b in &batches {
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/data/batch")
            .header(header::HOST, "localhost")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(b.clone()))
            .unwrap();
        let res = router.clone().oneshot(req).await.unwrap();
        assert!(res.status().is_success(), "batch failed: {}", res.status());
    }
    let api_rate = values as f64 / start.elapsed().as_secs_f64();

    // Approve everything (as approvers would), then query.
    db.execute(
        "UPDATE data_values SET approved = $1",
        platform::params![true],
    )
    .await
    .unwrap();
    db.execute(
        "UPDATE submissions SET status = 'approved'",
        platform::params![],
    )
    .await
    .unwrap();
    let retail = reporting::catalogue::by_code(&db, "RETAIL_SALES")
        .await
        .unwrap()
        .unwrap();
    let last60: Vec<Period> = periods[60..].to_vec();
    let mut t_rollup = Vec::new();
    for _ in 0..50 {
        let s = Instant::now();
        let r = reporting::data::national(&db, std::slice::from_ref(&retail), &last60)
            .await
            .unwrap();
        assert_eq!(r.len(), 60);
        t_rollup.push(s.elapsed());
    }
    let mut t_overview = Vec::new();
    for _ in 0..50 {
        let s = Instant::now();
        let ps = [latest, latest.same_period_last_year()];
        let r = reporting::data::national(&db, &template.indicators, &ps)
            .await
            .unwrap();
        assert!(!r.is_empty());
        t_overview.push(s.elapsed());
    }
    // Freshness: a correction accepted → visible in the national total.
    let unit = reporting::unit_for_period(&db, "40", &latest)
        .await
        .unwrap()
        .unwrap();
    let before = reporting::data::national(&db, std::slice::from_ref(&retail), &[latest])
        .await
        .unwrap()[&(retail.id, latest.id())]
        .value;
    let s = Instant::now();
    let entries: Vec<reporting::submission::Entry> = template
        .indicators
        .iter()
        .map(|i| reporting::submission::Entry {
            indicator: i.code.clone(),
            raw: if i.code == "RETAIL_SALES" {
                "1000000".into()
            } else {
                "100".into()
            },
            explanation: Some("bench".into()),
            lang: "en",
        })
        .collect();
    reporting::submission::save(
        &db,
        &actor,
        &template,
        unit.id,
        &latest,
        &entries,
        None,
        reporting::submission::Action::Correct,
        Some("bench"),
    )
    .await
    .unwrap();
    let after = reporting::data::national(&db, std::slice::from_ref(&retail), &[latest])
        .await
        .unwrap()[&(retail.id, latest.id())]
        .value;
    let fresh = s.elapsed();
    assert!(after > before);

    println!(
        "\n## {label}: {} reports × {} indicators = {values} values (province level, 120 months)",
        batches.len(),
        template.indicators.len()
    );
    println!("| measure | egov | reference (same run) |");
    println!("|---|---|---|");
    println!(
        "| ingestion through POST /api/v1/data/batch | {api_rate:.0} values/s | raw multi-row INSERT: {raw:.0} rows/s ({:.1} % of raw) |",
        api_rate / raw * 100.0
    );
    println!(
        "| national roll-up, 1 indicator × 60 months, p95 | {:.2} ms | target ≤ 20 ms |",
        p95(t_rollup).as_secs_f64() * 1000.0
    );
    println!(
        "| overview: {} indicators, latest period + same period last year, p95 | {:.2} ms | target ≤ 50 ms |",
        template.indicators.len(),
        p95(t_overview).as_secs_f64() * 1000.0
    );
    println!(
        "| freshness: accepted correction → national total | {:.1} ms | target ≤ 1000 ms |",
        fresh.as_secs_f64() * 1000.0
    );
    db.close().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        run("SQLite", None).await;
        match std::env::var("EGOV_BENCH_POSTGRES_URL") {
            Ok(url) => run("PostgreSQL", Some(&url)).await,
            Err(_) => println!(
                "\n(PostgreSQL skipped: EGOV_BENCH_POSTGRES_URL not set; scripts/bench sets it)"
            ),
        }
    });
}
