//! The production first start, word for word as `docs/operations.md` ("First start") tells an
//! operator: a fresh database, `egov migrate` (schema and reference data), the first system
//! administrator from the command line, `egov serve` nodes behind a TLS proxy (two on
//! PostgreSQL, one on SQLite), then through HTTP as the proxy passes it: the administrator signs
//! in with TOTP and creates a reporter and an approver for a province, the reporter submits on
//! node B, the approver approves on node A, the national total shows on every node, and
//! `egov audit verify` passes. Then the upgrade: the reference step again changes nothing, a
//! newer reference version adds and corrects a record, and a record changed locally is reported
//! as a conflict, not overwritten.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The public name the reverse proxy answers to; it passes `Host` and `Origin` unchanged.
const PUBLIC_HOST: &str = "egov.example.vn";

fn egov(config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_egov"));
    c.env_remove("EGOV_DATABASE_URL")
        .env_remove("EGOV_REFERENCE_DIR")
        .env("RUST_LOG", "warn")
        .arg("--config")
        .arg(config);
    c
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Run and require success; returns standard output.
fn ok(cmd: &mut Command) -> String {
    let (code, out, err) = run(cmd);
    assert_eq!(code, 0, "{cmd:?}\nstdout: {out}\nstderr: {err}");
    out
}

/// `/etc/egov/egov.toml` of the First start section. Every setting of the story is here, so
/// that a new required setting (a secret key) is one line in this function.
fn production_config(dir: &Path, database_url: &str) -> PathBuf {
    let path = dir.join("egov.toml");
    // The keys, as step 2 makes them: the audit key in a file of its own, the TOTP key inline.
    let audit_key = dir.join("audit.key");
    std::fs::write(&audit_key, format!("{}\n", crate::support::TEST_AUDIT_KEY)).unwrap();
    let checkpoints = dir.join("audit-checkpoints");
    std::fs::create_dir_all(&checkpoints).unwrap();
    let text = format!(
        "database_url = \"{database_url}\"\n\
         cookie_secure = true\n\
         db_max_connections = 4\n\
         job_workers = 1\n\
         totp_key = \"{}\"\n\
         audit_key_file = \"{}\"\n\
         audit_checkpoint_dir = \"{}\"\n",
        crate::support::TEST_TOTP_KEY,
        audit_key.display(),
        checkpoints.display()
    );
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One `egov serve` node; stopped with SIGKILL when dropped (the test's end or a failure).
struct Node {
    child: Child,
    port: u16,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_node(config: &Path, name: &str) -> Node {
    let port = free_port();
    let child = egov(config)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("EGOV_NODE_ID", name)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut node = Node { child, port };
    let start = Instant::now();
    loop {
        if let Ok(r) = Http::new(port).try_request("GET", "/readyz", None)
            && r.status == 200
        {
            return node;
        }
        if let Ok(Some(status)) = node.child.try_wait() {
            panic!("egov serve ({name}) exited: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{name} not ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A browser behind the proxy: HTTP/1.1 over TCP to a node, the public `Host`, the `Origin` of
/// the HTTPS site on every form, cookies kept (also across nodes, as the proxy balances).
struct Http {
    port: u16,
    cookies: HashMap<String, String>,
}

impl Http {
    fn new(port: u16) -> Http {
        Http {
            port,
            cookies: HashMap::new(),
        }
    }

    fn try_request(
        &mut self,
        method: &str,
        path: &str,
        form: Option<&[(&str, &str)]>,
    ) -> std::io::Result<Response> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let body = form
            .map(|f| serde_urlencoded::to_string(f).unwrap())
            .unwrap_or_default();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {PUBLIC_HOST}\r\nConnection: close\r\n\
             X-Forwarded-Proto: https\r\nAccept-Language: vi\r\n"
        );
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            head.push_str(&format!("Cookie: {}\r\n", c.join("; ")));
        }
        if method != "GET" {
            head.push_str(&format!(
                "Origin: https://{PUBLIC_HOST}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes())?;
        s.write_all(body.as_bytes())?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)?;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| std::io::Error::other("no header end"))?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut body = raw[split + 4..].to_vec();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other("bad status line"))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        if headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
        }) {
            body = dechunk(&body);
        }
        for (k, v) in &headers {
            if !k.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            // What a browser does on an HTTPS site: Secure cookies are kept.
            let (kv, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = kv.split_once('=').unwrap_or((kv, ""));
            if value.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Ok(Response {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    fn get(&mut self, path: &str) -> Response {
        self.try_request("GET", path, None).unwrap()
    }

    /// Post a form with the CSRF field from its cookie, as the page's hidden field carries it.
    fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        if !self.cookies.contains_key("egov_csrf") {
            self.get("/login");
        }
        let csrf = self.cookies["egov_csrf"].clone();
        let mut all = fields.to_vec();
        all.push(("csrf", &csrf));
        self.try_request("POST", path, Some(&all)).unwrap()
    }

    /// The sign-in form; returns where it sends the user.
    fn sign_in(&mut self, username: &str, password: &str) -> String {
        let r = self.post(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("next", "/"),
            ],
        );
        assert_eq!(r.status, 303, "sign-in {username}: {}", r.body);
        r.location().to_owned()
    }

    /// The forced change of a one-time password; the user signs in again afterwards.
    fn change_password(&mut self, current: &str, new: &str) {
        let r = self.post(
            "/account/password",
            &[
                ("current", current),
                ("new_password", new),
                ("confirm", new),
            ],
        );
        assert_eq!(r.status, 303, "password change: {}", r.body);
        assert_eq!(r.location(), "/login");
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
    out
}

/// The code an authenticator app shows `steps` periods of 30 s from now (RFC 6238, SHA-1, 6
/// digits). A code is never used twice: each sign-in takes the next step's.
fn totp_code(secret: &str, steps: u64) -> String {
    let t = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    t.generate(now + 30 * steps).to_string()
}

/// The text of the first `<… id="ID">…<` element of a page.
fn element_text<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let from = start + page[start..].find('>').unwrap() + 1;
    let to = from + page[from..].find('<').unwrap();
    &page[from..to]
}

/// The value of a hidden or text input of a page.
fn input_value<'a>(page: &'a str, name: &str) -> &'a str {
    let at = page
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no input {name} in {page}"));
    let from = at + format!("name=\"{name}\" value=\"").len();
    &page[from..from + page[from..].find('"').unwrap()]
}

fn national_retail(node: u16, period: &str) -> Option<f64> {
    let r = Http::new(node).get(&format!(
        "/api/v1/data?indicator=RETAIL_SALES&unit=VN&period={period}"
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    v["items"][0]["value"].as_f64()
}

/// The story on one database with `nodes` nodes (node B is node A when there is one).
fn first_start(database_url: &str, nodes: usize, tag: &str) {
    let dir = std::env::temp_dir().join(format!("egov-first-start-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = production_config(&dir, database_url);

    // 1. Schema and reference data.
    let out = ok(egov(&config).arg("migrate"));
    assert!(out.contains("migrations: "), "{out}");
    for set in [
        "registry.units",
        "registry.lineage",
        "registry.agencies",
        "reporting.indicators",
        "reporting.templates",
        "reporting.template_indicators",
        "reporting.rules",
        "reporting.holidays",
        "services.fields",
        "services.procedures",
        "cabinet.bodies",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{set} ")))
            .unwrap_or_else(|| panic!("{set} not applied: {out}"));
        assert!(!line.contains(": 0 thêm mới"), "{line}");
    }
    // Running the reference step again changes nothing.
    let again = ok(egov(&config).arg("migrate"));
    assert_eq!(
        again
            .lines()
            .filter(|l| l.contains(": 0 thêm mới, 0 cập nhật, 0 xung đột"))
            .count(),
        11,
        "{again}"
    );
    let status = ok(egov(&config).args(["reference", "status", "--lang", "en"]));
    assert_eq!(
        status
            .matches("0 to add, 0 to update, 0 conflicts, 0 changed locally")
            .count(),
        11,
        "{status}"
    );

    // 2. The first system administrator, with a one-time password.
    let out = ok(egov(&config).args([
        "admin",
        "user",
        "create",
        "--username",
        "nguyen.van.a",
        "--name",
        "Nguyễn Văn A",
        "--role",
        "system_admin",
    ]));
    let one_time = out
        .rsplit_once(": ")
        .map(|(_, p)| p.trim().to_owned())
        .unwrap_or_else(|| panic!("no password in {out}"));

    // 3. The nodes.
    let a = start_node(&config, "node-a");
    let b = if nodes > 1 {
        Some(start_node(&config, "node-b"))
    } else {
        None
    };
    let b_port = b.as_ref().map_or(a.port, |n| n.port);
    for port in [a.port, b_port] {
        let r = Http::new(port).get("/api/v1/units?level=province");
        assert!(r.body.contains("\"total\":34"), "{}", r.body);
        let r = Http::new(port).get("/api/v1/agencies");
        assert!(r.body.contains("Bộ Tài chính"), "{}", r.body);
        let r = Http::new(port).get("/api/v1/indicators");
        assert!(r.body.contains("RETAIL_SALES"), "{}", r.body);
    }

    // 4. The administrator's first sign-in on node A: TOTP enrolment, then a new password.
    let mut admin = Http::new(a.port);
    assert_eq!(admin.sign_in("nguyen.van.a", &one_time), "/account/totp");
    let r = admin.get("/admin/users");
    assert_eq!(r.location(), "/account/totp", "nothing before enrolment");
    assert_eq!(admin.get("/api/v1/me").status, 401, "nor through the API");
    let page = admin.get("/account/totp");
    assert_eq!(page.status, 200);
    let secret = element_text(&page.body, "totp-secret").to_owned();
    let r = admin.post("/account/totp", &[("code", &totp_code(&secret, 0))]);
    assert_eq!(r.status, 303, "{}", r.body);
    let r = admin.get("/admin/users");
    assert_eq!(
        r.location(),
        "/account/password",
        "the one-time password must be changed before anything else"
    );
    let r = admin.get("/api/v1/me");
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("password_change_required"), "{}", r.body);
    let admin_password = "Mật khẩu quản trị hệ thống 2026";
    admin.change_password(&one_time, admin_password);
    assert!(
        admin
            .sign_in("nguyen.van.a", admin_password)
            .starts_with("/login/totp")
    );
    let r = admin.post(
        "/login/totp",
        &[("code", &totp_code(&secret, 1)), ("next", "/")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(admin.get("/admin/users").status, 200);

    // 5. A reporter and an approver for Nghệ An (unit 40).
    let temp = "Mật khẩu tạm thời 2026";
    for (username, name, role) in [
        ("baocao.40", "Nguyễn Văn Bình", "reporter"),
        ("pheduyet.40", "Trần Thị Cúc", "approver"),
    ] {
        let r = admin.post(
            "/admin/users",
            &[
                ("username", username),
                ("display_name", name),
                ("email", ""),
                ("password", temp),
                ("role", role),
                ("scope_kind", "unit"),
                ("scope_code", "40"),
            ],
        );
        assert_eq!(r.status, 201, "create {username}: {}", r.body);
    }

    // 6. The reporter, on node B, changes the temporary password and submits.
    let period = reporting::model::calendar::latest_due_month(registry::Day::today().0).id();
    let form = format!("/reporting/40/{period}");
    let mut reporter = Http::new(b_port);
    assert_eq!(reporter.sign_in("baocao.40", temp), "/account/password");
    let reporter_password = "Mật khẩu người báo cáo 2026";
    reporter.change_password(temp, reporter_password);
    // A reporter lands on the worklist (issue 11, item 16).
    assert_eq!(
        reporter.sign_in("baocao.40", reporter_password),
        "/reporting/worklist"
    );
    let page = reporter.get(&form);
    assert_eq!(page.status, 200, "{}", page.body);
    let codes: Vec<String> = page
        .body
        .split("name=\"v_")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect();
    assert!(codes.iter().any(|c| c == "RETAIL_SALES"), "{codes:?}");
    let fields: Vec<(String, String)> = codes
        .iter()
        .map(|c| {
            let v = if c == "RETAIL_SALES" {
                "12.345,5"
            } else {
                "100"
            };
            (format!("v_{c}"), v.to_owned())
        })
        .collect();
    let mut all: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let version = input_value(&page.body, "version").to_owned();
    all.extend([("action", "submit"), ("version", version.as_str())]);
    let r = reporter.post(&form, &all);
    assert!(
        matches!(r.status, 200 | 303),
        "submit: {} {}",
        r.status,
        r.body
    );
    assert_eq!(
        national_retail(a.port, &period),
        None,
        "not before approval"
    );

    // 7. The approver approves on node A.
    let mut approver = Http::new(a.port);
    assert_eq!(approver.sign_in("pheduyet.40", temp), "/account/password");
    let approver_password = "Mật khẩu người phê duyệt 2026";
    approver.change_password(temp, approver_password);
    approver.sign_in("pheduyet.40", approver_password);
    let page = approver.get(&form);
    let version = input_value(&page.body, "version").to_owned();
    let r = approver.post(&form, &[("action", "approve"), ("version", &version)]);
    assert_eq!(r.status, 303, "approve: {}", r.body);

    // 8. The national total on every node.
    for port in [a.port, b_port] {
        assert_eq!(national_retail(port, &period), Some(12345.5), "node {port}");
    }
    drop(b);
    drop(a);

    // 9. The audit chain is intact.
    let out = ok(egov(&config).args(["audit", "verify"]));
    assert!(out.contains("intact"), "{out}");

    // 10. Upgrade: a newer reference version with one corrected and one added agency (and one
    // added holiday); the operator changed the Ministry of Health locally, which the new
    // version also renames: a conflict, reported and not overwritten.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = platform::db::Db::connect(database_url, 1).await.unwrap();
        db.execute(
            "UPDATE agencies SET name_vi = 'Bộ Y tế (sửa tại chỗ)' WHERE code = 'byt'",
            platform::params![],
        )
        .await
        .unwrap();
        db.close().await;
    });
    let newer = crate::reference_data::newer_version(tag);
    let status = ok(egov(&config)
        .args(["reference", "status", "--lang", "en"])
        .arg("--reference-dir")
        .arg(&newer));
    assert!(
        status.contains("registry.agencies: applied 2025.1, shipped 2099.1; 105 records, 1 to add, 1 to update, 1 conflicts"),
        "{status}"
    );
    let out = ok(egov(&config)
        .args(["reference", "apply", "--lang", "en"])
        .arg("--reference-dir")
        .arg(&newer));
    assert!(
        out.contains("registry.agencies version 2099.1: 1 added, 1 updated, 1 conflicts"),
        "{out}"
    );
    assert!(
        out.contains("CONFLICT (changed locally, not overwritten) registry.agencies:byt"),
        "{out}"
    );
    assert!(
        out.contains(
            "name_vi: local \"Bộ Y tế (sửa tại chỗ)\", shipped \"Bộ Y tế (đổi tên 2099)\""
        ),
        "{out}"
    );
    assert!(
        out.contains("reporting.holidays version 2099.1: 1 added, 0 updated, 0 conflicts"),
        "{out}"
    );
    // Through the upgrade's own command, with the directory in the environment: nothing more.
    let out = ok(egov(&config)
        .args(["migrate", "--lang", "en"])
        .env("EGOV_REFERENCE_DIR", &newer));
    assert!(
        out.contains("registry.agencies version 2099.1: 0 added, 0 updated, 1 conflicts"),
        "{out}"
    );
    let a = start_node(&config, "node-a");
    let agencies = Http::new(a.port).get("/api/v1/agencies?kind=ministry").body;
    drop(a);
    assert!(
        agencies.contains("Bộ Tài chính (đổi tên 2099)"),
        "{agencies}"
    );
    assert!(agencies.contains("Bộ Kiểm thử"), "{agencies}");
    assert!(agencies.contains("Bộ Y tế (sửa tại chỗ)"), "{agencies}");
    let out = ok(egov(&config).args(["audit", "verify"]));
    assert!(out.contains("intact"), "{out}");
    std::fs::remove_dir_all(&newer).ok();
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn first_start_sqlite_one_node() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = rt.block_on(crate::support::fresh_database("sqlite"));
    first_start(&url, 1, "sqlite");
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test provides one"]
fn first_start_postgres_two_nodes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = rt.block_on(crate::support::fresh_database("postgres"));
    first_start(&url, 2, "postgres");
}
