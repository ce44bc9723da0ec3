//! Test harness: a real egov router on a fresh database (SQLite file or a new PostgreSQL
//! database), and a client that keeps cookies and fills in the CSRF field like a browser.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use platform::audit::Actor;
use platform::config::{Config, Secret};
use platform::db::Db;
use platform::identity::access::{Role, Scope};
use platform::identity::{self, Directory, NewUser};
use tower::ServiceExt;

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        platform::db::now_ms() % 1_000_000
    )
}

/// The PostgreSQL server URL given by scripts/test.
pub fn postgres_url() -> String {
    std::env::var("EGOV_TEST_POSTGRES_URL").expect(
        "EGOV_TEST_POSTGRES_URL is not set: run scripts/test, which starts a throwaway PostgreSQL",
    )
}

/// A fresh, empty database; returns its URL.
pub async fn fresh_database(backend: &str) -> String {
    match backend {
        "sqlite" => {
            let dir = std::env::temp_dir().join("egov-tests");
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}/{}.db", dir.display(), unique("t"))
        }
        "postgres" => {
            let admin_url = postgres_url();
            let admin = Db::connect(&admin_url, 1)
                .await
                .expect("connect to PostgreSQL");
            let name = unique("egov_t");
            admin
                .execute_script(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await;
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b)
                .unwrap_or(&admin_url);
            format!("{base}/{name}")
        }
        other => panic!("unknown backend {other}"),
    }
}

/// The audit key of every test application (hexadecimal, 32 bytes).
pub const TEST_AUDIT_KEY: &str = "6b6579206f6620746865207465737420617564697420636861696e2c20333262";

/// [`TEST_AUDIT_KEY`] as a key.
pub fn test_audit_key() -> platform::audit::AuditKey {
    platform::audit::AuditKey::from_hex(TEST_AUDIT_KEY).expect("a valid key")
}

/// The key that seals second-factor secrets in every test database (each node of a database
/// must have the same).
pub const TEST_TOTP_KEY: &str = "dGVzdC1rZXktb2YtZWdvdi1zZWNvbmQtZmFjdG9yLTE=";

pub fn test_totp_key() -> platform::identity::sealed::SecretKey {
    platform::identity::sealed::SecretKey::from_base64(TEST_TOTP_KEY).unwrap()
}

pub struct TestApp {
    pub router: Router,
    pub db: Db,
    pub url: String,
    pub backend: &'static str,
    /// Whether closing this app removes its database: only the node that created it does, so a
    /// second node closing first cannot pull the SQLite file from under the first one.
    owns_database: bool,
    /// Set by a test that tampers with the database: its trail is not checked at the end.
    tampered: std::sync::atomic::AtomicBool,
}

/// A response with its body read.
pub struct Res {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Res {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
    /// The first error code of a JSON error envelope.
    pub fn error_code(&self) -> String {
        self.json()["errors"][0]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

impl TestApp {
    pub async fn new(backend: &'static str) -> TestApp {
        let url = fresh_database(backend).await;
        let mut app = Self::on(backend, &url).await;
        app.owns_database = true;
        app
    }

    /// Another node on the same database (for multi-node tests).
    pub async fn on(backend: &'static str, url: &str) -> TestApp {
        let mut config = Config {
            database_url: Secret::new(url),
            cookie_secure: false,
            db_max_connections: 5,
            audit_key: Some(Secret::new(TEST_AUDIT_KEY)),
            totp_key: Some(Secret::new(TEST_TOTP_KEY)),
            ..Config::default()
        };
        config.node_id = unique("node");
        let db = egov::connect(&config).await.expect("connect and migrate");
        registry::seed::load(&db, &Actor::system("test"))
            .await
            .expect("seed");
        let state = egov::state(db.clone(), config);
        let router = egov::router(state.clone());
        TestApp {
            router,
            db,
            url: url.to_owned(),
            backend,
            owns_database: false,
            tampered: Default::default(),
        }
    }

    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            db: self.db.clone(),
            cookies: HashMap::new(),
            lang: None,
            bearer: None,
            accept: None,
            peer: None,
        }
    }

    pub async fn scope(&self, kind: &str, code: &str) -> Scope {
        registry::RegistryDirectory {
            db: self.db.clone(),
        }
        .find_scope(kind, code)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no scope {kind} {code}"))
    }

    /// Create a user holding one role; returns the password. Administrators get a second factor
    /// enrolled, whose secret is returned too.
    pub async fn user(&self, username: &str, role: Role, scope: Scope) -> (String, Option<String>) {
        let password = "Mật khẩu thử nghiệm 2026".to_owned();
        let id = identity::create_user(
            &self.db,
            &Actor::system("test"),
            NewUser {
                username: username.into(),
                display_name: format!("Người dùng {username}"),
                email: None,
                password: password.clone(),
                locale: None,
                must_change_password: false,
                is_demo: false,
            },
            Some((role, scope)),
        )
        .await
        .unwrap_or_else(|e| panic!("create {username}: {:?}", e.problems));
        let secret = if role.requires_totp() {
            let s = identity::totp::new_secret();
            identity::set_totp_secret(&self.db, &test_totp_key(), &Actor::system("test"), id, &s)
                .await
                .unwrap();
            identity::enable_totp(&self.db, &Actor::system("test"), id)
                .await
                .unwrap();
            Some(s)
        } else {
            None
        };
        (password, secret)
    }

    /// A client signed in as a new user with this role and scope.
    pub async fn signed_in(&self, username: &str, role: Role, scope: Scope) -> Client {
        let (password, secret) = self.user(username, role, scope).await;
        let mut c = self.client();
        c.login(username, &password, secret.as_deref()).await;
        c
    }

    pub async fn audit_count(&self) -> i64 {
        self.db
            .fetch_one("SELECT COUNT(*) AS n FROM audit_log", platform::params![])
            .await
            .unwrap()
            .get("n")
            .unwrap()
    }

    pub async fn count(&self, table_and_where: &'static str) -> i64 {
        self.db
            .fetch_one(table_and_where, platform::params![])
            .await
            .unwrap()
            .get("n")
            .unwrap()
    }

    pub async fn count_where(&self, sql: &'static str, value: &str) -> i64 {
        self.db
            .fetch_one(sql, platform::params![value])
            .await
            .unwrap()
            .get("n")
            .unwrap()
    }

    /// The histories of approved values kept by approval and corrections (`unit_series`) are
    /// what a rebuild from `data_values` gives. Every story checks this when it closes its app.
    pub async fn assert_series_kept(&self) {
        fn read(rows: Vec<platform::db::Row>) -> Vec<(i64, Vec<u8>)> {
            rows.iter()
                .map(|r| {
                    (
                        r.get("unit_id").unwrap(),
                        r.get::<Vec<u8>>("points").unwrap(),
                    )
                })
                .filter(|(_, p)| !p.is_empty())
                .collect()
        }
        const ALL: &str = "SELECT unit_id, points FROM unit_series ORDER BY unit_id";
        let kept = read(self.db.fetch_all(ALL, platform::params![]).await.unwrap());
        let mut tx = self.db.begin().await.unwrap();
        reporting::series::rebuild(&mut tx).await.unwrap();
        let rebuilt = read(tx.fetch_all(ALL, platform::params![]).await.unwrap());
        drop(tx);
        assert_eq!(
            kept.iter()
                .map(|(u, p)| (*u, p.len() / 17))
                .collect::<Vec<_>>(),
            rebuilt
                .iter()
                .map(|(u, p)| (*u, p.len() / 17))
                .collect::<Vec<_>>(),
            "kept histories (unit, values) differ from a rebuild"
        );
        assert!(
            kept == rebuilt,
            "kept histories differ from a rebuild in their values"
        );
        // So are the provinces' totals (`province_totals`) the national roll-up reads.
        const TOTALS: &str = "SELECT indicator_id, period, n, total, min_value, max_value \
                              FROM province_totals ORDER BY indicator_id, period";
        type Total = (i64, String, i64, [f64; 3]);
        let totals = |rows: Vec<platform::db::Row>| -> Vec<Total> {
            rows.iter()
                .map(|r| {
                    (
                        r.get("indicator_id").unwrap(),
                        r.get("period").unwrap(),
                        r.get("n").unwrap(),
                        ["total", "min_value", "max_value"].map(|c| r.get::<f64>(c).unwrap()),
                    )
                })
                .collect()
        };
        let kept = totals(
            self.db
                .fetch_all(TOTALS, platform::params![])
                .await
                .unwrap(),
        );
        let mut tx = self.db.begin().await.unwrap();
        reporting::data::refresh_province_totals(&mut tx, None)
            .await
            .unwrap();
        let rebuilt = totals(tx.fetch_all(TOTALS, platform::params![]).await.unwrap());
        drop(tx);
        assert_eq!(kept.len(), rebuilt.len(), "province totals kept vs rebuilt");
        for (k, r) in kept.iter().zip(&rebuilt) {
            assert_eq!(
                (k.0, &k.1, k.2),
                (r.0, &r.1, r.2),
                "province totals kept vs rebuilt"
            );
            for (a, b) in k.3.iter().zip(&r.3) {
                assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{k:?} vs {r:?}");
            }
        }
    }

    /// This test tampers with the database on purpose.
    pub fn mark_tampered(&self) {
        self.tampered
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// What every story leaves passes `egov audit verify`: the chain, and the approved values
    /// and value history against what the trail recorded.
    pub async fn assert_trail_intact(&self) {
        let report = platform::audit::verify_all(&self.db, &[], &egov::audit_checks())
            .await
            .unwrap();
        assert!(report.is_intact(), "{report}");
    }

    pub async fn close(self) {
        self.assert_series_kept().await;
        if !self.tampered.load(std::sync::atomic::Ordering::Relaxed) {
            self.assert_trail_intact().await;
        }
        self.db.close().await;
        if self.owns_database
            && self.backend == "sqlite"
            && let Some(path) = self.url.strip_prefix("sqlite://")
        {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
    }
}

/// A browser-like client: keeps cookies, sends the CSRF field with every form.
#[derive(Clone)]
pub struct Client {
    router: Router,
    db: Db,
    pub cookies: HashMap<String, String>,
    pub lang: Option<&'static str>,
    pub bearer: Option<String>,
    /// An `Accept` header to send (none by default, like most clients).
    pub accept: Option<&'static str>,
    /// The client's address as the server sees the TCP peer (none: unknown).
    pub peer: Option<std::net::SocketAddr>,
}

impl Client {
    pub async fn request(&mut self, method: &str, path: &str, body: Option<String>) -> Res {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost");
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            b = b.header(header::COOKIE, c.join("; "));
        }
        if let Some(l) = self.lang {
            b = b.header(header::ACCEPT_LANGUAGE, l);
        }
        if let Some(t) = &self.bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(a) = self.accept {
            b = b.header(header::ACCEPT, a);
        }
        if body.is_some() {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let mut req = b.body(Body::from(body.unwrap_or_default())).unwrap();
        if let Some(peer) = self.peer {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (kv, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if val.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Res {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Send a JSON body (API clients).
    pub async fn request_json(&mut self, method: &str, path: &str, body: String) -> Res {
        self.request_typed(method, path, body, "application/json")
            .await
    }

    /// Send a CSV body (DHIS2 clients).
    pub async fn request_csv(&mut self, path: &str, body: String) -> Res {
        self.request_typed("POST", path, body, "application/csv")
            .await
    }

    pub async fn request_typed(
        &mut self,
        method: &str,
        path: &str,
        body: String,
        content_type: &str,
    ) -> Res {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::CONTENT_TYPE, content_type);
        if let Some(l) = self.lang {
            b = b.header(header::ACCEPT_LANGUAGE, l);
        }
        if let Some(t) = &self.bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let res = self
            .router
            .clone()
            .oneshot(b.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Res {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Res {
        self.request("GET", path, None).await
    }

    /// Post a form as a browser would: with the CSRF field from the cookie.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Res {
        if !self.cookies.contains_key("egov_csrf") {
            self.get("/healthz").await;
        }
        let csrf = self.cookies["egov_csrf"].clone();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &csrf));
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.request("POST", path, Some(body)).await
    }

    /// Post a multipart form with one file, as a browser uploads (CSRF field included).
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        file: &[u8],
    ) -> Res {
        if !self.cookies.contains_key("egov_csrf") {
            self.get("/healthz").await;
        }
        let boundary = "egovboundary7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        let csrf = self.cookies["egov_csrf"].clone();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if !fields.iter().any(|(k, _)| *k == "csrf") {
            all.push(("csrf", &csrf));
        }
        for (k, v) in all {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"bao-cao.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n")
                .as_bytes(),
        );
        body.extend(file);
        body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
        let c: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let req = Request::builder()
            .method("POST")
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::COOKIE, c.join("; "))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Res {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Get raw bytes (downloads).
    pub async fn get_bytes(&mut self, path: &str) -> (StatusCode, Vec<u8>) {
        let c: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut b = Request::builder()
            .uri(path)
            .header(header::HOST, "localhost");
        if !c.is_empty() {
            b = b.header(header::COOKIE, c.join("; "));
        }
        let res = self
            .router
            .clone()
            .oneshot(b.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        (
            status,
            res.into_body().collect().await.unwrap().to_bytes().to_vec(),
        )
    }

    /// Post without a CSRF field (an attacker's form).
    pub async fn post_without_csrf(&mut self, path: &str, fields: &[(&str, &str)]) -> Res {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.request("POST", path, Some(body)).await
    }

    /// Sign in (with the second factor if a secret is given); panics if it fails.
    pub async fn login(&mut self, username: &str, password: &str, totp_secret: Option<&str>) {
        let r = self
            .post(
                "/login",
                &[
                    ("username", username),
                    ("password", password),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login {username}: {}",
            r.body
        );
        if let Some(secret) = totp_secret {
            assert!(
                r.location().starts_with("/login/totp"),
                "expected TOTP step, got {}",
                r.location()
            );
            let code = self.fresh_totp_code(username, secret).await;
            let r = self
                .post("/login/totp", &[("code", &code), ("next", "/")])
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "totp: {}", r.body);
        }
    }
}

impl Client {
    /// A code of a time step the user has not used yet (a code is accepted once), waiting for
    /// the next step if this one and the next are used.
    pub async fn fresh_totp_code(&self, username: &str, secret: &str) -> String {
        loop {
            let last: Option<i64> = self
                .db
                .fetch_one(
                    "SELECT totp_last_step FROM users WHERE username = $1",
                    platform::params![identity::normalize_username(username)],
                )
                .await
                .unwrap()
                .get("totp_last_step")
                .unwrap();
            let now = identity::totp::current_step();
            if let Some(step) = (now..=now + 1).find(|s| last.is_none_or(|l| *s as i64 > l)) {
                return identity::totp::at_step(secret, step).unwrap();
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }
}

/// Generate a test on each backend: `on_both!(name, |app| async move { ... });`. The
/// PostgreSQL variant is ignored by plain `cargo test` and run by scripts/test.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::support::TestApp::new("sqlite").await;
                ($body)(&app).await;
                app.close().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs PostgreSQL: scripts/test provides one"]
            async fn postgres() {
                let app = $crate::support::TestApp::new("postgres").await;
                ($body)(&app).await;
                app.close().await;
            }
        }
    };
}
