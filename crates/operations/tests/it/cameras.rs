//! Issue 12, cameras in the browser: the grid of camera tiles and the relay that carries a
//! camera's HLS stream (playlist rewritten to the relay, segments passed on, nothing outside the
//! camera's base, nothing for the public).

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;
use platform::identity::access::{Role, Scope};

use operations::model::site::SiteDraft;
use operations::store::sites;

use crate::on_both;
use crate::support::TestApp;

const SEGMENT: &[u8] = b"\x47\x40\x00\x10 not really a transport stream";

/// A camera server on loopback: a live playlist under /live/, its segment, a playlist that points
/// elsewhere, and a page that is not media.
async fn camera_server() -> String {
    let app = Router::new()
        .route(
            "/live/index.m3u8",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/vnd.apple.mpegurl")],
                    "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:7\n\
                     #EXTINF:1.0,\nseg7.ts\n",
                )
            }),
        )
        .route(
            "/live/seg7.ts",
            get(|| async { ([(header::CONTENT_TYPE, "video/mp2t")], SEGMENT) }),
        )
        .route(
            "/away/index.m3u8",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/vnd.apple.mpegurl")],
                    "#EXTM3U\n#EXTINF:1.0,\nhttp://evil.example/seg.ts\n",
                )
            }),
        )
        .route(
            "/live/page.ts",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<script>x</script>") }),
        );
    testkit::serve(app, std::future::pending()).await
}

fn ct(r: &testkit::Res) -> Option<&str> {
    r.headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

async fn camera(app: &TestApp, code: &str, url: &str) -> i64 {
    let spec = SiteDraft {
        code: code.into(),
        kind: "camera".into(),
        category: "border_gate".into(),
        name: format!("Cửa khẩu {code}"),
        place: "Hữu Nghị".into(),
        url: url.into(),
        ..SiteDraft::default()
    }
    .check(|_| true)
    .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let id = sites::insert(&mut tx, &spec, platform::db::now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

on_both!(
    a_camera_stream_is_relayed_to_officials_only_and_never_beyond_its_base,
    async |app: &TestApp| {
        let base = camera_server().await;
        let id = camera(app, "CAM-1", &format!("{base}/live/index.m3u8")).await;
        let away = camera(app, "CAM-2", &format!("{base}/away/index.m3u8")).await;
        let dead = camera(app, "CAM-3", "http://127.0.0.1:9/live/index.m3u8").await;

        // The public sees no camera, not even that one exists.
        let mut public = app.client();
        let r = public
            .get(&format!("/operations/sites/{id}/hls/index.m3u8"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = public.get("/operations/cameras").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/login"), "{}", r.location());

        let mut official = app
            .signed_in("xem.camera", Role::Viewer, Scope::National)
            .await;
        // The grid shows the three cameras with the relay's address of each playlist.
        let page = official.get("/operations/cameras").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(&format!(
                "data-hls-src=\"/operations/sites/{id}/hls/index.m3u8\""
            )),
            "{}",
            page.body
        );
        assert!(page.body.contains("Cửa khẩu CAM-3"));
        assert!(page.body.contains("/assets/vendor/hls.light.min.js"));

        // The playlist comes back pointing at the relay; the segment's bytes pass unchanged.
        let r = official
            .get(&format!("/operations/sites/{id}/hls/index.m3u8"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(ct(&r), Some("application/vnd.apple.mpegurl"));
        assert!(
            r.body
                .contains(&format!("\n/operations/sites/{id}/hls/seg7.ts\n")),
            "{}",
            r.body
        );
        let r = official
            .get(&format!("/operations/sites/{id}/hls/seg7.ts"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(ct(&r), Some("video/mp2t"));
        assert_eq!(r.bytes, SEGMENT);

        // An HTML answer is passed as opaque bytes, never as a page.
        let r = official
            .get(&format!("/operations/sites/{id}/hls/page.ts"))
            .await;
        assert_eq!(ct(&r), Some("video/mp2t"));

        // Nothing outside the camera's base: a path climbing out, a playlist pointing away.
        for bad in [
            "..%2Faway%2Findex.m3u8",
            "a/../../away/index.m3u8",
            "%2Fetc%2Fpasswd",
        ] {
            let r = official
                .get(&format!("/operations/sites/{id}/hls/{bad}"))
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
        }
        let r = official
            .get(&format!("/operations/sites/{away}/hls/index.m3u8"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_GATEWAY);
        assert!(!r.body.contains("evil.example"));

        // A camera that does not answer is a bad gateway, at once.
        let r = official
            .get(&format!("/operations/sites/{dead}/hls/index.m3u8"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_GATEWAY);

        // A camera turned off is not relayed.
        let mut tx = app.db.begin().await.unwrap();
        sites::set_active(&mut tx, id, false, platform::db::now_ms())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let r = official
            .get(&format!("/operations/sites/{id}/hls/index.m3u8"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);

on_both!(
    a_camera_widget_plays_its_cameras_for_officials_and_is_left_out_for_the_public,
    async |app: &TestApp| {
        let base = camera_server().await;
        let one = camera(app, "CAM-A", &format!("{base}/live/index.m3u8")).await;
        let two = camera(app, "CAM-B", &format!("{base}/live/index.m3u8")).await;
        let directory = registry::RegistryDirectory { db: app.db.clone() };
        let id = operations::engine::dashboards::save(
            &app.db,
            &directory,
            &platform::audit::Actor::system("test"),
            None,
            &operations::engine::dashboards::DashboardInput {
                name: "Cửa khẩu",
                audience: "public",
                widgets: r#"[{"kind":"camera","sites":["CAM-B","CAM-A"]},{"kind":"compliance"}]"#,
            },
        )
        .await
        .unwrap();

        let mut public = app.client();
        let r = public.get(&format!("/operations/dashboards/{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.body.contains("data-hls-src"), "{}", r.body);
        assert!(!r.body.contains("Cửa khẩu CAM-A"));

        let mut official = app
            .signed_in("xem.widget", Role::Viewer, Scope::National)
            .await;
        let r = official.get(&format!("/operations/dashboards/{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
        let (a, b) = (
            r.body
                .find(&format!("/operations/sites/{one}/hls/index.m3u8"))
                .expect("camera A"),
            r.body
                .find(&format!("/operations/sites/{two}/hls/index.m3u8"))
                .expect("camera B"),
        );
        assert!(b < a, "the widget keeps the order it names the cameras in");
    }
);
