//! Crash safety of the e-Cabinet's polls: `egov serve` is killed with SIGKILL while members are
//! voting. After a restart every acknowledged ballot is counted, none twice, the poll is still
//! open, the other members finish voting against the new process, the poll closes by itself
//! with the last ballot, and every ballot's evidence verifies.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use platform::audit::Actor;
use testkit::authenticator::SoftAuthenticator;

/// Members of the poll.
const MEMBERS: usize = 30;
const ORIGIN: &str = "http://localhost";
const CSRF: &str = "crash-test-csrf-token-0123456789abcdef";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(url: &str, port: u16) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_egov"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("EGOV_DATABASE_URL", url)
        .env("EGOV_JOB_WORKERS", "0")
        .env("EGOV_AUDIT_KEY", crate::support::TEST_AUDIT_KEY)
        .env("EGOV_TOTP_KEY", crate::support::TEST_TOTP_KEY)
        // The site's address as its members' browsers see it: the passkeys' origin.
        .env("EGOV_PUBLIC_URL", ORIGIN)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// A form POST as the member's browser would send it; Some((status, body)) if a whole response
/// came back.
fn post(port: u16, session: &str, path: &str, fields: &[(&str, &str)]) -> Option<(u16, String)> {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.append_pair("csrf", CSRF);
    for (k, v) in fields {
        body.append_pair(k, v);
    }
    let body = body.finish();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nCookie: egov_session={session}; egov_csrf={CSRF}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let status = buf.split_whitespace().nth(1)?.parse().ok()?;
    let body = buf
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_owned();
    Some((status, body))
}

/// Challenge, passkey, ballot; Some(true) when acknowledged.
fn cast(
    port: u16,
    session: &str,
    key: &mut SoftAuthenticator,
    poll: i64,
    i: usize,
) -> Option<bool> {
    let client_id = format!("crash-ballot-{i:03}");
    let (status, body) = post(
        port,
        session,
        &format!("/cabinet/polls/{poll}/challenge"),
        &[("choice", "yes"), ("client_id", &client_id)],
    )?;
    if status != 200 {
        eprintln!("challenge {i}: {status} {body}");
        return Some(false);
    }
    let j: serde_json::Value = serde_json::from_str(body.trim()).ok()?;
    let cred = key.assert(&j["options"]).ok()?.to_string();
    let (status, body) = post(
        port,
        session,
        &format!("/cabinet/polls/{poll}/vote"),
        &[
            ("choice", "yes"),
            ("client_id", &client_id),
            ("ceremony", j["ceremony"].as_str()?),
            ("credential", &cred),
        ],
    )?;
    if status != 200 {
        eprintln!("ballot {i}: {status} {body}");
    }
    Some(status == 200)
}

async fn crash_story(url: String) {
    let config = platform::config::Config {
        database_url: platform::config::Secret::new(url.clone()),
        audit_key: Some(platform::config::Secret::new(
            crate::support::TEST_AUDIT_KEY,
        )),
        ..Default::default()
    };
    let db = egov::connect(&config).await.unwrap();
    let actor = Actor::system("test");
    platform::reference::apply(&db, &actor, &egov::reference_sets(), &Default::default())
        .await
        .unwrap();
    let body = cabinet::store::bodies::by_code(&db, "cp")
        .await
        .unwrap()
        .unwrap();
    let now = platform::db::now_ms();
    let today = cabinet::model::iso(cabinet::model::vn_day(now));
    let rp = cabinet::engine::passkeys::relying_party(ORIGIN).unwrap();
    // Members with a second factor, a passkey and a signed-in session each.
    let mut members = Vec::new();
    for i in 0..MEMBERS {
        let username = format!("tv{i:03}");
        let uid = platform::identity::create_user(
            &db,
            &actor,
            platform::identity::NewUser {
                username: username.clone(),
                display_name: format!("Thành viên {i}"),
                email: None,
                password: "Mật khẩu thử nghiệm 2026".into(),
                locale: None,
                must_change_password: false,
                is_demo: false,
            },
            None,
        )
        .await
        .unwrap();
        let secret = platform::identity::totp::new_secret();
        platform::identity::set_totp_secret(
            &db,
            &crate::support::test_totp_key(),
            &actor,
            uid,
            &secret,
        )
        .await
        .unwrap();
        platform::identity::enable_totp(&db, &actor, uid)
            .await
            .unwrap();
        cabinet::engine::bodies::appoint(
            &db,
            &actor,
            &body,
            &cabinet::engine::bodies::Appointment {
                username: &username,
                role_vi: "Thành viên",
                role_en: "Member",
                chair: i == 0,
                voting: true,
                from_day: &today,
                assistant: None,
                position: i as i64,
            },
        )
        .await
        .unwrap();
        let mut key = SoftAuthenticator::new(ORIGIN);
        let (cer, opts) =
            cabinet::engine::passkeys::start_registration(&db, &rp, uid, &username, &username, now)
                .await
                .unwrap();
        let cred = key.register(&opts).unwrap().to_string();
        cabinet::engine::passkeys::finish_registration(
            &db, &rp, &actor, uid, &cer, &cred, "khóa", now,
        )
        .await
        .unwrap();
        let session = platform::identity::sessions::create(&db, &config, uid, true, None, None)
            .await
            .unwrap();
        members.push((session, key));
    }
    // A session with everyone in the room, open, and a named poll.
    let s = cabinet::engine::sessions::plan(
        &db,
        &actor,
        &body,
        &cabinet::engine::sessions::Plan {
            kind: cabinet::model::kinds::SessionKind::Urgent,
            title: "Phiên họp bất thường",
            starts_at: now,
            place: "",
        },
        now,
    )
    .await
    .unwrap();
    let s = cabinet::store::sessions::get(&db, s)
        .await
        .unwrap()
        .unwrap();
    for m in cabinet::store::bodies::in_office(&db, body.id, &today)
        .await
        .unwrap()
    {
        cabinet::engine::sessions::attendance(
            &db,
            &actor,
            &s,
            m.id,
            cabinet::model::kinds::Presence::Room,
            None,
            now,
        )
        .await
        .unwrap();
    }
    cabinet::engine::sessions::open(&db, &actor, &body, &s, now)
        .await
        .unwrap();
    let s = cabinet::store::sessions::get(&db, s.id)
        .await
        .unwrap()
        .unwrap();
    let poll = cabinet::engine::polls::open(&db, &actor, &body, &s, None, "Thông qua?", false, now)
        .await
        .unwrap();
    db.close().await;

    // Members vote one after another; the server is killed after ten acknowledgements.
    let port = free_port();
    let mut server = serve(&url, port);
    let members = Arc::new(Mutex::new(members));
    let acked: Arc<Mutex<Vec<usize>>> = Arc::default();
    let voter = {
        let (members, acked) = (members.clone(), acked.clone());
        std::thread::spawn(move || {
            for i in 0..MEMBERS {
                let mut ms = members.lock().unwrap();
                let (session, key) = &mut ms[i];
                match cast(port, session, key, poll, i) {
                    Some(true) => acked.lock().unwrap().push(i),
                    Some(false) => panic!("ballot {i} refused"),
                    None => return i, // the server is gone
                }
            }
            MEMBERS
        })
    };
    while acked.lock().unwrap().len() < 10 {
        assert!(!voter.is_finished(), "the voter stopped before ten ballots");
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let stopped_at = voter.join().unwrap();
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 10 && acked.len() < MEMBERS,
        "killed mid-poll: {} acked",
        acked.len()
    );

    // After the restart: every acknowledged ballot is there, once; the poll is still open.
    let db = platform::db::Db::connect(&url, 2)
        .await
        .unwrap()
        .with_audit_key(Some(crate::support::test_audit_key()));
    let p = cabinet::store::polls::get(&db, poll)
        .await
        .unwrap()
        .unwrap();
    let ballots = cabinet::store::polls::ballots(&db, poll).await.unwrap();
    assert_eq!(p.status.code(), "open");
    assert_eq!(
        p.cast,
        ballots.len() as i64,
        "the count is the ballots stored"
    );
    for i in &acked {
        let client = format!("crash-ballot-{i:03}");
        assert_eq!(
            ballots.iter().filter(|b| b.client_id == client).count(),
            1,
            "acknowledged ballot {i} is counted once"
        );
    }
    // The poll resumes: everyone votes again from where they were (a ballot stored but not
    // acknowledged is answered as the repeat it is), and the last closes the poll.
    let mut server = serve(&url, port);
    let mut ms = std::mem::take(&mut *members.lock().unwrap());
    for (i, (session, key)) in ms.iter_mut().enumerate().skip(stopped_at) {
        assert_eq!(
            cast(port, session, key, poll, i),
            Some(true),
            "ballot {i} after the restart"
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let p = cabinet::store::polls::get(&db, poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (p.status.code(), p.cast, p.yes),
        ("closed", MEMBERS as i64, Some(MEMBERS as i64))
    );
    let report = cabinet::engine::verify::poll(&db, poll, Some(ORIGIN))
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_poll_loses_no_acknowledged_ballot_sqlite() {
    crash_story(crate::support::fresh_database("sqlite").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: scripts/test provides one"]
async fn sigkill_during_a_poll_loses_no_acknowledged_ballot_postgres() {
    crash_story(crate::support::fresh_database("postgres").await).await;
}
