//! The `egov` binary as an operator uses it (SQLite; PostgreSQL is covered by the stories).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn egov() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_egov"));
    c.env_remove("EGOV_DATABASE_URL")
        .env_remove("EGOV_TOTP_KEY")
        .env("RUST_LOG", "warn");
    c
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("egov-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["reference", "apply", "--help"],
        vec!["reference", "status", "--help"],
        vec!["config", "--help"],
        vec!["admin", "user", "create", "--help"],
        vec!["admin", "user", "list", "--help"],
        vec!["admin", "user", "disable", "--help"],
        vec!["admin", "user", "reset-password", "--help"],
        vec!["admin", "user", "grant", "--help"],
        vec!["admin", "token", "create", "--help"],
        vec!["admin", "token", "revoke", "--help"],
        vec!["units", "import", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["audit", "checkpoint", "--help"],
    ] {
        let (code, out, _) = run(egov().args(&args));
        assert_eq!(code, 0, "{args:?}");
        assert!(out.contains("Usage"), "{args:?}: {out}");
    }
}

/// Start `egov demo`, wait until it serves, return the child and the port.
fn start_demo(data: &std::path::Path) -> (std::process::Child, u16, String) {
    let port = free_port();
    let mut child = egov()
        .args([
            "demo",
            "--data",
            data.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        out.push_str(&line);
        out.push('\n');
        if line.contains("http://127.0.0.1") {
            break;
        }
    }
    (child, port, out)
}

fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    buf
}

#[test]
fn demo_prints_accounts_once_and_keeps_data() {
    // A directory the demo creates itself.
    let data = temp_dir("demo").join("data");
    let (mut child, port, out) = start_demo(&data);
    assert!(
        out.contains("admin ") && out.contains("system_admin national"),
        "{out}"
    );
    assert!(http_get(port, "/healthz").ends_with("ok"));
    assert!(http_get(port, "/readyz").contains("ready"));
    // The demo's camera streams (ffmpeg), or a plain word that there is no video.
    if operations::streams::ffmpeg_available() {
        assert!(out.contains("demo cameras: 3"), "{out}");
        let playlist = http_get(port, "/demo/streams/huu-nghi/index.m3u8");
        assert!(playlist.contains("#EXTINF"), "{playlist}");
    } else {
        assert!(out.contains("no ffmpeg"), "{out}");
    }
    let accounts = std::fs::read_to_string(data.join("demo-accounts.txt")).unwrap();
    let lines: Vec<&str> = accounts.lines().collect();
    assert_eq!(lines.len(), 14 + 37);
    assert!(
        lines.iter().all(|l| l.split(' ').count() == 4),
        "{accounts}"
    );
    assert!(accounts.contains("baocao.nghean") && accounts.contains("reporter unit:40"));
    assert!(accounts.contains("baocao.btc") && accounts.contains("reporter agency:btc"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("demo-accounts.txt"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // The database, its directory and the key of second-factor secrets are private too.
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("egov.db")), 0o600);
        assert_eq!(mode(&data.join("totp.key")), 0o600);
    }
    let key = std::fs::read_to_string(data.join("totp.key")).unwrap();
    assert!(platform::identity::sealed::SecretKey::from_base64(&key).is_ok());
    child.kill().unwrap();
    child.wait().unwrap();

    // The demo's audit key: beside the accounts file, owner-only, 64 hexadecimal digits.
    let key_file = data.join("audit.key");
    let audit_key = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(audit_key.trim().len(), 64, "{audit_key}");
    assert!(audit_key.trim().chars().all(|c| c.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Again: data kept, passwords not regenerated, the same audit key.
    let (mut child, port, out) = start_demo(&data);
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), audit_key);
    assert!(!out.contains("system_admin national"), "{out}");
    assert_eq!(
        std::fs::read_to_string(data.join("demo-accounts.txt")).unwrap(),
        accounts
    );
    assert_eq!(std::fs::read_to_string(data.join("totp.key")).unwrap(), key);
    assert!(http_get(port, "/api/v1/units?level=province").contains("\"total\":34"));
    child.kill().unwrap();
    child.wait().unwrap();

    // The demo database passes the audit check; `serve` refuses it (demo accounts are active).
    let url = format!("sqlite://{}/egov.db", data.display());
    let (code, out, _) = run(egov()
        .args(["audit", "verify"])
        .env("EGOV_DATABASE_URL", &url)
        .env("EGOV_AUDIT_KEY_FILE", &key_file));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact"));
    // The demo's reference data is the release's, applied by the same mechanism as `migrate`.
    let (code, out, _) = run(egov()
        .args(["reference", "status", "--lang", "en"])
        .env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 0, "{out}");
    // Registry's files are at 2025.1, services' and the e-Cabinet's at 2026.1, reporting's at
    // 2026.2 (the e-Government indicators and the service quality index).
    assert_eq!(
        out.matches(": applied 2025.1, shipped 2025.1;").count()
            + out.matches(": applied 2026.1, shipped 2026.1;").count()
            + out.matches(": applied 2026.2, shipped 2026.2;").count(),
        11,
        "{out}"
    );
    assert_eq!(
        out.matches("0 to add, 0 to update, 0 conflicts").count(),
        11,
        "{out}"
    );
    // Without the key the sealed entries cannot be checked: not a pass.
    let (code, out, _) = run(egov()
        .args(["audit", "verify"])
        .env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not configured"), "{out}");
    // `serve` refuses to start without an audit key, and with the demo's accounts.
    let (code, _, err) = run(egov().args(["serve"]).env("EGOV_DATABASE_URL", &url));
    assert_ne!(code, 0);
    assert!(err.contains("no audit key"), "{err}");
    let (code, _, err) = run(egov()
        .args(["serve"])
        .env("EGOV_DATABASE_URL", &url)
        .env("EGOV_AUDIT_KEY_FILE", &key_file));
    assert_ne!(code, 0);
    assert!(err.contains("demo account"), "{err}");
    let (code, _, err) = run(egov()
        .args(["serve"])
        .env("EGOV_DATABASE_URL", &url)
        .env("EGOV_COOKIE_SECURE", "false"));
    assert_ne!(code, 0);
    assert!(err.contains("cookie_secure"), "{err}");

    // Tampering is caught and named.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = platform::db::Db::connect(&url, 1).await.unwrap();
        db.execute_script("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 3;")
            .await
            .unwrap();
        db.close().await;
    });
    let (code, out, _) = run(egov()
        .args(["audit", "verify"])
        .env("EGOV_DATABASE_URL", &url)
        .env("EGOV_AUDIT_KEY_FILE", &key_file));
    assert_eq!(code, 1);
    assert!(out.contains("BROKEN at entry 3"), "{out}");
    std::fs::remove_dir_all(data.parent().unwrap()).ok();
}

#[test]
fn serve_refuses_to_start_without_a_key_for_second_factor_secrets() {
    let dir = temp_dir("serve-key");
    let url = format!("sqlite://{}/egov.db", dir.display());
    // With the audit key set, so that the second-factor key is what is missing.
    let (code, _, err) = run(egov()
        .args(["serve"])
        .env("EGOV_DATABASE_URL", &url)
        .env("EGOV_AUDIT_KEY", crate::support::TEST_AUDIT_KEY));
    assert_ne!(code, 0);
    assert!(err.contains("totp_key is not set"), "{err}");
    let (code, _, err) = run(egov()
        .args(["serve"])
        .env("EGOV_DATABASE_URL", &url)
        .env("EGOV_AUDIT_KEY", crate::support::TEST_AUDIT_KEY)
        .env("EGOV_TOTP_KEY", "c2hvcnQ="));
    assert_ne!(code, 0);
    assert!(err.contains("totp_key must be 32 bytes"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn units_import_reports_bad_rows_and_writes_nothing() {
    let dir = temp_dir("import");
    let url = format!("sqlite://{}/egov.db", dir.display());
    let (code, out, _) = run(egov().arg("migrate").env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 0, "{out}");
    // Reference data comes with the demo loader; load it via the library.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = platform::db::Db::connect(&url, 2).await.unwrap();
        registry::seed::load(&db, &platform::audit::Actor::system("test"))
            .await
            .unwrap();
        db.close().await;
    });
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "ma_tinh,ma_xa,ten_xa\n40,16681,Xã Nghi Lộc\n4x,16682,Xã Hỏng\n40,16683,\n",
    )
    .unwrap();
    let (code, _, err) = run(egov()
        .args(["units", "import", bad.to_str().unwrap()])
        .env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 1);
    assert!(
        err.contains("Dòng 3, cột ma_tinh") && err.contains("Dòng 4, cột ten_xa"),
        "{err}"
    );
    let (_, _, err) = run(egov()
        .args(["units", "import", "--lang", "en", bad.to_str().unwrap()])
        .env("EGOV_DATABASE_URL", &url));
    assert!(err.contains("Line 3, column ma_tinh"), "{err}");

    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        "ma_tinh;ma_xa;ten_xa\n40;16681;Xã Nghi Lộc\n42;18070;Phường Thành Sen\n",
    )
    .unwrap();
    let (code, out, _) = run(egov()
        .args(["units", "import", "--dry-run", good.to_str().unwrap()])
        .env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 0);
    assert!(out.contains("chạy thử"), "{out}");
    let (code, out, _) = run(egov()
        .args(["units", "import", good.to_str().unwrap()])
        .env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 0);
    assert!(out.contains("2 đơn vị mới"), "{out}");

    // Users and tokens from the command line.
    let (code, out, err) = run(egov()
        .args([
            "admin",
            "user",
            "create",
            "--username",
            "canbo.moi",
            "--name",
            "Cán bộ mới",
            "--role",
            "reporter",
            "--scope",
            "unit:40",
        ])
        .env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("initial password"));
    let (code, out, _) = run(egov()
        .args(["admin", "user", "list"])
        .env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 0);
    assert!(out.contains("canbo.moi\tCán bộ mới\tactive"));
    let (code, _, err) = run(egov()
        .args([
            "admin",
            "user",
            "create",
            "--username",
            "X Y",
            "--name",
            "n",
            "--role",
            "viewer",
        ])
        .env("EGOV_DATABASE_URL", &url));
    assert_ne!(code, 0);
    assert!(
        err.contains("Tên đăng nhập") && err.contains("username"),
        "{err}"
    );
    let (code, out, _) = run(egov()
        .args([
            "admin",
            "token",
            "create",
            "--name",
            "Sở KH&ĐT",
            "--role",
            "reporter",
            "--scope",
            "agency:ubnd-40",
        ])
        .env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 0);
    assert!(out.contains("egov_"));
    let (code, out, _) = run(egov()
        .args(["audit", "verify"])
        .env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = run(egov()
        .arg("config")
        .env("EGOV_DATABASE_URL", "postgres://egov:s3cret@db/egov"));
    assert_eq!(code, 0);
    assert!(
        out.contains("[redacted]") && !out.contains("s3cret"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Entries from `from` on rewritten by someone without the key: `from` edited, every later plain
/// SHA-256 hash and the head recomputed.
async fn rewrite_plain(db: &platform::db::Db, from: i64) {
    let rows = db
        .fetch_all(
            "SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq",
            platform::params![from - 1],
        )
        .await
        .unwrap();
    let mut prev_hash: String = rows[0].get("hash").unwrap();
    for row in &rows[1..] {
        let mut e = platform::audit::Entry {
            seq: row.get("seq").unwrap(),
            at: row.get("at").unwrap(),
            actor_id: row.get("actor_id").unwrap(),
            actor_name: row.get("actor_name").unwrap(),
            ip: row.get("ip").unwrap(),
            action: row.get("action").unwrap(),
            object_type: row.get("object_type").unwrap(),
            object_id: row.get("object_id").unwrap(),
            before_json: row.get("before_json").unwrap(),
            after_json: row.get("after_json").unwrap(),
            prev_hash,
            hash: String::new(),
            key_id: None,
        };
        if e.seq == from {
            e.actor_name = "mallory".into();
        }
        e.hash = e.compute_hash();
        db.execute(
            "UPDATE audit_log SET actor_name = $1, prev_hash = $2, hash = $3, key_id = NULL WHERE seq = $4",
            platform::params![&e.actor_name, &e.prev_hash, &e.hash, e.seq],
        )
        .await
        .unwrap();
        prev_hash = e.hash;
    }
    db.execute(
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        platform::params![prev_hash],
    )
    .await
    .unwrap();
}

#[test]
fn audit_verify_names_every_attack() {
    use reporting::model::status::Action;
    let dir = temp_dir("attacks");
    let key_file = dir.join("audit.key");
    std::fs::write(&key_file, format!("{}\n", "5a".repeat(32))).unwrap();
    let checkpoints = dir.join("checkpoints");
    let url = format!("sqlite://{}/egov.db", dir.display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let key = platform::audit::AuditKey::from_hex(&"5a".repeat(32)).unwrap();
    // Approved reports of Nghệ An for two months, the second corrected; all sealed with the key.
    rt.block_on(async {
        let db = platform::db::Db::connect(&url, 2)
            .await
            .unwrap()
            .with_audit_key(Some(key.clone()));
        db.migrate().await.unwrap();
        let actor = platform::audit::Actor::system("test");
        registry::seed::load(&db, &actor).await.unwrap();
        reporting::engine::reference::load_default(&db, &actor)
            .await
            .unwrap();
        let t = reporting::store::templates::template(
            &db,
            reporting::model::template::MONTHLY_PROVINCIAL,
        )
        .await
        .unwrap()
        .unwrap();
        let unit = registry::store::unit_by_code(&db, "40", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        let entries = |v: &str| -> Vec<reporting::engine::save::Entry> {
            t.indicators
                .iter()
                .map(|i| reporting::engine::save::Entry {
                    indicator: i.code.clone(),
                    raw: if i.code == "RETAIL_SALES" { v } else { "100" }.to_owned(),
                    explanation: None,
                    lang: "en",
                })
                .collect()
        };
        for (p, v) in [("202507", "1000"), ("202508", "1010")] {
            let p = reporting::Period::parse(p).unwrap();
            let s = reporting::http::save::save(
                &db,
                &actor,
                &t,
                unit.id,
                &p,
                &entries(v),
                None,
                Action::Submit,
                None,
            )
            .await
            .unwrap();
            reporting::engine::decide::decide(
                &db,
                &actor,
                s.submission.id,
                s.submission.version,
                true,
                None,
            )
            .await
            .unwrap();
        }
        reporting::http::save::save(
            &db,
            &actor,
            &t,
            unit.id,
            &reporting::Period::parse("202508").unwrap(),
            &entries("1005"),
            None,
            Action::Correct,
            Some("Sổ theo dõi ghi thiếu"),
        )
        .await
        .unwrap();
        db.close().await;
    });
    let with_key = |c: &mut Command, db_url: &str| {
        c.env("EGOV_DATABASE_URL", db_url)
            .env("EGOV_AUDIT_KEY_FILE", &key_file)
            .env("EGOV_AUDIT_CHECKPOINT_DIR", &checkpoints);
    };
    let mut c = egov();
    c.args(["audit", "checkpoint"]);
    with_key(&mut c, &url);
    let (code, out, err) = run(&mut c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("checkpoint: entry "), "{out}");
    let head: i64 = out.split_whitespace().nth(2).unwrap().parse().unwrap();
    let mut c = egov();
    c.args(["audit", "verify"]);
    with_key(&mut c, &url);
    let (code, out, _) = run(&mut c);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("audit chain intact: {head} entries"))
            && out.contains("checkpoints checked: 1")
            && out.contains("audit trail intact"),
        "{out}"
    );

    // Each attack on its own copy of the database; verify must fail and name what broke.
    let attacks: [(&str, &str); 4] = [
        (
            "rewind",
            "a published checkpoint names it, but the chain now ends at",
        ),
        (
            "rehash",
            "BROKEN at entry 5: it is not sealed with the audit key",
        ),
        (
            "values",
            "report BC-KTXH-THANG of unit 40 for 202507: the approved values differ",
        ),
        ("history", "value history written by entry"),
    ];
    for (attack, expected) in attacks {
        let copy = dir.join(format!("{attack}.db"));
        let copy_url = format!("sqlite://{}", copy.display());
        rt.block_on(async {
            let db = platform::db::Db::connect(&url, 1).await.unwrap();
            db.execute_script(&format!("VACUUM INTO '{}'", copy.display()))
                .await
                .unwrap();
            db.close().await;
            let db = platform::db::Db::connect(&copy_url, 1).await.unwrap();
            db.execute_script(
                "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
            )
            .await
            .unwrap();
            match attack {
                "rewind" => db
                    .execute_script(&format!(
                        "DELETE FROM audit_log WHERE seq > {0}; \
                         UPDATE audit_head SET seq = {0}, hash = (SELECT hash FROM audit_log WHERE seq = {0});",
                        head - 5
                    ))
                    .await
                    .unwrap(),
                "rehash" => rewrite_plain(&db, 5).await,
                "values" => db
                    .execute_script(
                        "UPDATE data_values SET value = value * 10 WHERE approved AND period = '202507' \
                         AND unit_id = (SELECT id FROM units WHERE code = '40' AND level = 'province')",
                    )
                    .await
                    .unwrap(),
                _ => db
                    .execute_script("UPDATE value_changes SET changes = replace(changes, '1005', '1500')")
                    .await
                    .unwrap(),
            }
            db.close().await;
        });
        let mut c = egov();
        // The checkpoint directory given on the command line this time.
        c.args(["audit", "verify", "--checkpoints"])
            .arg(&checkpoints)
            .env("EGOV_DATABASE_URL", &copy_url)
            .env("EGOV_AUDIT_KEY_FILE", &key_file);
        let (code, out, err) = run(&mut c);
        assert_eq!(code, 1, "{attack}: {out}{err}");
        assert!(out.contains(expected), "{attack}: {out}");
        assert!(out.contains("audit trail BROKEN"), "{attack}: {out}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
