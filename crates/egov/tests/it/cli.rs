//! The `egov` binary as an operator uses it (SQLite; PostgreSQL is covered by the stories).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn egov() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_egov"));
    c.env_remove("EGOV_DATABASE_URL").env("RUST_LOG", "warn");
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
    let data = temp_dir("demo");
    let (mut child, port, out) = start_demo(&data);
    assert!(
        out.contains("admin ") && out.contains("system_admin national"),
        "{out}"
    );
    assert!(http_get(port, "/healthz").ends_with("ok"));
    assert!(http_get(port, "/readyz").contains("ready"));
    let accounts = std::fs::read_to_string(data.join("demo-accounts.txt")).unwrap();
    let lines: Vec<&str> = accounts.lines().collect();
    assert_eq!(lines.len(), 9);
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
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // Again: data kept, passwords not regenerated.
    let (mut child, port, out) = start_demo(&data);
    assert!(!out.contains("system_admin national"), "{out}");
    assert_eq!(
        std::fs::read_to_string(data.join("demo-accounts.txt")).unwrap(),
        accounts
    );
    assert!(http_get(port, "/api/v1/units?level=province").contains("\"total\":34"));
    child.kill().unwrap();
    child.wait().unwrap();

    // The demo database passes the audit check; `serve` refuses it (demo accounts are active).
    let url = format!("sqlite://{}/egov.db", data.display());
    let (code, out, _) = run(egov()
        .args(["audit", "verify"])
        .env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact"));
    // The demo's reference data is the release's, applied by the same mechanism as `migrate`.
    let (code, out, _) = run(egov()
        .args(["reference", "status", "--lang", "en"])
        .env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.matches(": applied 2025.1, shipped 2025.1;").count(),
        8,
        "{out}"
    );
    assert_eq!(
        out.matches("0 to add, 0 to update, 0 conflicts").count(),
        8,
        "{out}"
    );
    let (code, _, err) = run(egov().args(["serve"]).env("EGOV_DATABASE_URL", &url));
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
        .env("EGOV_DATABASE_URL", &url));
    assert_eq!(code, 1);
    assert!(out.contains("BROKEN at entry 3"), "{out}");
    std::fs::remove_dir_all(&data).ok();
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
