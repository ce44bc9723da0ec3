//! Issue 12, the connected sites' health: the `operations.sites` probe against real HLS streams
//! (ffmpeg writing a test pattern, served on loopback), conference points' join URLs, broken
//! sites with their findings; a change between up and down raised as one alert and e-mailed
//! once; the status board and its JSON twin.

use std::path::PathBuf;
use std::time::Duration;

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::identity::access::{Role, Scope};
use platform::params;

use operations::engine::alerts::{self as alerts, NewRule};
use operations::engine::probe;
use operations::model::alerts::Kind;
use operations::model::health::Finding;
use operations::model::site::{Category, SiteKind, SiteSpec, SiteState};
use operations::store::sites as store;
use operations::streams::{self, TestStream};

use crate::on_both;
use crate::support::TestApp;

/// A directory of its own under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let d = testkit::unique_temp(&format!("egov-streams-{tag}"));
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Serve `router` on loopback until the returned sender is dropped.
async fn serve(router: axum::Router) -> (String, tokio::sync::oneshot::Sender<()>) {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let base = testkit::serve(router, async move {
        let _ = rx.await;
    })
    .await;
    (base, tx)
}

async fn add_site(app: &TestApp, code: &str, kind: SiteKind, url: &str) -> i64 {
    let spec = SiteSpec {
        code: code.into(),
        kind,
        category: if kind == SiteKind::Camera {
            Category::AdminCentre
        } else {
            Category::Other
        },
        name: format!("Điểm {code}"),
        unit_code: None,
        place: String::new(),
        latitude: None,
        longitude: None,
        url: url.into(),
    };
    let mut tx = app.db.begin().await.unwrap();
    let id = store::insert(&mut tx, &spec, platform::db::now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn site_down_rule(app: &TestApp, to: &str) {
    alerts::create_rule(
        &app.db,
        &Actor::system("test"),
        NewRule {
            kind: Kind::SiteDown,
            indicator: None,
            template: None,
            threshold: None,
            recipients: vec![to.to_owned()],
        },
    )
    .await
    .unwrap();
}

async fn state(app: &TestApp, id: i64) -> (SiteState, Option<Finding>) {
    let s = store::get(&app.db, id).await.unwrap().unwrap();
    (s.state, Finding::decode(&s.finding))
}

/// Probe rounds until the site is in `want` (at most `within`); the state and finding reached.
async fn probe_until(
    app: &TestApp,
    id: i64,
    want: SiteState,
    within: Duration,
) -> (SiteState, Option<Finding>) {
    let client = probe::client();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        probe::run(&app.db, &client).await.unwrap();
        let got = state(app, id).await;
        if got.0 == want || tokio::time::Instant::now() >= deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
}

async fn count(app: &TestApp, sql: &'static str, p: Vec<platform::db::Value>) -> i64 {
    app.db.fetch_one(sql, p).await.unwrap().get("n").unwrap()
}

async fn alerts_of(app: &TestApp, kind: Kind, code: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) AS n FROM alerts WHERE kind = $1 AND subject = $2",
        params![kind.as_str(), code],
    )
    .await
}

on_both!(
    a_live_stream_is_up_goes_down_when_ffmpeg_stops_and_comes_back,
    async |app: &TestApp| {
        assert!(
            streams::ffmpeg_available(),
            "ffmpeg is needed (scripts/test installs it)"
        );
        let root = TempDir::new("probe");
        let mut stream = TestStream::start(&root.0.join("cam1"), "CAM 1", 1).unwrap();
        assert!(
            stream.ready(Duration::from_secs(15)).await,
            "ffmpeg wrote no segment"
        );
        let (base, _stop) = serve(streams::router(root.0.clone())).await;
        site_down_rule(app, "trucban@vpcp.gov.vn").await;
        let cam = add_site(
            app,
            "CAM-1",
            SiteKind::Camera,
            &format!("{base}/demo/streams/cam1/index.m3u8"),
        )
        .await;
        // Served read-only with its type, Last-Modified and no caching; nothing else is.
        let http = probe::client();
        let r = http
            .get(&format!("{base}/demo/streams/cam1/index.m3u8"))
            .await
            .unwrap();
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.header(axum::http::header::CONTENT_TYPE),
            Some("application/vnd.apple.mpegurl")
        );
        assert_eq!(
            r.header(axum::http::header::CACHE_CONTROL),
            Some("no-cache")
        );
        assert!(r.header(axum::http::header::LAST_MODIFIED).is_some());
        for bad in [
            "cam1/..%2F..%2Fetc%2Fpasswd",
            "cam1/.index.m3u8",
            "cam1/x.html",
            ".%2E/cam1",
        ] {
            let r = http
                .get(&format!("{base}/demo/streams/{bad}"))
                .await
                .unwrap();
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
        }

        // Live: the playlist answers and its newest segment is fresh.
        let (s, f) = probe_until(app, cam, SiteState::Up, Duration::from_secs(6)).await;
        assert_eq!(s, SiteState::Up, "{f:?}");
        assert!(matches!(f, Some(Finding::Live { .. })), "{f:?}");
        assert_eq!(
            alerts_of(app, Kind::SiteUp, "CAM-1").await,
            0,
            "unknown → up is no alert"
        );

        // ffmpeg stops: the playlist still answers, its newest segment ages past 3 × 1 s.
        stream.stop().await;
        let (s, f) = probe_until(app, cam, SiteState::Down, Duration::from_secs(15)).await;
        assert_eq!(s, SiteState::Down, "{f:?}");
        match f {
            Some(Finding::Stale { age_ms, target_s }) => {
                assert_eq!(target_s, 1);
                assert!(age_ms > 3000, "{age_ms}");
            }
            other => panic!("expected a stale stream, got {other:?}"),
        }
        assert_eq!(alerts_of(app, Kind::SiteDown, "CAM-1").await, 1);
        // The next round finds it down again: no second alert, no second e-mail.
        probe::run(&app.db, &probe::client()).await.unwrap();
        assert_eq!(alerts_of(app, Kind::SiteDown, "CAM-1").await, 1);
        let down_alert: i64 = app
            .db
            .fetch_one(
                "SELECT id FROM alerts WHERE kind = 'site_down' AND subject = 'CAM-1'",
                params![],
            )
            .await
            .unwrap()
            .get("id")
            .unwrap();
        assert_eq!(
            count(
                app,
                "SELECT COUNT(*) AS n FROM notifications WHERE dedupe_key = $1",
                params![format!("alert:{down_alert}:trucban@vpcp.gov.vn")],
            )
            .await,
            1
        );

        // The stream comes back: one site_up alert, told to the site_down rule's recipients.
        // A camera's server starting again begins a new playlist: the old one (naming segments
        // the new encoder deletes) goes first, and the probe looks once the new one is written.
        std::fs::remove_dir_all(root.0.join("cam1")).unwrap();
        let again = TestStream::start(&root.0.join("cam1"), "CAM 1", 1).unwrap();
        assert!(
            again.ready(Duration::from_secs(30)).await,
            "the restarted ffmpeg wrote no segment"
        );
        let (s, f) = probe_until(app, cam, SiteState::Up, Duration::from_secs(20)).await;
        assert_eq!(s, SiteState::Up, "{f:?}");
        assert_eq!(alerts_of(app, Kind::SiteUp, "CAM-1").await, 1);
        let states: Vec<String> = app
            .db
            .fetch_all(
                "SELECT state FROM site_transitions WHERE site_id = $1 ORDER BY at, id",
                params![cam],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("state").unwrap())
            .collect();
        assert_eq!(states, ["up", "down", "up"]);
        assert_eq!(
            count(
                app,
                "SELECT COUNT(*) AS n FROM live_events WHERE topic = 'sites'",
                params![]
            )
            .await,
            3
        );
        // The live stream is public: its events name no site.
        assert_eq!(
            count(
                app,
                "SELECT COUNT(*) AS n FROM live_events WHERE topic = 'sites' AND data LIKE '%CAM-1%'",
                params![]
            )
            .await,
            0
        );

        // Delivered over SMTP: the outage and the return, each once.
        let (url, got) = platform::mail::sink::smtp_sink(false).await;
        let mailer = platform::mail::SmtpMailer::new(&url, "egov <egov@example.gov.vn>").unwrap();
        let done = platform::mail::deliver_pending(&app.db, &mailer, 200)
            .await
            .unwrap();
        assert_eq!((done.sent, done.failed), (2, 0));
        let received = got.lock().unwrap().clone();
        assert!(
            received
                .iter()
                .all(|m| m.contains("To: trucban@vpcp.gov.vn"))
        );
        assert_eq!(
            platform::mail::deliver_pending(&app.db, &mailer, 200)
                .await
                .unwrap()
                .sent,
            0
        );
    }
);

const LIVE_PLAYLIST: &str = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nlive.ts\n";
const VOD_PLAYLIST: &str =
    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nlive.ts\n#EXT-X-ENDLIST\n";

/// A small server of fixed answers: a conference system, a master playlist whose variant is
/// live (its segment's Last-Modified is now), an on-demand playlist, a broken one.
fn fixtures() -> axum::Router {
    use axum::routing::get;
    let now_date = || {
        let f = time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        );
        time::OffsetDateTime::now_utc().format(&f).unwrap()
    };
    axum::Router::new()
        .route("/join/123", get(|| async { "Phòng họp trực tuyến" }))
        .route(
            "/join/busy",
            get(|| async { StatusCode::SERVICE_UNAVAILABLE }),
        )
        .route(
            "/cam/master.m3u8",
            get(|| async { "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000\nlow/index.m3u8\n" }),
        )
        .route("/cam/low/index.m3u8", get(|| async { LIVE_PLAYLIST }))
        .route(
            "/cam/low/live.ts",
            get(move || async move { ([(axum::http::header::LAST_MODIFIED, now_date())], "ts") }),
        )
        .route("/vod/index.m3u8", get(|| async { VOD_PLAYLIST }))
        .route(
            "/bad/index.m3u8",
            get(|| async { "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:two,\na.ts\n" }),
        )
}

on_both!(
    each_broken_site_is_down_with_what_was_found,
    async |app: &TestApp| {
        let (base, _stop) = serve(fixtures()).await;
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let sites = [
            ("VC-OK", SiteKind::Conference, format!("{base}/join/123")),
            ("VC-BUSY", SiteKind::Conference, format!("{base}/join/busy")),
            (
                "CAM-MASTER",
                SiteKind::Camera,
                format!("{base}/cam/master.m3u8"),
            ),
            ("CAM-404", SiteKind::Camera, format!("{base}/cam/gone.m3u8")),
            (
                "CAM-REFUSED",
                SiteKind::Camera,
                format!("http://127.0.0.1:{closed}/x.m3u8"),
            ),
            (
                "CAM-VOD",
                SiteKind::Camera,
                format!("{base}/vod/index.m3u8"),
            ),
            (
                "CAM-BAD",
                SiteKind::Camera,
                format!("{base}/bad/index.m3u8"),
            ),
        ];
        let mut ids = Vec::new();
        for (code, kind, url) in &sites {
            ids.push(add_site(app, code, *kind, url).await);
        }
        let started = std::time::Instant::now();
        let round = probe::run(&app.db, &probe::client()).await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!((round.probed, round.up, round.down), (7, 2, 5));
        let want = [
            (SiteState::Up, Finding::Answered(200)),
            (SiteState::Down, Finding::Http(503)),
            (SiteState::Up, Finding::Live { age_ms: 0 }),
            (SiteState::Down, Finding::Http(404)),
            (SiteState::Down, Finding::Refused),
            (SiteState::Down, Finding::NotLive),
            (
                SiteState::Down,
                Finding::Playlist(operations::model::hls::HlsError::ExtinfInvalid(3)),
            ),
        ];
        for ((id, (code, ..)), (w_state, w_finding)) in ids.iter().zip(&sites).zip(want) {
            let (s, f) = state(app, *id).await;
            assert_eq!(s, w_state, "{code}");
            match (f, w_finding) {
                // Last-Modified has whole seconds: the age is under a second or two.
                (Some(Finding::Live { age_ms }), Finding::Live { .. }) => {
                    assert!(age_ms < 3000, "{code}: {age_ms}")
                }
                (f, w) => assert_eq!(f, Some(w), "{code}"),
            }
        }
        // A new site found down is an alert (no rule: none e-mailed); one found up is not.
        assert_eq!(alerts_of(app, Kind::SiteDown, "CAM-404").await, 1);
        assert_eq!(alerts_of(app, Kind::SiteUp, "VC-OK").await, 0);
        assert_eq!(round.alerts, 5);
        assert_eq!(
            count(app, "SELECT COUNT(*) AS n FROM notifications", params![]).await,
            0
        );
    }
);

on_both!(
    site_down_rules_are_made_on_the_rules_form,
    async |app: &TestApp| {
        crate::support::setup(app).await;
        let mut admin = app
            .signed_in("qt.ht", Role::SystemAdmin, Scope::National)
            .await;
        let r = admin
            .post(
                "/operations/alerts/rules",
                &[
                    ("kind", "site_down"),
                    ("indicator", ""),
                    ("template", ""),
                    ("threshold", ""),
                    ("recipients", "trucban@vpcp.gov.vn"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = admin.get("/operations/alerts/rules").await;
        assert!(page.body.contains("Mọi điểm kết nối"), "{}", page.body);
        assert!(page.body.contains("Điểm kết nối mất tín hiệu"));
    }
);

/// Record a probe of site `id` at `at` (ms).
async fn found(app: &TestApp, id: i64, state: SiteState, finding: &Finding, at: i64) {
    let site = store::get(&app.db, id).await.unwrap().unwrap();
    let mut tx = app.db.begin().await.unwrap();
    store::record_probe(&mut tx, &site, state, &finding.encode(), at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

const HOUR: i64 = 3_600_000;

on_both!(
    the_status_board_lists_sites_down_first_with_their_availability,
    async |app: &TestApp| {
        let now = platform::db::now_ms();
        let up = add_site(
            app,
            "VC-UP",
            SiteKind::Conference,
            "https://meet.gov.vn/j/1",
        )
        .await;
        let half = add_site(
            app,
            "CAM-HALF",
            SiteKind::Camera,
            "https://cam.gov.vn/h.m3u8",
        )
        .await;
        let down = add_site(
            app,
            "CAM-DOWN",
            SiteKind::Camera,
            "https://cam.gov.vn/d.m3u8",
        )
        .await;
        add_site(
            app,
            "CAM-NEW",
            SiteKind::Camera,
            "https://cam.gov.vn/n.m3u8",
        )
        .await;
        found(app, up, SiteState::Up, &Finding::Answered(200), now - HOUR).await;
        // Up 5 hours, down 3, up again for the last 2.
        found(
            app,
            half,
            SiteState::Up,
            &Finding::Live { age_ms: 900 },
            now - 10 * HOUR,
        )
        .await;
        found(
            app,
            half,
            SiteState::Down,
            &Finding::Stale {
                age_ms: 41_000,
                target_s: 2,
            },
            now - 5 * HOUR,
        )
        .await;
        found(
            app,
            half,
            SiteState::Up,
            &Finding::Live { age_ms: 800 },
            now - 2 * HOUR,
        )
        .await;
        found(
            app,
            down,
            SiteState::Down,
            &Finding::Http(404),
            now - 3 * HOUR,
        )
        .await;

        // Officials only.
        let mut anon = app.client();
        let r = anon.get("/api/v1/operations/sites/health").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        let r = anon.get("/operations/sites/health").await;
        assert!(r.status.is_redirection(), "{}", r.status);

        let mut viewer = app.signed_in("xem.ht", Role::Viewer, Scope::National).await;
        let j = viewer.get("/api/v1/operations/sites/health").await;
        assert_eq!(j.status, StatusCode::OK, "{}", j.body);
        let v: serde_json::Value = serde_json::from_str(&j.body).unwrap();
        let codes: Vec<&str> = v["sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["CAM-DOWN", "CAM-NEW", "CAM-HALF", "VC-UP"]);
        assert_eq!(
            (v["up"].as_u64(), v["down"].as_u64(), v["unknown"].as_u64()),
            (Some(2), Some(1), Some(1))
        );
        let site = |code: &str| {
            v["sites"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["code"] == code)
                .unwrap()
                .clone()
        };
        // Up 5 h, down 3 h, up 2 h of the 10 h known: 70 %.
        let h = site("CAM-HALF");
        let f = h["availability_day"].as_f64().unwrap();
        assert!((f - 0.7).abs() < 1e-3, "{f}");
        assert_eq!(h["availability_month"], h["availability_day"]);
        assert_eq!(h["state"], "up");
        assert_eq!(site("CAM-DOWN")["availability_day"].as_f64(), Some(0.0));
        assert_eq!(site("CAM-DOWN")["finding"], "http:404");
        assert_eq!(site("VC-UP")["availability_month"].as_f64(), Some(1.0));
        assert!(
            site("CAM-NEW")["availability_day"].is_null(),
            "unknown time is left out"
        );

        let page = viewer.get("/operations/sites/health").await;
        assert_eq!(page.status, StatusCode::OK);
        let b = &page.body;
        assert!(b.contains("Tình trạng điểm kết nối"));
        let pos = |s: &str| b.find(s).unwrap_or_else(|| panic!("{s} missing"));
        assert!(pos("site-CAM-DOWN") < pos("site-CAM-NEW"));
        assert!(pos("site-CAM-NEW") < pos("site-CAM-HALF"));
        assert!(pos("site-CAM-HALF") < pos("site-VC-UP"));
        assert!(b.contains("Mất tín hiệu") && b.contains("HTTP 404"));
        assert!(b.contains("0,00 %") && b.contains("100,00 %"));
        assert!(
            b.contains("Chưa có"),
            "no availability for a site never checked"
        );
        assert!(b.contains("data-live-topics=\"sites\""));
        // Officials find it from the overview and the alerts.
        for from in ["/operations", "/operations/alerts"] {
            let p = viewer.get(from).await;
            assert!(
                p.body.contains("href=\"/operations/sites/health\""),
                "{from}"
            );
        }
    }
);

on_both!(
    the_daily_brief_names_the_sites_that_went_down,
    async |app: &TestApp| {
        crate::support::setup(app).await;
        let now = platform::db::now_ms();
        let still = add_site(
            app,
            "CAM-CK-01",
            SiteKind::Camera,
            "https://cam.gov.vn/ck.m3u8",
        )
        .await;
        let back = add_site(app, "VC-NA", SiteKind::Conference, "https://meet.gov.vn/na").await;
        let old = add_site(
            app,
            "CAM-OLD",
            SiteKind::Camera,
            "https://cam.gov.vn/old.m3u8",
        )
        .await;
        let long = add_site(
            app,
            "CAM-LONG",
            SiteKind::Camera,
            "https://cam.gov.vn/long.m3u8",
        )
        .await;
        found(
            app,
            still,
            SiteState::Up,
            &Finding::Live { age_ms: 1 },
            now - 30 * HOUR,
        )
        .await;
        found(
            app,
            still,
            SiteState::Down,
            &Finding::Stale {
                age_ms: 41_000,
                target_s: 2,
            },
            now - 3 * HOUR,
        )
        .await;
        found(
            app,
            back,
            SiteState::Down,
            &Finding::Refused,
            now - 5 * HOUR,
        )
        .await;
        found(
            app,
            back,
            SiteState::Up,
            &Finding::Answered(200),
            now - 2 * HOUR,
        )
        .await;
        // Down and back up the day before: not in the brief.
        found(
            app,
            old,
            SiteState::Down,
            &Finding::Http(404),
            now - 30 * HOUR,
        )
        .await;
        found(
            app,
            old,
            SiteState::Up,
            &Finding::Live { age_ms: 1 },
            now - 26 * HOUR,
        )
        .await;
        // Down since before the window and still down: named, with since when.
        found(
            app,
            long,
            SiteState::Down,
            &Finding::Timeout(5000),
            now - 40 * HOUR,
        )
        .await;

        let mut editor = app
            .signed_in("bientap.ht", Role::Approver, Scope::National)
            .await;
        let r = editor.post("/operations/brief/compose", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = editor.get(&r.location()).await;
        let b = &page.body;
        assert!(b.contains("Điểm kết nối mất tín hiệu"), "{b}");
        assert!(
            b.contains("Điểm CAM-CK-01 (CAM-CK-01): mất tín hiệu từ"),
            "{b}"
        );
        assert!(
            b.contains("đoạn video mới nhất đã cũ 41,0 giây &#62; 3 × 2 giây"),
            "{b}"
        );
        assert!(
            b.contains("Điểm CAM-LONG (CAM-LONG): mất tín hiệu từ"),
            "{b}"
        );
        assert!(b.contains("Điểm VC-NA (VC-NA): mất tín hiệu lúc"), "{b}");
        assert!(b.contains("hoạt động trở lại lúc"), "{b}");
        assert!(
            !b.contains("CAM-OLD"),
            "an outage over before the last 24 hours"
        );
        // Still-down sites first.
        assert!(b.find("CAM-LONG").unwrap() < b.find("VC-NA (VC-NA)").unwrap());

        // The e-mail and the PDF list the same section.
        let day = registry::Day::today().0.to_string();
        editor
            .post(
                "/operations/brief/subscribers",
                &[("email", "lanhdao@vpcp.gov.vn"), ("action", "add")],
            )
            .await;
        let r = editor
            .post(&format!("/operations/brief/{day}/publish"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let body: String = app
            .db
            .fetch_one(
                "SELECT body FROM notifications WHERE dedupe_key LIKE 'brief:%'",
                vec![],
            )
            .await
            .unwrap()
            .get("body")
            .unwrap();
        assert!(body.contains("Điểm kết nối mất tín hiệu\n- "), "{body}");
        assert!(
            body.contains("Điểm CAM-CK-01 (CAM-CK-01): mất tín hiệu từ"),
            "{body}"
        );
        let (status, pdf) = editor
            .get_bytes(&format!("/operations/brief/{day}/pdf"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let path = testkit::unique_temp("egov-brief-sites").with_extension("pdf");
        std::fs::write(&path, &pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8", "-raw"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils)");
        std::fs::remove_file(&path).unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Điểm kết nối mất tín hiệu"), "{text}");
        assert!(text.contains("CAM-LONG"), "{text}");
    }
);

on_both!(
    many_sites_are_probed_concurrently_each_within_its_timeout,
    async |app: &TestApp| {
        use axum::routing::get;
        // Each answer takes 300 ms; one path never answers.
        let slow = axum::Router::new()
            .route(
                "/join/{n}",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    "ok"
                }),
            )
            .route(
                "/hang",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(600)).await;
                    "late"
                }),
            );
        let (base, _stop) = serve(slow).await;
        for i in 0..64 {
            add_site(
                app,
                &format!("VC-{i:02}"),
                SiteKind::Conference,
                &format!("{base}/join/{i}"),
            )
            .await;
        }
        let hang = add_site(
            app,
            "VC-HANG",
            SiteKind::Conference,
            &format!("{base}/hang"),
        )
        .await;
        let client = platform::http_client::HttpClient::new(platform::http_client::Limits {
            total: Duration::from_millis(1500),
            ..Default::default()
        });
        let started = std::time::Instant::now();
        let round = probe::run(&app.db, &client).await.unwrap();
        let took = started.elapsed();
        // One at a time this would take 64 × 0.3 s ≈ 19 s; 16 at once, about 1.2 s.
        assert!(took < Duration::from_secs(6), "{took:?}");
        assert_eq!((round.probed, round.up, round.down), (65, 64, 1));
        assert_eq!(
            state(app, hang).await,
            (SiteState::Down, Some(Finding::Timeout(1500)))
        );
    }
);

on_both!(
    a_site_turned_off_or_given_a_new_url_leaves_the_unknown_time_out_of_its_availability,
    async |app: &TestApp| {
        let now = platform::db::now_ms();
        let off = add_site(
            app,
            "CAM-OFF",
            SiteKind::Camera,
            "https://cam.gov.vn/o.m3u8",
        )
        .await;
        let moved = add_site(
            app,
            "CAM-MOVED",
            SiteKind::Camera,
            "https://cam.gov.vn/m.m3u8",
        )
        .await;
        let live = Finding::Live { age_ms: 900 };
        let gone = Finding::Http(404);
        // Up 5 h, down 1 h, then turned off 4 h ago and back on 2 h ago (never probed since).
        found(app, off, SiteState::Up, &live, now - 10 * HOUR).await;
        found(app, off, SiteState::Down, &gone, now - 5 * HOUR).await;
        let mut tx = app.db.begin().await.unwrap();
        store::set_active(&mut tx, off, false, now - 4 * HOUR)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = app.db.begin().await.unwrap();
        store::set_active(&mut tx, off, true, now - 2 * HOUR)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // Up 2 h, down 2 h, its URL fixed 6 h ago, up again for the last hour.
        found(app, moved, SiteState::Up, &live, now - 10 * HOUR).await;
        found(app, moved, SiteState::Down, &gone, now - 8 * HOUR).await;
        let mut spec = store::get(&app.db, moved).await.unwrap().unwrap().spec;
        let mut tx = app.db.begin().await.unwrap();
        // A change that keeps the URL resets nothing.
        spec.name = "Camera đã chuyển".into();
        store::update(&mut tx, moved, &spec, now - 7 * HOUR)
            .await
            .unwrap();
        spec.url = "https://cam2.gov.vn/m.m3u8".into();
        store::update(&mut tx, moved, &spec, now - 6 * HOUR)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(state(app, moved).await.0, SiteState::Unknown);
        found(app, moved, SiteState::Up, &live, now - HOUR).await;

        // One `unknown` row per reset, none for a second reset in a row or a kept URL.
        let unknown = |id: i64| {
            count(
                app,
                "SELECT COUNT(*) AS n FROM site_transitions WHERE site_id = $1 AND state = 'unknown'",
                params![id],
            )
        };
        assert_eq!(unknown(off).await, 1);
        assert_eq!(unknown(moved).await, 1);

        let mut viewer = app.signed_in("xem.ht", Role::Viewer, Scope::National).await;
        let j = viewer.get("/api/v1/operations/sites/health").await;
        assert_eq!(j.status, StatusCode::OK, "{}", j.body);
        let v: serde_json::Value = serde_json::from_str(&j.body).unwrap();
        let day = |code: &str| {
            v["sites"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["code"] == code)
                .unwrap_or_else(|| panic!("{code} on the board: {v}"))["availability_day"]
                .as_f64()
                .unwrap()
        };
        // Up 5 h of the 6 h known (not 5 of 10: the 4 h since the reset are unknown).
        let f = day("CAM-OFF");
        assert!((f - 5.0 / 6.0).abs() < 1e-3, "{f}");
        // Up 2 h + 1 h of the 5 h known (not 3 of 10).
        let f = day("CAM-MOVED");
        assert!((f - 0.6).abs() < 1e-3, "{f}");
    }
);

// Creating a site twice at once (the registry's forms, not its health; kept here with the
// other sites' stories of this file's owner).

fn camera_form(code: &str) -> Vec<(&str, &str)> {
    vec![
        ("code", code),
        ("kind", "camera"),
        ("category", "admin_centre"),
        ("name", "Trung tâm Phục vụ hành chính công"),
        ("unit_code", "01"),
        ("place", ""),
        ("latitude", ""),
        ("longitude", ""),
        ("url", "http://127.0.0.1:9/cam/index.m3u8"),
    ]
}

on_both!(
    two_creates_of_one_site_code_at_once_give_one_site_and_one_form_error,
    async |app: &TestApp| {
        let admin = app
            .signed_in("qt.race", Role::SystemAdmin, Scope::National)
            .await;
        let sites_of = |code: &'static str| {
            count(
                app,
                "SELECT COUNT(*) AS n FROM sites WHERE code = $1",
                params![code],
            )
        };
        // Deterministic: another create of the code is in flight (inserted, not committed) when
        // this one checks the code, and commits while this one inserts.
        let form = camera_form("CAM-RACE");
        let mut c = admin.clone();
        let mut tx = app.db.begin().await.unwrap();
        let spec = SiteSpec {
            code: "CAM-RACE".into(),
            kind: SiteKind::Camera,
            category: Category::AdminCentre,
            name: "Điểm đang tạo".into(),
            unit_code: None,
            place: String::new(),
            latitude: None,
            longitude: None,
            url: "http://127.0.0.1:9/other.m3u8".into(),
        };
        store::insert(&mut tx, &spec, platform::db::now_ms())
            .await
            .unwrap();
        let commit = async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            tx.commit().await.unwrap();
        };
        let (r, ()) = tokio::join!(c.post("/operations/sites", &form), commit);
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains("Đã có điểm kết nối mã “CAM-RACE”"),
            "the form says why: {}",
            r.body
        );
        assert_eq!(sites_of("CAM-RACE").await, 1);
        // Two forms sent at once: one site, one 303 and one 422, never a 500.
        let form = camera_form("CAM-TWICE");
        let (mut a, mut b) = (admin.clone(), admin.clone());
        let (r1, r2) = tokio::join!(
            a.post("/operations/sites", &form),
            b.post("/operations/sites", &form)
        );
        let mut got = [r1.status.as_u16(), r2.status.as_u16()];
        got.sort_unstable();
        assert_eq!(got, [303, 422], "{} / {}", r1.body, r2.body);
        assert_eq!(sites_of("CAM-TWICE").await, 1);
    }
);

on_both!(
    the_overview_links_officials_to_the_cameras_sites_health_and_conferences,
    async |app: &TestApp| {
        let links = [
            (
                "/operations/cameras",
                "Camera giám sát",
                "Surveillance cameras",
            ),
            ("/operations/sites", "Điểm kết nối", "Connected sites"),
            (
                "/operations/sites/health",
                "Tình trạng điểm kết nối",
                "Connected sites' health",
            ),
            (
                "/operations/conferences",
                "Phiên họp trực tuyến",
                "Video-conference sessions",
            ),
        ];
        let mut viewer = app
            .signed_in("xem.nav", Role::Viewer, Scope::National)
            .await;
        let vi = viewer.get("/operations").await;
        assert_eq!(vi.status, StatusCode::OK);
        assert!(vi.body.contains(
            "<nav class=\"ops-links\" aria-label=\"Công việc của Trung tâm điều hành\">"
        ));
        let mut en = viewer.clone();
        en.lang = Some("en");
        let en_page = en.get("/operations").await;
        // (askama escapes the apostrophe.)
        assert!(
            en_page
                .body
                .contains("aria-label=\"The operations center&#39;s work\""),
            "{}",
            en_page.body
        );
        for (href, vi_label, en_label) in links {
            let en_label = en_label.replace('\'', "&#39;");
            assert!(
                vi.body
                    .contains(&format!("<a href=\"{href}\">{vi_label}</a>")),
                "{href} in Vietnamese"
            );
            assert!(
                en_page
                    .body
                    .contains(&format!("<a href=\"{href}\">{en_label}</a>")),
                "{href} in English: {}",
                en_page.body
            );
            // Each opens for the official who sees the link.
            let r = viewer.get(href).await;
            assert_eq!(r.status, StatusCode::OK, "{href}: {}", r.body);
        }
        // A reader who is not signed in sees none of them.
        let anon = app.client().get("/operations").await;
        assert_eq!(anon.status, StatusCode::OK);
        for (href, _, _) in links {
            assert!(!anon.body.contains(&format!("href=\"{href}\"")), "{href}");
        }
    }
);
