//! Issue 12 (live): national figures are served from each node's read cache, and an approval
//! reaches every node — its figures and its open event streams — within the freshness target.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use reporting::Period;
use reporting::model::template::MONTHLY_PROVINCIAL;
use tower::ServiceExt;

use crate::on_both;
use crate::support::{TestApp, setup, submit_and_approve};

const P: &str = "202509";
const Q: &str = "/api/v1/data?indicator=RETAIL_SALES&unit=VN&period=202509";

async fn national(app: &TestApp) -> (Option<f64>, i64) {
    let r = app.client().get(Q).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let item = &r.json()["items"][0];
    (
        item["value"].as_f64(),
        item["coverage"]["reported"].as_i64().unwrap_or(-1),
    )
}

async fn template_and_provinces(app: &TestApp) -> (reporting::model::template::Template, Vec<i64>) {
    let t = setup(app).await;
    assert_eq!(t.code, MONTHLY_PROVINCIAL);
    let (_, last) = Period::parse(P).unwrap().calendar();
    let units = registry::store::list_units(
        &app.db,
        &registry::store::UnitQuery {
            level: Some(registry::Level::Province),
            valid_on: Some(registry::Day(last)),
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .0;
    (t, units.into_iter().map(|u| u.id).collect())
}

on_both!(
    national_figures_are_current_on_every_node_after_an_approval,
    async |app: &TestApp| {
        let other = app.another_node().await;
        let (t, provinces) = template_and_provinces(app).await;
        submit_and_approve(app, &t, provinces[0], P, "1000").await;
        // Both nodes read (and keep) the figure of one province.
        assert_eq!(national(app).await.1, 1);
        assert_eq!(national(&other).await.1, 1);
        assert_eq!(national(&other).await.1, 1, "kept, still right");
        // A second approval on the first node: that node serves it at once…
        submit_and_approve(app, &t, provinces[1], P, "2000").await;
        assert_eq!(national(app).await.1, 2, "the approving node's next answer");
        // …and the other node well within the freshness target (1 s): it hears of it through
        // `live` (NOTIFY on PostgreSQL, a 200 ms look on SQLite), before its cache entry ages out.
        let start = Instant::now();
        loop {
            if national(&other).await.1 == 2 {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_millis(700),
                "the other node still serves the old figure after {:?}",
                start.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        other.close().await;
    }
);

/// The next server-sent event of `body` (its `event:` and `id:`), within `wait`.
async fn next_event(body: &mut Body, wait: Duration) -> Option<(String, i64)> {
    let deadline = Instant::now() + wait;
    let mut buf = String::new();
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        let frame = tokio::time::timeout(left, body.frame()).await.ok()??.ok()?;
        if let Ok(data) = frame.into_data() {
            buf.push_str(&String::from_utf8_lossy(&data));
        }
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned()))
            };
            if let (Some(event), Some(id)) = (field("event:"), field("id:")) {
                return Some((event, id.parse().ok()?));
            }
        }
    }
}

async fn open_stream(app: &TestApp, last_event_id: Option<i64>) -> Body {
    let mut req = Request::get("/api/v1/live?topics=data");
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id.to_string());
    }
    let res = app
        .router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    res.into_body()
}

on_both!(
    an_approval_reaches_open_streams_on_every_node_and_a_reconnect_misses_nothing,
    async |app: &TestApp| {
        let other = app.another_node().await;
        let (t, provinces) = template_and_provinces(app).await;
        let mut here = open_stream(app, None).await;
        let mut there = open_stream(&other, None).await;
        submit_and_approve(app, &t, provinces[0], P, "1000").await;
        let (event, first) = next_event(&mut here, Duration::from_secs(2))
            .await
            .expect("this node's stream hears the approval within 2 s");
        assert_eq!(event, "data");
        let (event, id) = next_event(&mut there, Duration::from_secs(2))
            .await
            .expect("the other node's stream hears it within 2 s");
        assert_eq!((event.as_str(), id), ("data", first));
        // A page that was away reconnects with the last id it saw and gets what it missed.
        drop(there);
        submit_and_approve(app, &t, provinces[1], P, "2000").await;
        let mut back = open_stream(&other, Some(first)).await;
        let (event, missed) = next_event(&mut back, Duration::from_secs(2))
            .await
            .expect("the missed approval is replayed");
        assert_eq!(event, "data");
        assert!(missed > first);
        assert!(
            next_event(&mut back, Duration::from_millis(300))
                .await
                .is_none(),
            "each event once"
        );
        other.close().await;
    }
);

on_both!(bad_stream_parameters_are_refused, async |app: &TestApp| {
    let mut c = app.client();
    assert_eq!(
        c.get("/api/v1/live?topics=Data").await.error_code(),
        "topic_invalid"
    );
    assert_eq!(
        c.get("/api/v1/live?topics=da%07ta").await.error_code(),
        "text_control_char"
    );
    assert_eq!(
        c.get("/api/v1/live?last_event_id=abc").await.error_code(),
        "last_event_id_invalid"
    );
});
