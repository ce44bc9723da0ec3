//! The document axis under load (issue 13): packages of about 100 KB, each with one RSA-SHA256
//! signature, stored (SHA-256, as the transport stores what it receives), verified, parsed and
//! routed by `engine::axis::Axis::accept` with 8 at a time — the work of `POST
//! /api/v1/axis/packages` after the request's own signature is checked. Printed: packages/s and
//! the p50/p95 of "stored and accepted, in the recipient's pending list" (the delivery row is
//! committed in the same transaction as the acceptance, so a package is available to its
//! recipient when `accept` returns), and, as the reference measured in the same run on the same
//! packages with the same parallelism, the rate of the signature check alone
//! (`xmldsig::verify`, no database). Runs on SQLite, and on PostgreSQL when
//! EGOV_BENCH_POSTGRES_URL is set. `scripts/bench` runs it; EGOV_BENCH_AXIS_PACKAGES sets the
//! count (default 1,200).

#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use documents::client::AgencyKey;
use documents::edxml::{self, AttachmentSource, Body, TraceHeader};
use documents::engine::axis::{Axis, Outcome};
use documents::model::agency::AgencyId;
use documents::model::document::{Draft, Organization, Signer};
use documents::store::agencies::{self, AgencyState};
use platform::db::Db;
use platform::files::FileStore;

const RSA_KEY: &[u8] = include_bytes!("../tests/data/keys/rsa.key.der");
const RSA_CRT: &[u8] = include_bytes!("../tests/data/keys/rsa.crt.der");
const PARALLEL: usize = 8;
const MAX_PACKAGE: u64 = 64 << 20;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn org(id: &str, name: &str) -> Organization {
    Organization {
        organ_id: Some(AgencyId::parse(id).unwrap()),
        organ_name: Some(name.into()),
        ..Default::default()
    }
}

/// Package `n`: a Công văn from G22 to H41 with a 74 KB attachment (about 100 KB once
/// base64-encoded in the envelope), signed by G22's key.
fn package(key: &AgencyKey, n: usize) -> Vec<u8> {
    let d = Draft {
        from: Some(org("000.00.00.G22", "Văn phòng Chính phủ")),
        to: vec![org("H41", "UBND tỉnh Nghệ An")],
        code_number: Some(format!("{}", n + 1)),
        code_notation: Some("VPCP-TTĐT".into()),
        place: Some("Hà Nội".into()),
        promulgation_date: Some(time::macros::date!(2026 - 11 - 30)),
        type_code: Some(1),
        type_detail: Some(1),
        type_name: Some("Công văn".into()),
        subject: Some(format!(
            "V/v triển khai liên thông văn bản điện tử, đợt {n}"
        )),
        content: Some("Đề nghị các cơ quan triển khai.".into()),
        signer: Signer {
            competence: Some("KT. BỘ TRƯỞNG, CHỦ NHIỆM".into()),
            position: Some("Phó Chủ nhiệm".into()),
            full_name: Some("Nguyễn Văn A".into()),
        },
        ..Default::default()
    }
    .check()
    .unwrap();
    // Bytes that do not compress away (a PDF's streams are already compressed).
    let mut seed = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let attachment: Vec<u8> = (0..74_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect();
    let trace = [TraceHeader {
        organ_id: "000.00.00.G22".into(),
        timestamp: time::macros::datetime!(2026-11-30 14:05:09 +7),
    }];
    let xml = edxml::write(
        Vec::new(),
        &Body::Document(Box::new(d)),
        &trace,
        None,
        &[],
        &mut [AttachmentSource {
            content_id: "att1".into(),
            name: "van-ban.pdf".into(),
            description: None,
            content_type: Some("application/pdf".into()),
            data: Box::new(std::io::Cursor::new(attachment)),
        }],
    )
    .unwrap();
    key.sign_package(&xml).unwrap()
}

async fn fresh(admin: Option<&str>, dir: &std::path::Path) -> String {
    match admin {
        None => format!("sqlite://{}/axis.db", dir.display()),
        Some(admin) => {
            let db = Db::connect(admin, 1).await.unwrap();
            let name = format!("egov_bench_axis_{}", std::process::id());
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

/// Run `work` over the packages, `PARALLEL` at a time; each item's time and the wall time.
async fn in_parallel<F, Fut>(packages: Arc<Vec<Vec<u8>>>, work: F) -> (Duration, Vec<Duration>)
where
    F: Fn(Arc<Vec<Vec<u8>>>, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..PARALLEL {
        let (next, packages, work) = (next.clone(), packages.clone(), work.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= packages.len() {
                    return times;
                }
                let t = Instant::now();
                work(packages.clone(), i).await;
                times.push(t.elapsed());
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    (started.elapsed(), all)
}

fn quantile(times: &mut [Duration], q: f64) -> Duration {
    times.sort_unstable();
    times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1]
}

async fn run(label: &str, admin: Option<&str>, packages: Arc<Vec<Vec<u8>>>) {
    let dir = std::env::temp_dir().join(format!("egov-bench-axis-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = fresh(admin, &dir).await;
    let db = Db::connect(&url, 8).await.unwrap();
    db.migrate().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let fp = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(RSA_CRT))
    };
    for (code, name) in [("G22", "Văn phòng Chính phủ"), ("H41", "UBND tỉnh Nghệ An")] {
        agencies::insert(
            &mut tx,
            &AgencyId::parse(code).unwrap(),
            name,
            None,
            Some((RSA_CRT, &fp)),
            AgencyState::Active,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let sender = agencies::find(&db, &AgencyId::parse("G22").unwrap())
        .await
        .unwrap()
        .unwrap();
    let axis = Axis {
        db: db.clone(),
        files: FileStore::new(dir.join("files")),
        delivery_ttl_ms: 7 * 24 * 3600 * 1000,
    };

    // The reference: the signature check alone, same packages, same parallelism.
    let (verify_wall, _) = in_parallel(packages.clone(), |p, i| async move {
        tokio::task::spawn_blocking(move || {
            documents::xmldsig::verify(std::io::BufReader::new(&p[i][..])).unwrap();
        })
        .await
        .unwrap();
    })
    .await;

    let (wall, mut times) = in_parallel(packages.clone(), {
        let axis = axis.clone();
        let sender = sender.clone();
        move |p, i| {
            let axis = axis.clone();
            let sender = sender.clone();
            async move {
                let stored = axis
                    .files
                    .put(&mut std::io::Cursor::new(&p[i]), MAX_PACKAGE)
                    .await
                    .unwrap();
                match axis.accept(&sender, &stored).await.unwrap() {
                    Outcome::Accepted {
                        repeated: false, ..
                    } => {}
                    other => panic!("package {i}: {other:?}"),
                }
            }
        }
    })
    .await;
    let n = packages.len() as f64;
    let waiting = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM doc_deliveries WHERE recipient_code = $1",
            platform::params!["H41"],
        )
        .await
        .ok()
        .and_then(|r| r.get::<i64>("n").ok());
    println!(
        "| {label} | {:.0} packages/s | p50 {:.1} ms | p95 {:.1} ms | {:.0} packages/s | {} waiting for H41 |",
        n / wall.as_secs_f64(),
        ms(quantile(&mut times, 0.5)),
        ms(quantile(&mut times, 0.95)),
        n / verify_wall.as_secs_f64(),
        waiting.map_or("?".to_owned(), |w| w.to_string()),
    );
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let count: usize = std::env::var("EGOV_BENCH_AXIS_PACKAGES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1200);
    let key = AgencyKey::from_pkcs8("G22", RSA_KEY, RSA_CRT).unwrap();
    let t = Instant::now();
    let packages: Vec<Vec<u8>> = (0..count).map(|n| package(&key, n)).collect();
    let size = packages.iter().map(Vec::len).sum::<usize>() / count;
    println!(
        "axis: {count} packages of {:.1} KB (RSA-SHA256, one signature each; built in {:.1} s), {PARALLEL} at a time, {} cores",
        size as f64 / 1024.0,
        t.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!(
        "| database | accepted and routed | accepted → available, p50 | p95 | reference: signature check alone | check |"
    );
    println!("|---|---|---|---|---|---|");
    let packages = Arc::new(packages);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let only = std::env::var("EGOV_BENCH_ONLY").unwrap_or_default();
    rt.block_on(async {
        if only != "postgres" {
            run("SQLite", None, packages.clone()).await;
        }
        if only == "sqlite" {
            return;
        }
        match std::env::var("EGOV_BENCH_POSTGRES_URL") {
            Ok(url) => run("PostgreSQL", Some(&url), packages.clone()).await,
            Err(_) => println!(
                "(PostgreSQL skipped: EGOV_BENCH_POSTGRES_URL not set; scripts/bench sets it)"
            ),
        }
    });
}
