//! Sign-in under attack (issue 9, items 4–6): attempts counted before the password is checked,
//! throttling per address and account instead of a lockout, the same answers for unknown names,
//! second-factor attempts and replay, secrets sealed at rest, file modes, `no-store`, and the
//! scheme in the `Origin` check.

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use platform::identity::access::{Role, Scope};
use platform::identity::{self, sealed, throttle};
use tower::ServiceExt;

use crate::on_both;
use crate::support::{Client, Res, TestApp, test_totp_key};

const WRONG: &str = "sai mật khẩu rồi";

fn addr(ip: &str) -> SocketAddr {
    SocketAddr::new(ip.parse().unwrap(), 40_000)
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    identity::find_user(&app.db, username)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Password checks that ran for a user: each checked attempt leaves one audit entry, an attempt
/// refused by the throttle none.
async fn password_checks(app: &TestApp, id: i64) -> i64 {
    app.count_where(
        "SELECT COUNT(*) AS n FROM audit_log WHERE object_type = 'user' \
         AND action IN ('login.failure', 'login.success') AND object_id = $1",
        &id.to_string(),
    )
    .await
}

async fn sessions_of(app: &TestApp, id: i64) -> i64 {
    app.count_where(
        "SELECT COUNT(*) AS n FROM sessions WHERE CAST(user_id AS TEXT) = $1",
        &id.to_string(),
    )
    .await
}

async fn login(c: &mut Client, username: &str, password: &str) -> Res {
    c.post("/login", &[("username", username), ("password", password)])
        .await
}

/// Send every password at once, each from its own copy of a client; the statuses.
async fn burst(clients: &[Client], username: &str, passwords: Vec<String>) -> Vec<StatusCode> {
    let mut set = tokio::task::JoinSet::new();
    for (i, p) in passwords.into_iter().enumerate() {
        let mut c = clients[i % clients.len()].clone();
        let u = username.to_owned();
        set.spawn(async move { login(&mut c, &u, &p).await.status });
    }
    set.join_all().await
}

on_both!(
    parallel_attempts_are_counted_before_the_password_is_checked,
    async |app: &TestApp| {
        let (password, _) = app.user("song.song", Role::Viewer, Scope::National).await;
        let id = user_id(app, "song.song").await;
        // One attacker, two nodes on the same database.
        let other_node = app.another_node().await;
        let mut attackers = vec![app.client(), other_node.client()];
        for a in &mut attackers {
            a.peer = Some(addr("198.51.100.7"));
            a.get("/healthz").await;
        }
        let started = std::time::Instant::now();
        let answers = burst(&attackers, "song.song", vec![WRONG.to_owned(); 200]).await;
        let checks = password_checks(app, id).await;
        // The first `free` failures cost nothing; the next one starts the wait, and every
        // attempt after it finds the key waiting.
        assert!(
            (1..=throttle::PAIR.free + 1).contains(&checks),
            "{checks} password checks for 200 parallel attempts"
        );
        assert_eq!(
            answers
                .iter()
                .filter(|s| **s == StatusCode::UNAUTHORIZED)
                .count() as i64,
            checks
        );
        assert!(
            answers
                .iter()
                .all(|s| matches!(*s, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS))
        );

        // The right password among a burst beyond the limit does not sign in.
        let mut tries = vec![WRONG.to_owned(); 29];
        tries.push(password.clone());
        let answers = burst(&attackers, "song.song", tries).await;
        assert!(
            started.elapsed() < std::time::Duration::from_millis(throttle::PAIR.base_ms as u64),
            "the test ran longer than the wait it checks"
        );
        assert!(
            answers.iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
            "{answers:?}"
        );
        assert_eq!(password_checks(app, id).await, checks, "none was checked");
        assert_eq!(sessions_of(app, id).await, 0);
        other_node.db.close().await;
    }
);

/// What a login answer says, without what differs by request (the echoed username, the CSRF
/// token, the seconds to wait).
fn answer(r: &Res, username: &str, csrf: &str) -> (StatusCode, bool, String) {
    let body = r.body.replace(username, "USERNAME").replace(csrf, "CSRF");
    let text: String = body
        .chars()
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect();
    (r.status, r.headers.contains_key(header::RETRY_AFTER), text)
}

on_both!(
    unknown_and_known_usernames_get_the_same_answers,
    async |app: &TestApp| {
        app.user("co.that", Role::Viewer, Scope::National).await;
        let mut known = app.client();
        known.peer = Some(addr("198.51.100.8"));
        let mut unknown = app.client();
        unknown.peer = Some(addr("198.51.100.9"));
        let mut statuses = Vec::new();
        for i in 0..8 {
            let a = login(&mut known, "co.that", WRONG).await;
            let b = login(&mut unknown, "khong.co.that", WRONG).await;
            let (a, b) = (
                answer(&a, "co.that", &known.cookies["egov_csrf"]),
                answer(&b, "khong.co.that", &unknown.cookies["egov_csrf"]),
            );
            assert_eq!((a.0, a.1), (b.0, b.1), "attempt {i}");
            assert!(a.2 == b.2, "attempt {i}: the pages differ");
            assert!(!a.2.contains("tạm khóa"));
            statuses.push(a.0);
        }
        let free = throttle::PAIR.free as usize + 1;
        assert!(
            statuses[..free]
                .iter()
                .all(|s| *s == StatusCode::UNAUTHORIZED)
        );
        assert!(
            statuses[free..]
                .iter()
                .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
            "{statuses:?}"
        );
    }
);

on_both!(
    the_owner_signs_in_while_an_attacker_is_throttled,
    async |app: &TestApp| {
        let (password, _) = app.user("chu.nhan", Role::Viewer, Scope::National).await;
        let mut attacker = app.client();
        attacker.peer = Some(addr("203.0.113.66"));
        let mut last = StatusCode::OK;
        for _ in 0..12 {
            last = login(&mut attacker, "chu.nhan", WRONG).await.status;
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
        // Even the right password is not checked from the attacker's address now …
        let r = login(&mut attacker, "chu.nhan", &password).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers.contains_key(header::RETRY_AFTER));
        // … while the owner, elsewhere, signs in at once.
        let mut owner = app.client();
        owner.peer = Some(addr("192.0.2.10"));
        owner.login("chu.nhan", &password, None).await;
    }
);

on_both!(
    guessing_from_many_addresses_does_not_hold_up_the_owners_address,
    async |app: &TestApp| {
        let (password, _) = app
            .user("nhieu.dia.chi", Role::Viewer, Scope::National)
            .await;
        let mut owner = app.client();
        owner.peer = Some(addr("192.0.2.20"));
        owner.login("nhieu.dia.chi", &password, None).await;
        let id = user_id(app, "nhieu.dia.chi").await;
        let before = password_checks(app, id).await;
        // One wrong password from each of many addresses.
        for i in 0..=throttle::ACCOUNT.free {
            let mut c = app.client();
            c.peer = Some(addr(&format!("198.18.0.{}", i + 1)));
            assert_eq!(
                login(&mut c, "nhieu.dia.chi", WRONG).await.status,
                StatusCode::UNAUTHORIZED
            );
        }
        // The account now waits for addresses it never signed in from, right password or not.
        let mut c = app.client();
        c.peer = Some(addr("198.18.1.1"));
        assert_eq!(
            login(&mut c, "nhieu.dia.chi", &password).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(
            password_checks(app, id).await - before,
            throttle::ACCOUNT.free + 1
        );
        // The owner's own address is not held up.
        let mut owner = app.client();
        owner.peer = Some(addr("192.0.2.20"));
        owner.login("nhieu.dia.chi", &password, None).await;
    }
);

/// A six-digit code that is none of the codes around now.
fn wrong_code(secret: &str) -> String {
    let now = identity::totp::current_step();
    let near: Vec<String> = (now - 2..=now + 2)
        .map(|s| identity::totp::at_step(secret, s).unwrap())
        .collect();
    (0..)
        .map(|i| format!("{:06}", (123_457 + i * 7919) % 1_000_000))
        .find(|c| !near.contains(c))
        .unwrap()
}

async fn totp_failures(app: &TestApp, id: i64) -> i64 {
    app.count_where(
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'login.totp_failure' AND object_id = $1",
        &id.to_string(),
    )
    .await
}

/// Password accepted, second factor due.
async fn half_signed_in(app: &TestApp, username: &str, password: &str) -> Client {
    let mut c = app.client();
    let r = login(&mut c, username, password).await;
    assert!(r.location().starts_with("/login/totp"), "{}", r.location());
    c
}

on_both!(
    a_half_signed_in_session_ends_after_five_wrong_codes,
    async |app: &TestApp| {
        let (password, secret) = app.user("qt.ma", Role::SystemAdmin, Scope::National).await;
        let secret = secret.unwrap();
        let id = user_id(app, "qt.ma").await;
        let mut c = half_signed_in(app, "qt.ma", &password).await;
        let wrong = wrong_code(&secret);
        for _ in 1..identity::MAX_TOTP_PER_SESSION {
            let r = c.post("/login/totp", &[("code", &wrong)]).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            assert!(r.body.contains("Mã xác thực không đúng"), "{}", r.body);
        }
        let stolen = c.cookies.clone();
        let r = c.post("/login/totp", &[("code", &wrong)]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("phiên đăng nhập đã kết thúc"), "{}", r.body);
        assert!(!c.cookies.contains_key("egov_session"));
        assert_eq!(sessions_of(app, id).await, 0);
        // The right code no longer helps that session.
        let mut again = app.client();
        again.cookies = stolen;
        let code = again.fresh_totp_code("qt.ma", &secret).await;
        let r = again.post("/login/totp", &[("code", &code)]).await;
        assert_eq!(r.location(), "/login");
        assert_eq!(
            again.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED
        );
        // Every wrong code is in the audit log.
        assert_eq!(totp_failures(app, id).await, identity::MAX_TOTP_PER_SESSION);
    }
);

on_both!(
    a_code_is_accepted_once_across_sessions,
    async |app: &TestApp| {
        let (password, secret) = app.user("qt.lai", Role::SystemAdmin, Scope::National).await;
        let secret = secret.unwrap();
        let mut first = half_signed_in(app, "qt.lai", &password).await;
        let code = first.fresh_totp_code("qt.lai", &secret).await;
        let r = first.post("/login/totp", &[("code", &code)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(first.get("/api/v1/me").await.status, StatusCode::OK);
        // Someone who saw the code uses it in another session.
        let mut second = half_signed_in(app, "qt.lai", &password).await;
        let r = second.post("/login/totp", &[("code", &code)]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            second.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED
        );
        // An earlier code of the same minute is refused too; a later one works.
        let step = identity::totp::current_step();
        let earlier = identity::totp::at_step(&secret, step - 1).unwrap();
        let r = second.post("/login/totp", &[("code", &earlier)]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let later = second.fresh_totp_code("qt.lai", &secret).await;
        let r = second.post("/login/totp", &[("code", &later)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
);

on_both!(
    wrong_codes_are_limited_per_account_across_sessions,
    async |app: &TestApp| {
        let (password, secret) = app
            .user("qt.doan", Role::SystemAdmin, Scope::National)
            .await;
        let secret = secret.unwrap();
        let id = user_id(app, "qt.doan").await;
        let wrong = wrong_code(&secret);
        let mut statuses = Vec::new();
        // New sessions, each short of its own limit.
        for _ in 0..3 {
            let mut c = half_signed_in(app, "qt.doan", &password).await;
            for _ in 1..identity::MAX_TOTP_PER_SESSION {
                statuses.push(c.post("/login/totp", &[("code", &wrong)]).await.status);
            }
        }
        let checked = throttle::TOTP.free as usize + 1;
        assert!(
            statuses[..checked]
                .iter()
                .all(|s| *s == StatusCode::UNAUTHORIZED)
        );
        assert!(
            statuses[checked..]
                .iter()
                .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
            "{statuses:?}"
        );
        // Now even the right code waits.
        let mut c = half_signed_in(app, "qt.doan", &password).await;
        let code = c.fresh_totp_code("qt.doan", &secret).await;
        let r = c.post("/login/totp", &[("code", &code)]).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.body.contains("Nhập sai mã xác thực quá nhiều lần"));
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(totp_failures(app, id).await, checked as i64);
    }
);

on_both!(
    second_factor_secrets_are_sealed_at_rest,
    async |app: &TestApp| {
        let (password, secret) = app.user("qt.kin", Role::SystemAdmin, Scope::National).await;
        let secret = secret.unwrap();
        let id = user_id(app, "qt.kin").await;
        let stored = || async move {
            app.db
                .fetch_one(
                    "SELECT totp_secret FROM users WHERE id = $1",
                    platform::params![id],
                )
                .await
                .unwrap()
                .get::<String>("totp_secret")
                .unwrap()
        };
        let s = stored().await;
        assert!(sealed::is_sealed(&s), "{s}");
        assert!(!s.contains(&secret));
        assert_eq!(test_totp_key().open(id, &s), Some(secret.clone()));
        // A secret stored in plain text before encryption is sealed when egov starts.
        app.db
            .execute(
                "UPDATE users SET totp_secret = $1 WHERE id = $2",
                platform::params![&secret, id],
            )
            .await
            .unwrap();
        let restarted = app.another_node().await;
        let s = stored().await;
        assert!(sealed::is_sealed(&s) && !s.contains(&secret), "{s}");
        let mut c = restarted.client();
        c.login("qt.kin", &password, Some(&secret)).await;
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::OK);
        restarted.db.close().await;
    }
);

on_both!(
    pages_with_a_password_or_secret_are_not_stored,
    async |app: &TestApp| {
        let mut admin = app
            .signed_in("qt.bo.nho", Role::SystemAdmin, Scope::National)
            .await;
        app.user("nv.bo.nho", Role::Viewer, Scope::National).await;
        let id = user_id(app, "nv.bo.nho").await;
        let no_store = |r: &Res| {
            r.headers
                .get(header::CACHE_CONTROL)
                .is_some_and(|v| v == "no-store")
        };
        let r = admin
            .post(&format!("/admin/users/{id}/reset-password"), &[])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(no_store(&r), "temporary password page: {:?}", r.headers);
        let r = admin
            .post(
                "/admin/tokens",
                &[
                    ("name", "Hệ thống thử"),
                    ("role", "viewer"),
                    ("scope_kind", "national"),
                    ("days", "30"),
                ],
            )
            .await;
        assert!(r.body.contains("egov_"), "{}", r.body);
        assert!(no_store(&r), "token secret page: {:?}", r.headers);
        // The enrolment page shows a second-factor secret.
        let (password, _) = app.user("nv.enrol", Role::Viewer, Scope::National).await;
        let mut v = app.client();
        v.login("nv.enrol", &password, None).await;
        let r = v.get("/account/totp").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(no_store(&r), "enrolment page: {:?}", r.headers);
        // Static files keep their own caching.
        let r = v.get("/assets/egov.css").await;
        assert!(!no_store(&r));
    }
);

/// Post the login form with an `Origin` header, CSRF token and cookie in order.
async fn post_with_origin(app: &TestApp, origin: &str) -> StatusCode {
    let mut c = app.client();
    c.get("/healthz").await;
    let csrf = c.cookies["egov_csrf"].clone();
    let body = serde_urlencoded::to_string([
        ("username", "khong.ai"),
        ("password", WRONG),
        ("csrf", &csrf),
    ])
    .unwrap();
    let req = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, origin)
        .header(header::COOKIE, format!("egov_csrf={csrf}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let _ = res.into_body().collect().await;
    status
}

on_both!(
    the_origin_check_compares_the_scheme,
    async |app: &TestApp| {
        // The test server is configured for plain HTTP (insecure cookies).
        assert_eq!(
            post_with_origin(app, "http://localhost").await,
            StatusCode::UNAUTHORIZED,
            "same origin: the form is processed"
        );
        assert_eq!(
            post_with_origin(app, "https://localhost").await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            post_with_origin(app, "http://evil.example").await,
            StatusCode::FORBIDDEN
        );
    }
);

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_database_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = std::env::temp_dir().join(format!(
        "egov-modes-{}-{}",
        std::process::id(),
        platform::db::now_ms()
    ));
    let data = dir.join("data");
    let file = data.join("egov.db");
    let url = format!("sqlite://{}", file.display());
    let db = platform::db::Db::connect(&url, 2).await.unwrap();
    db.migrate().await.unwrap();
    assert_eq!(mode(&data), 0o700, "directory");
    assert_eq!(mode(&file), 0o600, "database");
    for suffix in ["-wal", "-shm"] {
        let p = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
        assert_eq!(mode(&p), 0o600, "{suffix}");
    }
    db.close().await;
    // A file left readable by others is made private when opened.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let db = platform::db::Db::connect(&url, 2).await.unwrap();
    assert_eq!(mode(&file), 0o600);
    db.close().await;
    std::fs::remove_dir_all(&dir).ok();
}
