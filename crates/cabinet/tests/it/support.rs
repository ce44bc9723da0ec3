//! The wiring of the e-Cabinet's tests and the steps they share: members with a second factor
//! and a software passkey, signed in; forms and polls driven through the pages.

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::config::Config;
use platform::db::Db;
use platform::identity::access::{Role, Scope};
pub use testkit::authenticator::SoftAuthenticator;
pub use testkit::{BoxFuture, Client, Res, TestApp, Wiring};

pub static WIRING: Wiring = Wiring {
    name: "cabinet",
    connect,
    router,
    openapi: || serde_json::json!({}),
    audit_checks: platform::audit::Checks::default,
    on_close,
    template: tokio::sync::OnceCell::const_new(),
};

fn connect(config: &Config) -> BoxFuture<'_, anyhow::Result<Db>> {
    Box::pin(testkit::connect_and_migrate(config))
}

pub fn router(state: platform::web::AppState) -> axum::Router {
    platform::web::app(state, vec![registry::router(), cabinet::router()])
}

fn on_close(app: &TestApp) -> BoxFuture<'_, ()> {
    Box::pin(async move { app.assert_trail_intact().await })
}

/// The origin the test client's requests carry (`Host: localhost`).
pub const ORIGIN: &str = "http://localhost";

/// The shipped bodies.
pub async fn setup(app: &TestApp) {
    platform::reference::apply(
        &app.db,
        &Actor::system("test"),
        &cabinet::engine::reference::sets(),
        &Default::default(),
    )
    .await
    .unwrap();
}

/// A member: signed in with password and TOTP, with a registered software passkey.
pub struct Member {
    pub client: Client,
    pub key: SoftAuthenticator,
}

/// An official account with a second factor, signed in; no passkey yet.
pub async fn official(app: &TestApp, username: &str, role: Role, scope: Scope) -> Client {
    let (password, secret) = app.user(username, role, scope).await;
    let secret = match secret {
        Some(s) => s,
        None => {
            let id = platform::identity::find_user(&app.db, username)
                .await
                .unwrap()
                .unwrap()
                .id;
            let s = platform::identity::totp::new_secret();
            platform::identity::set_totp_secret(
                &app.db,
                &testkit::test_totp_key(),
                &Actor::system("test"),
                id,
                &s,
            )
            .await
            .unwrap();
            platform::identity::enable_totp(&app.db, &Actor::system("test"), id)
                .await
                .unwrap();
            s
        }
    };
    let mut c = app.client();
    c.login(username, &password, Some(&secret)).await;
    c
}

/// Registers a passkey for the signed-in client through the pages.
pub async fn add_passkey(c: &mut Client) -> SoftAuthenticator {
    let mut key = SoftAuthenticator::new(ORIGIN);
    let r = c.post("/cabinet/passkeys/start", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    let cred = key.register(&j["options"]).unwrap().to_string();
    let r = c
        .post(
            "/cabinet/passkeys/finish",
            &[
                ("ceremony", j["ceremony"].as_str().unwrap()),
                ("credential", &cred),
                ("name", "Khóa thử"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    key
}

/// `n` members of body `code` (the first the chair), each with a passkey.
pub async fn seat(app: &TestApp, code: &str, prefix: &str, n: usize) -> Vec<Member> {
    let body = cabinet::store::bodies::by_code(&app.db, code)
        .await
        .unwrap()
        .unwrap();
    let today = cabinet::model::iso(cabinet::model::vn_day(platform::db::now_ms()));
    let mut out = Vec::new();
    for i in 0..n {
        let username = format!("{prefix}{i:02}");
        // Members need no grant; a viewer of nothing in particular (their own unit).
        let scope = app.scope("unit", "40").await;
        let mut client = official(app, &username, Role::Viewer, scope).await;
        cabinet::engine::bodies::appoint(
            &app.db,
            &Actor::system("test"),
            &body,
            &cabinet::engine::bodies::Appointment {
                username: &username,
                role_vi: if i == 0 {
                    "Chủ tọa"
                } else {
                    "Thành viên"
                },
                role_en: if i == 0 { "Chair" } else { "Member" },
                chair: i == 0,
                voting: true,
                from_day: &today,
                assistant: None,
                position: i as i64,
            },
        )
        .await
        .unwrap();
        let key = add_passkey(&mut client).await;
        out.push(Member { client, key });
    }
    out
}

/// The id at the end of a redirect's location (`/cabinet/forms/12` → 12).
pub fn id_of(r: &Res) -> i64 {
    let loc = r.location();
    let path = loc.split(['#', '?']).next().unwrap();
    path.rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{loc}"))
}

/// Answers a form as the member, through the challenge and the passkey.
pub async fn answer(m: &mut Member, form: i64, answer: &str, opinion: &str) -> Res {
    let r = m
        .client
        .post(
            &format!("/cabinet/forms/{form}/challenge"),
            &[("answer", answer), ("opinion", opinion)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    let cred = m.key.assert(&j["options"]).unwrap().to_string();
    m.client
        .post(
            &format!("/cabinet/forms/{form}/answer"),
            &[
                ("answer", answer),
                ("opinion", opinion),
                ("ceremony", j["ceremony"].as_str().unwrap()),
                ("credential", &cred),
            ],
        )
        .await
}

/// Casts a ballot as the member with `client_id`.
pub async fn vote(m: &mut Member, poll: i64, choice: &str, client_id: &str) -> Res {
    let r = m
        .client
        .post(
            &format!("/cabinet/polls/{poll}/challenge"),
            &[("choice", choice), ("client_id", client_id)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    let cred = m.key.assert(&j["options"]).unwrap().to_string();
    m.client
        .post(
            &format!("/cabinet/polls/{poll}/vote"),
            &[
                ("choice", choice),
                ("client_id", client_id),
                ("ceremony", j["ceremony"].as_str().unwrap()),
                ("credential", &cred),
            ],
        )
        .await
}
