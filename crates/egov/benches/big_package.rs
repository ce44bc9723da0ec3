//! A 50 MB package through the document axis (issue 13: "a 50 MB package goes through with RSS
//! growth under 100 MB"). `egov serve` runs as the axis in a process of its own (release build,
//! SQLite); this program sends it one signed package of about 50 MB (one incompressible
//! attachment) as the Government Office and fetches it back as Nghệ An, over loopback HTTP.
//! It reads the server's resident memory from `/proc/<pid>/status`: the baseline after a
//! warm-up request, then the peak (`VmHWM`, reset through `/proc/<pid>/clear_refs` before each
//! step) while the axis accepts, verifies and routes the package, and while it serves it.
//!
//! Run: `cargo bench -p egov --bench big_package` (also from `scripts/bench`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use documents::client::AgencyKey;
use documents::edxml::{self, AttachmentSource, Body, TraceHeader};
use documents::model::agency::AgencyId;
use documents::model::document::{Draft, Organization, Signer};
use documents::store::agencies::{self, AgencyState};
use platform::http_client::{HttpClient, Limits};

/// The package's size on the wire, about: the attachment is base64 in the XML (4/3).
const PACKAGE_BYTES: usize = 50 * 1000 * 1000;
/// The target: the server's peak resident memory grows by less than this.
const TARGET_MB: f64 = 100.0;

fn keys() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../documents/tests/data/keys")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A field of `/proc/<pid>/status` in kB (`VmRSS`, `VmHWM`).
fn status_kb(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Reset the process's peak resident size to its current one (Linux: `echo 5 > clear_refs`).
fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn org(id: &str, name: &str) -> Organization {
    Organization {
        organ_id: Some(AgencyId::parse(id).unwrap()),
        organ_name: Some(name.into()),
        ..Default::default()
    }
}

/// The Government Office's Công văn to Nghệ An with one attachment of `size` random bytes,
/// signed with its key.
fn package(key: &AgencyKey, size: usize) -> Vec<u8> {
    let d = Draft {
        from: Some(org("000.00.00.G22", "Văn phòng Chính phủ")),
        to: vec![org("H41", "UBND tỉnh Nghệ An")],
        code_number: Some("9001".into()),
        code_notation: Some("VPCP-TTĐT".into()),
        place: Some("Hà Nội".into()),
        promulgation_date: Some(time::OffsetDateTime::now_utc().date()),
        type_code: Some(1),
        type_detail: Some(18),
        type_name: Some("Công văn".into()),
        subject: Some("V/v gửi hồ sơ dung lượng lớn".into()),
        content: Some("Kèm theo hồ sơ.".into()),
        signer: Signer {
            competence: Some("KT. BỘ TRƯỞNG, CHỦ NHIỆM".into()),
            position: Some("Phó Chủ nhiệm".into()),
            full_name: Some("Nguyễn Văn A".into()),
        },
        ..Default::default()
    }
    .check()
    .unwrap();
    let data: Vec<u8> = (0..size).map(|_| rand::random::<u8>()).collect();
    let mut attachments = [AttachmentSource {
        content_id: "att1".into(),
        name: "ho-so.pdf".into(),
        description: None,
        content_type: Some("application/pdf".into()),
        data: Box::new(std::io::Cursor::new(data.as_slice())),
    }];
    let trace = [TraceHeader {
        organ_id: "000.00.00.G22".into(),
        timestamp: time::OffsetDateTime::now_utc(),
    }];
    let xml = edxml::write(
        Vec::new(),
        &Body::Document(Box::new(d)),
        &trace,
        None,
        &[],
        &mut attachments,
    )
    .unwrap();
    key.sign_package(&xml).unwrap()
}

async fn prepare(url: &str) {
    let config = platform::config::Config {
        database_url: platform::config::Secret::new(url.to_owned()),
        audit_key: Some(platform::config::Secret::new(testkit::TEST_AUDIT_KEY)),
        ..Default::default()
    };
    let db = egov::connect(&config).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    for (code, name, crt) in [
        ("G22", "Văn phòng Chính phủ", "rsa.crt.der"),
        ("H41", "UBND tỉnh Nghệ An", "ec.crt.der"),
    ] {
        let der = std::fs::read(keys().join(crt)).unwrap();
        let fp = {
            let d = ring::digest::digest(&ring::digest::SHA256, &der);
            d.as_ref()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        agencies::insert(
            &mut tx,
            &AgencyId::parse(code).unwrap(),
            name,
            None,
            Some((&der, &fp)),
            AgencyState::Active,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    db.close().await;
}

fn start(url: &str, data: &Path, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_egov"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("EGOV_DATABASE_URL", url)
        .env("EGOV_DATA_DIR", data)
        .env("EGOV_AUDIT_KEY", testkit::TEST_AUDIT_KEY)
        .env("EGOV_TOTP_KEY", testkit::TEST_TOTP_KEY)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Server(child)
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let root = std::env::temp_dir().join(format!("egov-bench-big-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let url = format!("sqlite://{}", root.join("axis.db").display());
    prepare(&url).await;
    let g22 = AgencyKey::from_pkcs8(
        "G22",
        &std::fs::read(keys().join("rsa.key.der")).unwrap(),
        &std::fs::read(keys().join("rsa.crt.der")).unwrap(),
    )
    .unwrap();
    let h41 = AgencyKey::from_pkcs8(
        "H41",
        &std::fs::read(keys().join("ec.key.der")).unwrap(),
        &std::fs::read(keys().join("ec.crt.der")).unwrap(),
    )
    .unwrap();
    // Raw bytes: base64 makes them 4/3 as many on the wire.
    let signed = package(&g22, PACKAGE_BYTES * 3 / 4);
    let port = free_port();
    let server = start(&url, &root.join("data"), port);
    let pid = server.0.id();
    let base = format!("http://127.0.0.1:{port}");
    let client = HttpClient::new(Limits {
        connect: Duration::from_secs(3),
        total: Duration::from_secs(300),
        max_body: 64 << 20,
    });
    // Warm-up: the server has answered a signed request once.
    let r = h41.request("GET", "/api/v1/axis/packages/pending", Vec::new());
    let headers: Vec<(&str, String)> = r.headers.clone();
    let res = client
        .request(
            axum::http::Method::GET,
            &format!("{base}/api/v1/axis/packages/pending"),
            &headers,
            Vec::new().into(),
        )
        .await
        .unwrap();
    assert_eq!(res.status, 200);
    let baseline = status_kb(pid, "VmRSS");
    let resets = reset_peak(pid);

    // Accept: streamed to disk, signature checked, parsed, routed.
    let size = signed.len();
    let r = g22.request("POST", "/api/v1/axis/packages", signed);
    let t = Instant::now();
    let res = client
        .request(
            axum::http::Method::POST,
            &format!("{base}/api/v1/axis/packages"),
            &r.headers,
            r.body.into(),
        )
        .await
        .unwrap();
    let accept = t.elapsed();
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    let peak_accept = status_kb(pid, "VmHWM");
    let answer: serde_json::Value = serde_json::from_slice(&res.body).unwrap();
    let id = answer["package_id"].as_i64().unwrap();

    // Fetch: checked against its digest, streamed out.
    reset_peak(pid);
    let path = format!("/api/v1/axis/packages/{id}");
    let r = h41.request("GET", &path, Vec::new());
    let t = Instant::now();
    let res = client
        .request(
            axum::http::Method::GET,
            &format!("{base}{path}"),
            &r.headers,
            Vec::new().into(),
        )
        .await
        .unwrap();
    let fetch = t.elapsed();
    assert_eq!(res.status, 200);
    assert_eq!(res.body.len(), size);
    let peak_fetch = status_kb(pid, "VmHWM");

    let growth_accept = mb(peak_accept.saturating_sub(baseline));
    // Both against the server at rest before the package came: memory the allocator kept after
    // accepting counts against the fetch too.
    let growth_fetch = mb(peak_fetch.saturating_sub(baseline));
    println!("big package (egov serve as the axis, SQLite, release):");
    println!(
        "  package                  {:>8.1} MB   (target: about 50 MB)",
        size as f64 / 1e6
    );
    println!("  server RSS at rest       {:>8.1} MB", mb(baseline));
    println!(
        "  accept: {:>6} ms, peak RSS growth {:>6.1} MB   (target < {TARGET_MB} MB)",
        accept.as_millis(),
        growth_accept
    );
    println!(
        "  fetch:  {:>6} ms, peak RSS growth {:>6.1} MB   (target < {TARGET_MB} MB)",
        fetch.as_millis(),
        growth_fetch
    );
    if !resets {
        println!("  (the peak could not be reset between steps: figures are the process's peak)");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&root);
}
