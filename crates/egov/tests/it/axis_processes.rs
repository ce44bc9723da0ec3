//! The document axis on three real processes: `egov serve` as the axis, and twice as an agency
//! endpoint (A = G22 with an RSA key in PEM files, B = H41 with an ECDSA key in DER files), each
//! with its own SQLite database and data directory, talking over loopback HTTP. A sends, B
//! receives into its incoming register, registers and assigns; A sees 01 → 03 → 04. Then the
//! axis is killed with SIGKILL in the middle of a few sends and restarted: every document
//! reaches B exactly once, and every acknowledged package is there. Then B is offline for a
//! while (killed): what A sends waits on the axis, and B gets all of it, once, when it returns.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use documents::engine::{endpoint, registers as reg};
use documents::model::agency::AgencyId;
use documents::model::register::{DraftForm, IncomingAction};
use documents::store::agencies::{self, AgencyState};
use platform::audit::Actor;
use platform::db::Db;
use platform::files::FileStore;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn keys() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../documents/tests/data/keys")
}

fn id(s: &str) -> AgencyId {
    AgencyId::parse(s).unwrap()
}

fn clerk() -> Actor {
    Actor::system("clerk@test")
}

struct Node {
    url: String,
    port: u16,
    data: PathBuf,
    /// Agency endpoint settings: (axis URL, agency, key file, certificate file).
    endpoint: Option<(String, &'static str, PathBuf, PathBuf)>,
}

/// A running `egov` process, killed when dropped: a failing assertion leaves no server behind.
struct Running(Child);

impl Running {
    /// SIGKILL, and wait for the process to end.
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Node {
    fn start(&self) -> Running {
        let mut c = Command::new(env!("CARGO_BIN_EXE_egov"));
        c.args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .env("EGOV_DATABASE_URL", &self.url)
            .env("EGOV_DATA_DIR", &self.data)
            .env("EGOV_JOB_WORKERS", "1")
            .env("EGOV_AUDIT_KEY", crate::support::TEST_AUDIT_KEY)
            .env("EGOV_TOTP_KEY", crate::support::TEST_TOTP_KEY)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some((axis, agency, key, crt)) = &self.endpoint {
            c.env("EGOV_AXIS_URL", axis)
                .env("EGOV_AXIS_AGENCY", agency)
                .env("EGOV_AXIS_KEY_FILE", key)
                .env("EGOV_AXIS_CERTIFICATE_FILE", crt)
                .env("EGOV_AXIS_POLL_SECONDS", "1");
        }
        let child = c.spawn().unwrap();
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Running(child)
    }
}

/// A migrated database with the axis directory (G22 and H41, active, with their certificates).
async fn prepare(url: &str) -> Db {
    let config = platform::config::Config {
        database_url: platform::config::Secret::new(url.to_owned()),
        audit_key: Some(platform::config::Secret::new(
            crate::support::TEST_AUDIT_KEY,
        )),
        ..Default::default()
    };
    let db = egov::connect(&config).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    for (code, name, crt) in [
        ("G22", "Văn phòng Chính phủ", "rsa.crt.der"),
        ("H41", "UBND tỉnh Nghệ An", "ec.crt.der"),
    ] {
        let der = std::fs::read(keys().join(crt)).unwrap();
        let fp = hex_sha256(&der);
        agencies::insert(
            &mut tx,
            &id(code),
            name,
            None,
            Some((&der, &fp)),
            AgencyState::Active,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    db
}

/// SHA-256 in hexadecimal: the file store's key of the bytes.
fn hex_sha256(b: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("egov-axis-3p-fp-{}", std::process::id()));
    let key = FileStore::new(&dir)
        .spool(&mut &b[..], u64::MAX)
        .unwrap()
        .key()
        .to_owned();
    let _ = std::fs::remove_dir_all(dir);
    key
}

async fn n(db: &Db, sql: &'static str) -> i64 {
    db.fetch_one(sql, vec![])
        .await
        .unwrap()
        .get::<i64>("n")
        .unwrap()
}

/// Wait until `f` holds (polling), at most `secs`.
async fn until<F, Fut>(what: &str, secs: u64, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !f().await {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A drafts, numbers and queues a document to H41; returns its outgoing id.
async fn send(db: &Db, files: &FileStore, subject: &str) -> i64 {
    let today = reg::today_vn();
    let form = DraftForm {
        doc_type: "Công văn".into(),
        subject: subject.into(),
        summary: "Đề nghị triển khai.".into(),
        signer_name: "Nguyễn Văn A".into(),
        signer_position: "Phó Chủ nhiệm".into(),
        recipients: "H41".into(),
        urgency: "0".into(),
        due_date: String::new(),
    };
    let out = reg::draft(db, &id("G22"), &form, &clerk(), today)
        .await
        .unwrap();
    reg::number(db, &id("G22"), out, &clerk(), today)
        .await
        .unwrap();
    endpoint::send(db, files, &id("G22"), out, &clerk())
        .await
        .unwrap();
    out
}

async fn timeline(db: &Db, out: i64) -> Vec<String> {
    documents::store::outbox::timeline(db, "G22", out)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.status)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_exchange_documents_and_survive_a_killed_axis() {
    let root = std::env::temp_dir().join(format!("egov-axis-3p-{}", std::process::id()));
    let urls = [
        crate::support::fresh_database("sqlite").await,
        crate::support::fresh_database("sqlite").await,
        crate::support::fresh_database("sqlite").await,
    ];
    let axis_db = prepare(&urls[0]).await;
    let a_db = prepare(&urls[1]).await;
    let b_db = prepare(&urls[2]).await;
    reg::set_office(&a_db, &id("G22"), "VPCP", &clerk())
        .await
        .unwrap();
    let axis_port = free_port();
    let axis_url = format!("http://127.0.0.1:{axis_port}");
    let axis = Node {
        url: urls[0].clone(),
        port: axis_port,
        data: root.join("axis"),
        endpoint: None,
    };
    let a = Node {
        url: urls[1].clone(),
        port: free_port(),
        data: root.join("a"),
        endpoint: Some((
            axis_url.clone(),
            "000.00.00.G22",
            keys().join("rsa.key.pem"),
            keys().join("rsa.crt.pem"),
        )),
    };
    let b = Node {
        url: urls[2].clone(),
        port: free_port(),
        data: root.join("b"),
        endpoint: Some((
            axis_url.clone(),
            "H41",
            keys().join("ec.key.der"),
            keys().join("ec.crt.der"),
        )),
    };
    let a_files = FileStore::new(a.data.join("files"));
    let mut axis_p = axis.start();
    let mut a_p = a.start();
    let mut b_p = b.start();

    // One document: B has it at 01; B registers and assigns; A sees 01 → 03 → 04.
    let first = send(&a_db, &a_files, "Văn bản thứ nhất").await;
    until("B receives the first document", 60, || async {
        n(&b_db, "SELECT COUNT(*) AS n FROM doc_incoming").await == 1
    })
    .await;
    let entry: i64 = b_db
        .fetch_one("SELECT id FROM doc_incoming", vec![])
        .await
        .unwrap()
        .get("id")
        .unwrap();
    let cal = reporting::query::holiday_calendar(&b_db).await.unwrap();
    for action in [
        IncomingAction::Register,
        IncomingAction::Assign {
            to: "Phòng Tổng hợp".into(),
        },
    ] {
        reg::act(
            &b_db,
            &id("H41"),
            entry,
            &action,
            None,
            &cal,
            &clerk(),
            reg::today_vn(),
        )
        .await
        .unwrap();
    }
    until("A sees 01 → 03 → 04", 60, || async {
        timeline(&a_db, first).await == ["01", "03", "04"]
    })
    .await;
    let o = documents::store::registers::outgoing(&a_db, "G22", first)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.state, "sent");

    // A few sends, the axis killed in their middle, then restarted.
    let mut sent = vec![first];
    for i in 0..3 {
        sent.push(send(&a_db, &a_files, &format!("Văn bản trước sự cố {i}")).await);
    }
    axis_p.kill(); // SIGKILL
    for i in 0..3 {
        sent.push(send(&a_db, &a_files, &format!("Văn bản khi trục ngừng {i}")).await);
    }
    // Down for a while: A's outbox keeps what did not get through, with its error.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let waiting = n(
        &a_db,
        "SELECT COUNT(*) AS n FROM doc_outbox WHERE state = 'queued' AND kind = 'document'",
    )
    .await;
    assert!(waiting >= 3, "queued while the axis is down: {waiting}");
    axis_p = axis.start();
    until("every document reaches B", 120, || async {
        n(&b_db, "SELECT COUNT(*) AS n FROM doc_incoming").await == sent.len() as i64
            && n(
                &a_db,
                "SELECT COUNT(*) AS n FROM doc_outbox WHERE state <> 'accepted'",
            )
            .await
                == 0
    })
    .await;
    // Exactly once: one package per document on the axis, one entry per document at B, all
    // acknowledged; every document sent in A's register with B's 01 on its timeline.
    assert_eq!(
        n(
            &axis_db,
            "SELECT COUNT(*) AS n FROM doc_packages WHERE kind = 'document'"
        )
        .await,
        sent.len() as i64
    );
    assert_eq!(
        n(
            &b_db,
            "SELECT COUNT(DISTINCT document_id) AS n FROM doc_incoming"
        )
        .await,
        sent.len() as i64
    );
    until(
        "every 01 back at A, nothing pending on the axis",
        120,
        || async {
            let mut all = true;
            for out in &sent {
                all &= timeline(&a_db, *out).await.first().map(String::as_str) == Some("01");
            }
            all && n(
                &axis_db,
                "SELECT COUNT(*) AS n FROM doc_deliveries WHERE acknowledged_at IS NULL",
            )
            .await
                == 0
        },
    )
    .await;
    for out in &sent {
        let o = documents::store::registers::outgoing(&a_db, "G22", *out)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(o.state, "sent", "document {out}");
    }
    assert_eq!(timeline(&a_db, first).await, ["01", "03", "04"]);

    // B offline for a while: what A sends is accepted by the axis and waits there for B.
    b_p.kill();
    let before = sent.len();
    for i in 0..3 {
        sent.push(
            send(
                &a_db,
                &a_files,
                &format!("Văn bản khi cơ quan nhận ngừng {i}"),
            )
            .await,
        );
    }
    until("the axis holds A's documents for B", 60, || async {
        n(
            &axis_db,
            "SELECT COUNT(*) AS n FROM doc_deliveries WHERE recipient_code = 'H41' AND state = 'pending'",
        )
        .await
            == 3
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        n(&b_db, "SELECT COUNT(*) AS n FROM doc_incoming").await,
        before as i64,
        "nothing reaches B while it is down"
    );
    // B returns: it gets everything, once, and A sees each 01.
    b_p = b.start();
    until("B gets what waited for it", 120, || async {
        n(&b_db, "SELECT COUNT(*) AS n FROM doc_incoming").await == sent.len() as i64
            && n(
                &axis_db,
                "SELECT COUNT(*) AS n FROM doc_deliveries WHERE state = 'pending'",
            )
            .await
                == 0
    })
    .await;
    assert_eq!(
        n(
            &b_db,
            "SELECT COUNT(DISTINCT document_id) AS n FROM doc_incoming"
        )
        .await,
        sent.len() as i64
    );
    until("every 01 back at A", 120, || async {
        let mut all = true;
        for out in &sent[before..] {
            all &= timeline(&a_db, *out).await.first().map(String::as_str) == Some("01");
        }
        all
    })
    .await;

    for p in [&mut axis_p, &mut a_p, &mut b_p] {
        p.kill();
    }
    for db in [axis_db, a_db, b_db] {
        db.close().await;
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// `egov demo` is the axis and the endpoints of its two demo agencies in one process (over
/// loopback HTTP to its own listener): a document from Nghệ An (H41) reaches Hồ Chí Minh City
/// (H29) and the 01 comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_exchanges_documents_between_its_agencies_through_its_own_axis() {
    use std::io::{BufRead, BufReader};
    let root = std::env::temp_dir().join(format!("egov-axis-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let data = root.join("data");
    let port = free_port();
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_egov"))
            .args([
                "demo",
                "--data",
                data.to_str().unwrap(),
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env("EGOV_AXIS_POLL_SECONDS", "1")
            .env_remove("EGOV_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        if line.unwrap().contains("http://127.0.0.1") {
            break;
        }
    }
    let config = platform::config::Config {
        database_url: platform::config::Secret::new(format!("sqlite://{}/egov.db", data.display())),
        audit_key_file: Some(egov::demo::audit_key_file(&data).unwrap()),
        ..Default::default()
    };
    let db = egov::connect(&config).await.unwrap();
    // Both demo agencies are in the directory, with their offices.
    assert_eq!(
        n(
            &db,
            "SELECT COUNT(*) AS n FROM doc_agencies WHERE state = 'active'"
        )
        .await,
        2
    );
    let today = reg::today_vn();
    let form = DraftForm {
        doc_type: "Công văn".into(),
        subject: "V/v phối hợp liên thông".into(),
        summary: String::new(),
        signer_name: "Nguyễn Văn A".into(),
        signer_position: "Chủ tịch".into(),
        recipients: "H29".into(),
        urgency: "0".into(),
        due_date: String::new(),
    };
    let out = reg::draft(&db, &id("H41"), &form, &clerk(), today)
        .await
        .unwrap();
    reg::number(&db, &id("H41"), out, &clerk(), today)
        .await
        .unwrap();
    endpoint::send(
        &db,
        &FileStore::new(data.join("files")),
        &id("H41"),
        out,
        &clerk(),
    )
    .await
    .unwrap();
    until("H29 receives it and H41 sees 01", 60, || async {
        n(
            &db,
            "SELECT COUNT(*) AS n FROM doc_incoming WHERE agency_code = 'H29'",
        )
        .await
            == 1
            && documents::store::outbox::timeline(&db, "H41", out)
                .await
                .unwrap()
                .iter()
                .any(|t| t.status == "01" && t.recipient == "H29")
    })
    .await;
    child.kill();
    db.close().await;
    let _ = std::fs::remove_dir_all(&root);
}
