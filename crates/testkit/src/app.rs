//! The test app and its HTTP client: everything a test starts from (re-exported at the crate
//! root).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
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
use platform::web::AppState;
use tower::ServiceExt;

/// A boxed future (the hooks of a [`Wiring`]).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a test binary builds its application: the kit knows no capability.
pub struct Wiring {
    /// Names this wiring's template database (PostgreSQL).
    pub name: &'static str,
    /// Connect and migrate (and whatever the crate fills after migrations).
    pub connect: for<'a> fn(&'a Config) -> BoxFuture<'a, anyhow::Result<Db>>,
    /// The router of the application on a state.
    pub router: fn(AppState) -> Router,
    /// The OpenAPI document the state serves at /api/v1/openapi.json.
    pub openapi: fn() -> serde_json::Value,
    /// The checks `egov audit verify` runs after the chain.
    pub audit_checks: fn() -> platform::audit::Checks,
    /// What every app of this wiring checks when it closes (kept tables equal a rebuild…).
    pub on_close: for<'a> fn(&'a TestApp) -> BoxFuture<'a, ()>,
    /// The migrated and seeded template database of this process (PostgreSQL), made once.
    pub template: tokio::sync::OnceCell<String>,
}

impl Wiring {
    /// The platform's shell with the registry: for the tests of `platform` and `registry`.
    pub const fn registry() -> Wiring {
        Wiring {
            name: "registry",
            connect: |config| Box::pin(connect_and_migrate(config)),
            router: |state| platform::web::app(state, vec![registry::router()]),
            openapi: || serde_json::json!({}),
            audit_checks: platform::audit::Checks::default,
            on_close: |_| Box::pin(async {}),
            template: tokio::sync::OnceCell::const_new(),
        }
    }
}

/// What `egov::connect` does for the platform: open the configured database with its audit
/// key, apply the migrations, seal second-factor secrets stored in plain text.
pub async fn connect_and_migrate(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(config.database_url.expose(), config.db_max_connections)
        .await?
        .with_audit_key(config.audit_key()?);
    db.migrate().await?;
    if let Some(key) = platform::identity::sealed::SecretKey::from_config(config)? {
        platform::identity::sealed::seal_plain_secrets(&db, &key).await?;
    }
    Ok(db)
}

/// The application state every wiring uses (the registry answers the directory).
/// (Its live hub is not running: [`TestApp`] runs it, as `serve` does.)
pub async fn state(wiring: &Wiring, db: Db, config: Config) -> AppState {
    let live = platform::live::Live::new(db.clone())
        .await
        .expect("live hub");
    AppState {
        files: platform::files::FileStore::from_config(&config).expect("file store"),
        directory: Arc::new(registry::RegistryDirectory { db: db.clone() }),
        cache: platform::cache::ReadCache::new(db.clone(), live.clone()),
        live,
        db,
        config: Arc::new(config),
        metrics: Arc::default(),
        openapi: Arc::new((wiring.openapi)()),
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A path under the system's temporary directory no other test of any process uses: the
/// process, a counter and the time (two tests starting in the same millisecond get two).
pub fn unique_temp(prefix: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(unique(prefix))
}

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

/// The URL of database `name` on the server of `url`.
fn database_url(url: &str, name: &str) -> String {
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    format!("{base}/{name}")
}

/// Create database `name` on the PostgreSQL server of the tests (`TEMPLATE template` if given);
/// returns its URL.
async fn create_postgres_database(name: &str, template: Option<&str>) -> String {
    let admin_url = postgres_url();
    let admin = Db::connect(&admin_url, 1)
        .await
        .expect("connect to PostgreSQL");
    let sql = match template {
        Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
        None => format!("CREATE DATABASE {name}"),
    };
    admin
        .execute_script(&sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    admin.close().await;
    database_url(&admin_url, name)
}

/// A fresh, empty database; returns its URL.
pub async fn fresh_database(backend: &str) -> String {
    match backend {
        "sqlite" => {
            let dir = std::env::temp_dir().join("egov-tests");
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}/{}.db", dir.display(), unique("t"))
        }
        "postgres" => create_postgres_database(&unique("egov_t"), None).await,
        other => panic!("unknown backend {other}"),
    }
}

/// A new PostgreSQL database holding what a new app of `wiring` holds (migrated, seeded),
/// cloned from the wiring's template: `CREATE DATABASE x TEMPLATE egov_template_…`, instead of
/// applying every migration again. The template is made once per test process (the first test
/// to ask makes it, the others wait for it: `OnceCell`), with the process id in its name, so it
/// always has this build's migrations and no two processes share one.
pub async fn database_from_template(wiring: &'static Wiring) -> String {
    let template = wiring
        .template
        .get_or_init(|| async {
            let name = format!("egov_template_{}_{}", wiring.name, std::process::id());
            let url = create_postgres_database(&name, None).await;
            let db = (wiring.connect)(&config(&url))
                .await
                .expect("connect and migrate the template");
            seed(&db).await;
            // CREATE DATABASE … TEMPLATE refuses a template anyone is connected to.
            db.close().await;
            name
        })
        .await;
    create_postgres_database(&unique("egov_t"), Some(template)).await
}

/// Serve `router` on a free loopback port until `shutdown` resolves (a real server for clients
/// outside the process); returns its base URL.
pub async fn serve(router: Router, shutdown: impl Future<Output = ()> + Send + 'static) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .unwrap();
    });
    base
}

/// The configuration of every test node on database `url`.
fn config(url: &str) -> Config {
    let mut config = Config {
        database_url: Secret::new(url),
        cookie_secure: false,
        db_max_connections: 5,
        audit_key: Some(Secret::new(TEST_AUDIT_KEY)),
        totp_key: Some(Secret::new(TEST_TOTP_KEY)),
        ..Config::default()
    };
    config.node_id = unique("node");
    // Files a test stores (register attachments) go to a temporary directory, not the sources.
    config.data_dir = std::env::temp_dir()
        .join("egov-test-data")
        .join(&config.node_id);
    config
}

/// The reference data every test app starts with: the registry's provinces and agencies.
async fn seed(db: &Db) {
    registry::seed::load(db, &Actor::system("test"))
        .await
        .expect("seed");
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
    /// How this app was built (a second node is built the same way).
    pub wiring: &'static Wiring,
    /// Whether closing this app removes its database: only the node that created it does, so a
    /// second node closing first cannot pull the SQLite file from under the first one.
    owns_database: bool,
    /// Set by a test that tampers with the database: its trail is not checked at the end.
    tampered: std::sync::atomic::AtomicBool,
    /// Stops the node's live hub (which holds a listener connection on PostgreSQL) before the
    /// pool closes.
    hub: Option<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    )>,
}

/// A response with its body read.
pub struct Res {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (downloads).
    pub bytes: Vec<u8>,
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
    /// An app on a new database: a new SQLite file, or on PostgreSQL a clone of the wiring's
    /// migrated template.
    pub async fn new(wiring: &'static Wiring, backend: &'static str) -> TestApp {
        // EGOV_TEST_NO_TEMPLATE=1 migrates every PostgreSQL database instead (to compare).
        let template = std::env::var_os("EGOV_TEST_NO_TEMPLATE").is_none();
        let (url, seeded) = match backend {
            "postgres" if template => (database_from_template(wiring).await, true),
            _ => (fresh_database(backend).await, false),
        };
        let mut app = Self::open(wiring, backend, &url, !seeded).await;
        app.owns_database = true;
        app
    }

    /// Another node on the same database (for multi-node tests).
    pub async fn another_node(&self) -> TestApp {
        Self::open(self.wiring, self.backend, &self.url, true).await
    }

    async fn open(
        wiring: &'static Wiring,
        backend: &'static str,
        url: &str,
        seed_it: bool,
    ) -> TestApp {
        let config = config(url);
        let db = (wiring.connect)(&config)
            .await
            .expect("connect and migrate");
        if seed_it {
            seed(&db).await;
        }
        let state = state(wiring, db.clone(), config).await;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let hub = tokio::spawn(state.live.clone().run(async move {
            let _ = stopped.await;
        }));
        let router = (wiring.router)(state);
        TestApp {
            hub: Some((stop, hub)),
            router,
            db,
            url: url.to_owned(),
            backend,
            wiring,
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

    /// This test tampers with the database on purpose.
    pub fn mark_tampered(&self) {
        self.tampered
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// What every story leaves passes `egov audit verify`: the chain, and the approved values
    /// and value history against what the trail recorded.
    pub async fn assert_trail_intact(&self) {
        let report = platform::audit::verify_all(&self.db, &[], &(self.wiring.audit_checks)())
            .await
            .unwrap();
        assert!(report.is_intact(), "{report}");
    }

    pub async fn close(mut self) {
        (self.wiring.on_close)(&self).await;
        if !self.tampered.load(std::sync::atomic::Ordering::Relaxed) {
            self.assert_trail_intact().await;
        }
        if let Some((stop, hub)) = self.hub.take() {
            let _ = stop.send(());
            let _ = hub.await;
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

/// One request to send with [`Client::send`]: what the client adds (cookies, language, token,
/// `Accept`, peer address) is chosen per request, so every way a test talks to the router goes
/// through the same code.
pub struct Req {
    method: String,
    path: String,
    headers: Vec<(header::HeaderName, String)>,
    body: Vec<u8>,
    peer: Option<std::net::SocketAddr>,
    /// Whether the response's `Set-Cookie` headers update the client's cookies.
    keep_cookies: bool,
}

impl Req {
    /// A bare request (only `Host: localhost`).
    pub fn new(method: &str, path: &str) -> Req {
        Req {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
            peer: None,
            keep_cookies: false,
        }
    }
    /// Add a header.
    pub fn header(mut self, name: header::HeaderName, value: impl Into<String>) -> Req {
        self.headers.push((name, value.into()));
        self
    }
    /// The body and its `Content-Type`.
    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Req {
        self.body = body.into();
        self.header(header::CONTENT_TYPE, content_type)
    }
    /// The body without a `Content-Type`.
    pub fn raw_body(mut self, body: impl Into<Vec<u8>>) -> Req {
        self.body = body.into();
        self
    }
    /// The client's cookies (a header only if it has any).
    pub fn cookies(self, c: &Client) -> Req {
        if c.cookies.is_empty() {
            return self;
        }
        let v = c.cookie_header();
        self.header(header::COOKIE, v)
    }
    /// The client's token (`Authorization: Bearer`).
    pub fn bearer(self, c: &Client) -> Req {
        match &c.bearer {
            Some(t) => self.header(header::AUTHORIZATION, format!("Bearer {t}")),
            None => self,
        }
    }
    /// The client's language (`Accept-Language`).
    pub fn lang(self, c: &Client) -> Req {
        match c.lang {
            Some(l) => self.header(header::ACCEPT_LANGUAGE, l),
            None => self,
        }
    }
}

impl Client {
    /// The same client (cookies, language) against another router: the app's own with a layer
    /// a test adds (an extension such as a payment gateway's settings).
    pub fn with_router(mut self, router: Router) -> Client {
        self.router = router;
        self
    }

    /// The `Cookie` header of the client's cookies.
    pub fn cookie_header(&self) -> String {
        let c: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        c.join("; ")
    }

    /// Send a request to the router, read the whole body, and (if the request says so) keep the
    /// cookies the response sets or clears. Every helper below ends here.
    pub async fn send(&mut self, req: Req) -> Res {
        let mut b = Request::builder()
            .method(req.method.as_str())
            .uri(req.path.as_str())
            .header(header::HOST, "localhost");
        for (name, value) in &req.headers {
            b = b.header(name, value.as_str());
        }
        let mut request = b.body(Body::from(req.body)).unwrap();
        if let Some(peer) = req.peer {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        let res = self.router.clone().oneshot(request).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        if req.keep_cookies {
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
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Res {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    /// A browser's request: cookies (kept from the response), language, token, `Accept`, peer;
    /// a body is a URL-encoded form.
    pub async fn request(&mut self, method: &str, path: &str, body: Option<String>) -> Res {
        let mut req = Req::new(method, path).cookies(self).lang(self).bearer(self);
        if let Some(a) = self.accept {
            req = req.header(header::ACCEPT, a);
        }
        req = match body {
            Some(body) => req.body("application/x-www-form-urlencoded", body),
            None => req,
        };
        req.peer = self.peer;
        req.keep_cookies = true;
        self.send(req).await
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

    /// An API client's request: language and token, no cookies.
    pub async fn request_typed(
        &mut self,
        method: &str,
        path: &str,
        body: String,
        content_type: &str,
    ) -> Res {
        let req = Req::new(method, path)
            .body(content_type, body)
            .lang(self)
            .bearer(self);
        self.send(req).await
    }

    /// POST a file's bytes as the body, with the session's cookies and token (uploads through
    /// the API by a signed-in official).
    pub async fn post_bytes(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Res {
        let req = Req::new("POST", path)
            .body(content_type, body)
            .header(header::COOKIE, self.cookie_header())
            .bearer(self);
        self.send(req).await
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
        let req = Req::new("POST", path)
            .header(header::COOKIE, self.cookie_header())
            .body(&format!("multipart/form-data; boundary={boundary}"), body);
        self.send(req).await
    }

    /// Get raw bytes (downloads).
    pub async fn get_bytes(&mut self, path: &str) -> (StatusCode, Vec<u8>) {
        let res = self.send(Req::new("GET", path).cookies(self)).await;
        (res.status, res.bytes)
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
/// PostgreSQL variant is ignored by plain `cargo test` and run by scripts/test. The app is built
/// by the calling test binary's `support::WIRING` (a [`Wiring`]).
#[macro_export]
#[expect(
    clippy::crate_in_macro_def,
    reason = "the wiring is the calling test binary's: `crate::support::WIRING`"
)]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::TestApp::new(&crate::support::WIRING, "sqlite").await;
                ($body)(&app).await;
                app.close().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs PostgreSQL: scripts/test provides one"]
            async fn postgres() {
                let app = $crate::TestApp::new(&crate::support::WIRING, "postgres").await;
                ($body)(&app).await;
                app.close().await;
            }
        }
    };
}
