//! Citizens and businesses sign in (`identity::citizen`, `identity::oidc`, `web::citizen`).
//!
//! The demo sign-in's stories run on both databases with no provider. The OpenID Connect stories
//! (`citizen_oidc_*`) run against the real provider `scripts/test` starts (the npm package
//! oidc-provider on loopback, `scripts/lib/oidc-provider.mjs`, `EGOV_TEST_OIDC_ISSUER`); plain
//! `cargo test` lists them as ignored, and run without the provider they fail saying so.

use std::collections::HashMap;

use axum::http::{Method, StatusCode, header};
use platform::audit::Actor;
use platform::config::{Config, Secret};
use platform::http_client::{HttpClient, Limits};
use platform::identity::access::{Role, Scope};
use platform::identity::citizen;
use platform::web::Citizen;

use crate::on_both;
use crate::support::{Client, TestApp, WIRING};

/// The app's router again, on a configuration changed by `f` (the demo, a provider).
async fn reconfigure(app: &mut TestApp, f: impl FnOnce(&mut Config)) {
    let mut cfg = Config {
        database_url: Secret::new(app.url.clone()),
        cookie_secure: false,
        db_max_connections: 5,
        audit_key: Some(Secret::new(testkit::TEST_AUDIT_KEY)),
        totp_key: Some(Secret::new(testkit::TEST_TOTP_KEY)),
        ..Config::default()
    };
    cfg.data_dir = testkit::unique_temp("citizen-data");
    f(&mut cfg);
    app.router = (WIRING.router)(testkit::state(&WIRING, app.db.clone(), cfg).await);
}

async fn demo_sign_in(c: &mut Client, person: &str, next: &str) -> testkit::Res {
    c.post("/citizen/demo", &[("person", person), ("next", next)])
        .await
}

async fn actions_on(app: &TestApp, user_id: i64) -> Vec<String> {
    app.db
        .fetch_all(
            "SELECT action FROM audit_log WHERE object_type = 'user' AND object_id = $1 ORDER BY seq",
            platform::params![user_id.to_string()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String>("action").unwrap())
        .collect()
}

#[test]
fn a_procedure_may_demand_level_2() {
    let c = Citizen {
        user_id: 1,
        name: "A".into(),
        personal_id: None,
        assurance: 1,
        acting_for: None,
    };
    let err = c.require_assurance(2).unwrap_err();
    assert_eq!(err.status, StatusCode::FORBIDDEN);
    assert_eq!(err.first_code(), "assurance_required");
    let vi = err.problems[0].detail(platform::i18n::Lang::Vi);
    let en = err.problems[0].detail(platform::i18n::Lang::En);
    assert!(
        vi.contains("mức độ 2") && vi.contains("đăng nhập lại"),
        "{vi}"
    );
    assert!(
        en.contains("level 2") && en.contains("sign in again"),
        "{en}"
    );
    assert!(c.require_assurance(1).is_ok());
    assert!(Citizen { assurance: 2, ..c }.require_assurance(2).is_ok());
}

on_both!(
    the_demo_sign_in_exists_only_in_the_demo,
    async |app: &TestApp| {
        // As `egov serve` runs: no demo sign-in, whatever is posted.
        let mut c = app.client();
        let page = c.get("/citizen/login").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("citizen-login-unavailable"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("/citizen/demo"));
        let r = demo_sign_in(&mut c, "demo-citizen-2", "/citizen").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!c.cookies.contains_key(citizen::COOKIE));
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM citizen_sessions")
                .await,
            0
        );
        // Nor does the provider's sign-in exist without a provider.
        assert_eq!(
            c.get("/citizen/login/start").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            c.get("/citizen/callback?code=x&state=y").await.status,
            StatusCode::NOT_FOUND
        );
    }
);

on_both!(
    demo_citizens_sign_in_choose_a_business_and_see_their_data,
    async |app: &TestApp| {
        let mut app = app.another_node().await;
        reconfigure(&mut app, |c| c.demo = true).await;
        citizen::seed_demo_people(&app.db).await.unwrap();
        let mut c = app.client();
        // Not signed in: sent to sign in, and back.
        let r = c.get("/citizen").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/citizen/login?next=/citizen");
        let page = c.get("/citizen/login?next=/citizen").await;
        assert!(page.body.contains("Đăng nhập thử (chỉ dùng cho bản demo)"));
        assert!(page.body.contains("demo-demo-business"));

        // Level 1.
        let r = demo_sign_in(&mut c, "demo-citizen-1", "/citizen").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/citizen");
        let home = c.get("/citizen").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("Nguyễn Văn An"));
        assert!(home.body.contains("id=\"citizen-level\">Mức độ 1<"));
        assert!(
            home.body.contains("id=\"citizen-link\""),
            "the header shows the citizen"
        );
        // Never an official: no official session, the official API refuses.
        assert!(!c.cookies.contains_key("egov_session"));
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        let r = c.post("/citizen/logout", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.count(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'identity.citizen_logout'"
            )
            .await,
            1
        );
        assert!(!c.cookies.contains_key(citizen::COOKIE));
        assert_eq!(c.get("/citizen").await.status, StatusCode::SEE_OTHER);

        // A business representative chooses whom they act for.
        let r = demo_sign_in(&mut c, "demo-business", "/citizen").await;
        assert_eq!(r.location(), "/citizen/acting?next=/citizen");
        let page = c.get("/citizen/acting?next=/citizen").await;
        assert!(page.body.contains("Công ty TNHH Ánh Dương"));
        assert!(page.body.contains("0101234567-001"));
        for (bad, code) in [
            ("01012", "Mã số thuế “01012” không hợp lệ"),
            ("0109999999", "không được ghi nhận là người đại diện"),
        ] {
            let r = c
                .post(
                    "/citizen/acting",
                    &[("tax_code", bad), ("next", "/citizen")],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            assert!(r.body.contains(code), "{bad}: {}", r.body);
        }
        let r = c
            .post(
                "/citizen/acting",
                &[("tax_code", "0101234567"), ("next", "/citizen")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let home = c.get("/citizen").await;
        assert!(
            home.body
                .contains("id=\"citizen-acting-header\">Công ty TNHH Ánh Dương<")
        );
        assert!(home.body.contains("người đại diện theo pháp luật"));
        // And switches back to themselves.
        let r = c
            .post("/citizen/acting", &[("tax_code", ""), ("next", "/citizen")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            !c.get("/citizen")
                .await
                .body
                .contains("citizen-acting-header")
        );

        // Their data: the identity number masked, the export audited.
        let data = c.get("/citizen/data").await;
        assert_eq!(data.status, StatusCode::OK);
        assert!(data.body.contains("0010******33"), "{}", data.body);
        assert!(!data.body.contains("001080000033"));
        assert!(data.body.contains(citizen::DEMO_ISSUER));
        let user_id: i64 = app
            .db
            .fetch_one(
                "SELECT id FROM users WHERE personal_id = $1",
                platform::params!["001080000033"],
            )
            .await
            .unwrap()
            .get("id")
            .unwrap();
        let r = c.post("/citizen/data/export", &[]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.headers[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains("attachment")
        );
        let exported = r.json();
        assert_eq!(exported["personal_id"], "001080000033");
        assert_eq!(exported["user_id"], user_id);
        let actions = actions_on(&app, user_id).await;
        for a in [
            "identity.citizen_create",
            "identity.citizen_login",
            "identity.delegation",
            "identity.data_export",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
        // The citizen's account has no password sign-in.
        let username: String = app
            .db
            .fetch_one(
                "SELECT username FROM users WHERE id = $1",
                platform::params![user_id],
            )
            .await
            .unwrap()
            .get("username")
            .unwrap();
        let mut o = app.client();
        for pw in ["", citizen::NO_PASSWORD, "!no-password:citizen"] {
            let r = o
                .post("/login", &[("username", &username), ("password", pw)])
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{pw:?}");
        }
        app.close().await;
    }
);

on_both!(
    an_official_signing_in_as_a_citizen_gets_the_same_account_and_no_grants,
    async |app: &TestApp| {
        let mut app = app.another_node().await;
        reconfigure(&mut app, |c| c.demo = true).await;
        let (password, secret) = app
            .user("quantri.binh", Role::SystemAdmin, Scope::National)
            .await;
        let official_id = platform::identity::find_user(&app.db, "quantri.binh")
            .await
            .unwrap()
            .unwrap()
            .id;
        // The official's account records their identity number: the demo's level-2 citizen.
        citizen::set_personal_id(
            &app.db,
            &Actor::system("test"),
            official_id,
            Some("001085000022"),
        )
        .await
        .unwrap();
        let users_before = app.count("SELECT COUNT(*) AS n FROM users").await;

        let mut c = app.client();
        let r = demo_sign_in(&mut c, "demo-citizen-2", "/admin/users").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM users").await,
            users_before,
            "no second account"
        );
        let session_user: i64 = app
            .db
            .fetch_one("SELECT user_id FROM citizen_sessions", platform::params![])
            .await
            .unwrap()
            .get("user_id")
            .unwrap();
        assert_eq!(session_user, official_id);
        assert!(
            actions_on(&app, official_id)
                .await
                .contains(&"identity.citizen_link".to_owned())
        );
        // The citizen session carries none of the official's grants.
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        let r = c.get("/admin/users").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/login?next="), "{}", r.location());
        let r = c.get("/admin/audit").await;
        assert!(r.location().starts_with("/login?next="));
        assert!(!c.get("/").await.body.contains("href=\"/admin/users\""));
        // The same person signed in with password and second factor still has them.
        let mut o = app.client();
        o.login("quantri.binh", &password, secret.as_deref()).await;
        assert_eq!(o.get("/admin/users").await.status, StatusCode::OK);
        // The number is the official's: another account cannot record it.
        let (_, _) = app.user("canbo.khac", Role::Viewer, Scope::National).await;
        let other = platform::identity::find_user(&app.db, "canbo.khac")
            .await
            .unwrap()
            .unwrap();
        let e = citizen::set_personal_id(
            &app.db,
            &Actor::system("test"),
            other.id,
            Some("001085000022"),
        )
        .await
        .unwrap_err();
        assert_eq!(e.first_code(), "personal_id_taken");
        app.close().await;
    }
);

// ---------------------------------------------------------------------------------------------
// Against the real provider

fn issuer() -> String {
    std::env::var("EGOV_TEST_OIDC_ISSUER").expect(
        "EGOV_TEST_OIDC_ISSUER is not set: run scripts/test, which starts the OpenID provider \
         (node scripts/lib/oidc-provider.mjs PORT, with the npm package oidc-provider)",
    )
}

fn with_provider(c: &mut Config) {
    c.oidc_issuer = Some(issuer());
    c.oidc_client_id = Some("egov-test".into());
    c.oidc_client_secret = Some(Secret::new("egov-test-secret"));
    c.oidc_redirect_url = Some("http://127.0.0.1/citizen/callback".into());
}

/// A user agent at the provider: keeps the provider's cookies, follows nothing by itself.
struct Browser {
    http: HttpClient,
    cookies: HashMap<String, String>,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            http: HttpClient::new(Limits::default()),
            cookies: HashMap::new(),
        }
    }
    async fn go(
        &mut self,
        method: Method,
        url: &str,
        form: Option<&[(&str, &str)]>,
    ) -> platform::http_client::Response {
        let mut headers: Vec<(&str, String)> = Vec::new();
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            headers.push(("cookie", c.join("; ")));
        }
        let body = match form {
            Some(f) => {
                headers.push(("content-type", "application/x-www-form-urlencoded".into()));
                serde_urlencoded::to_string(f).unwrap()
            }
            None => String::new(),
        };
        let r = self
            .http
            .request(method, url, &headers, body.into())
            .await
            .unwrap();
        for v in r.headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let kv = v.split(';').next().unwrap();
            if let Some((k, val)) = kv.split_once('=') {
                self.cookies.insert(k.trim().to_owned(), val.to_owned());
            }
        }
        r
    }
}

fn absolute(base: &str, location: &str) -> String {
    url::Url::parse(base)
        .unwrap()
        .join(location)
        .unwrap()
        .to_string()
}

/// Sign in at the provider as `login`, starting from egov's `/citizen/login/start`; returns
/// egov's callback path (with code and state) the provider sends the browser to.
async fn through_provider(c: &mut Client, login: &str, next: &str) -> String {
    let r = c
        .get(&format!(
            "/citizen/login/start?next={}",
            platform::web::ctx::urlencode(next)
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut url = r.location();
    assert!(url.starts_with(&issuer()), "{url}");
    assert!(
        url.contains("code_challenge_method=S256") && url.contains("nonce="),
        "{url}"
    );
    let mut b = Browser::new();
    // The provider's redirects, its login page, then back to egov.
    for _ in 0..8 {
        let r = b.go(Method::GET, &url, None).await;
        if r.status.is_redirection() {
            let loc = r.header(header::LOCATION).unwrap().to_owned();
            if loc.starts_with("http://127.0.0.1/citizen/callback") {
                return loc.trim_start_matches("http://127.0.0.1").to_owned();
            }
            url = absolute(&url, &loc);
            continue;
        }
        assert_eq!(r.status, StatusCode::OK);
        let page = String::from_utf8_lossy(&r.body).into_owned();
        let action = page
            .split("action=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("no login form: {page}"))
            .to_owned();
        let post = absolute(&url, &action);
        let r = b
            .go(
                Method::POST,
                &post,
                Some(&[("login", login), ("password", "x")]),
            )
            .await;
        assert!(
            r.status.is_redirection(),
            "{}",
            String::from_utf8_lossy(&r.body)
        );
        url = absolute(&post, r.header(header::LOCATION).unwrap());
    }
    panic!("the provider never sent the browser back");
}

macro_rules! with_oidc {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs the OpenID provider: scripts/test starts one"]
            async fn sqlite() {
                let mut app = testkit::TestApp::new(&crate::support::WIRING, "sqlite").await;
                reconfigure(&mut app, with_provider).await;
                ($body)(&app).await;
                app.close().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs the OpenID provider and PostgreSQL: scripts/test starts both"]
            async fn postgres() {
                let mut app = testkit::TestApp::new(&crate::support::WIRING, "postgres").await;
                reconfigure(&mut app, with_provider).await;
                ($body)(&app).await;
                app.close().await;
            }
        }
    };
}

with_oidc!(
    citizen_oidc_sign_in_with_levels_and_single_use_state,
    async |app: &TestApp| {
        // Level 2.
        let mut c = app.client();
        let back = through_provider(&mut c, "citizen2", "/citizen").await;
        assert!(back.contains("code=") && back.contains("state="), "{back}");
        let r = c.get(&back).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/citizen");
        let home = c.get("/citizen").await;
        assert!(home.body.contains("Trần Thị Bình"), "{}", home.body);
        assert!(home.body.contains("id=\"citizen-level\">Mức độ 2<"));
        // A finished sign-in ends the count of starts from the address.
        assert_eq!(
            app.count("SELECT failures AS n FROM login_throttle WHERE key LIKE 'oidc:%'")
                .await,
            0
        );
        // The state is single use: the same answer again is refused.
        let again = c.get(&back).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert!(again.body.contains("đã hết hạn hoặc không hợp lệ"));
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM oidc_pending").await, 0);

        // Level 1; the answer is bound to the browser that started the sign-in.
        let mut c1 = app.client();
        let back = through_provider(&mut c1, "citizen1", "/citizen").await;
        let mut stranger = app.client();
        assert_eq!(stranger.get(&back).await.status, StatusCode::BAD_REQUEST);
        let mut c1 = app.client();
        let back = through_provider(&mut c1, "citizen1", "/citizen/data").await;
        let r = c1.get(&back).await;
        assert_eq!(r.location(), "/citizen/data");
        assert!(
            c1.get("/citizen")
                .await
                .body
                .contains("id=\"citizen-level\">Mức độ 1<")
        );
        // One account per identity: signing in again makes no other.
        let users = app.count("SELECT COUNT(*) AS n FROM users").await;
        let back = through_provider(&mut c1, "citizen1", "/").await;
        c1.get(&back).await;
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM users").await, users);
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM user_identities WHERE issuer = $1",
                &issuer()
            )
            .await,
            2
        );
        // A forged state is refused.
        let r = c1.get("/citizen/callback?code=abc&state=forged").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
);

with_oidc!(citizen_oidc_business_and_official, async |app: &TestApp| {
    // The business representative chooses the business.
    let mut c = app.client();
    let back = through_provider(&mut c, "business", "/citizen").await;
    let r = c.get(&back).await;
    assert_eq!(r.location(), "/citizen/acting?next=/citizen");
    let r = c
        .post(
            "/citizen/acting",
            &[("tax_code", "0101234567-001"), ("next", "/citizen")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(c.get("/citizen").await.body.contains("Chi nhánh Hà Nội"));

    // An official whose account records citizen2's number signs in through the provider: the
    // same account, and no grant in that session.
    let (password, secret) = app
        .user("canbo.binh", Role::SystemAdmin, Scope::National)
        .await;
    let id = platform::identity::find_user(&app.db, "canbo.binh")
        .await
        .unwrap()
        .unwrap()
        .id;
    citizen::set_personal_id(&app.db, &Actor::system("test"), id, Some("001085000022"))
        .await
        .unwrap();
    let mut o = app.client();
    let back = through_provider(&mut o, "citizen2", "/citizen").await;
    assert_eq!(o.get(&back).await.status, StatusCode::SEE_OTHER);
    let linked: i64 = app
        .db
        .fetch_one(
            "SELECT user_id FROM user_identities WHERE subject = 'citizen2'",
            platform::params![],
        )
        .await
        .unwrap()
        .get("user_id")
        .unwrap();
    assert_eq!(linked, id);
    assert_eq!(o.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    assert!(
        o.get("/admin/users")
            .await
            .location()
            .starts_with("/login?next=")
    );
    let mut p = app.client();
    p.login("canbo.binh", &password, secret.as_deref()).await;
    assert_eq!(p.get("/admin/users").await.status, StatusCode::OK);
});

/// Starting a sign-in stores a pending sign-in: one address may start many, then waits (429 with
/// `Retry-After`), counted before the provider is asked anything (here it cannot be reached).
mod citizen_sign_in_starts_are_throttled_per_address {
    use super::*;

    async fn story(app: &mut TestApp) {
        reconfigure(app, |c| {
            c.oidc_issuer = Some("http://127.0.0.1:9".into());
            c.oidc_client_id = Some("egov-test".into());
            c.oidc_client_secret = Some(Secret::new("egov-test-secret"));
            c.oidc_redirect_url = Some("http://127.0.0.1/citizen/callback".into());
        })
        .await;
        let mut c = app.client();
        let free = platform::identity::throttle::OIDC_START.free;
        // `free` starts with no wait, and one more that begins the wait.
        for i in 0..=free {
            let r = c.get("/citizen/login/start").await;
            assert_ne!(r.status, StatusCode::TOO_MANY_REQUESTS, "start {i}");
        }
        let r = c.get("/citizen/login/start").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        let wait: i64 = r.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&wait), "{wait}");
        assert!(
            r.body.contains("chưa hoàn tất") && r.body.contains(&wait.to_string()),
            "{}",
            r.body
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let mut app = testkit::TestApp::new(&crate::support::WIRING, "sqlite").await;
        story(&mut app).await;
        app.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs PostgreSQL: scripts/test starts one"]
    async fn postgres() {
        let mut app = testkit::TestApp::new(&crate::support::WIRING, "postgres").await;
        story(&mut app).await;
        app.close().await;
    }
}
