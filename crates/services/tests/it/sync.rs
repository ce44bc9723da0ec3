//! Sync records to the national portal: queued in the change's transaction, posted in order to
//! a real receiving server on loopback, retried with backoff, never out of order per dossier.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use services::engine::sync::{Connector, Round, backoff_ms, deliver};
use services::store::sync as store;
use testkit::on_both;

use crate::support::TestApp;

#[derive(Clone, Default)]
struct Portal {
    received: Arc<Mutex<Vec<serde_json::Value>>>,
    /// Answer 503 to this many requests first.
    fail_first: Arc<Mutex<usize>>,
}

async fn receive(State(p): State<Portal>, headers: HeaderMap, body: String) -> StatusCode {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer portal-token") {
        return StatusCode::UNAUTHORIZED;
    }
    {
        let mut f = p.fail_first.lock().unwrap();
        if *f > 0 {
            *f -= 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    p.received
        .lock()
        .unwrap()
        .push(serde_json::from_str(&body).unwrap());
    StatusCode::OK
}

async fn queue(app: &TestApp, dossier: i64, status: u8, now: i64) {
    let mut tx = app.db.begin().await.unwrap();
    let record = serde_json::json!({"MaHoSo": format!("D{dossier}"), "TrangThaiHoSo": status});
    store::enqueue(&mut tx, dossier, &format!("D{dossier}"), &record, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

on_both!(
    records_reach_the_portal_in_order_despite_failures,
    async |app: &TestApp| {
        let portal = Portal::default();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let base = testkit::serve(
            axum::Router::new()
                .route("/sync", post(receive))
                .with_state(portal.clone()),
            async move {
                let _ = stopped.await;
            },
        )
        .await;
        let c = Connector {
            url: format!("{base}/sync"),
            token: Some(platform::config::Secret::new("portal-token")),
            client: platform::http_client::HttpClient::new(Default::default()),
        };
        let t0 = 1_800_000_000_000;
        // Dossier 1 moves 1 → 2 → 4; dossier 2 is registered.
        queue(app, 1, 1, t0).await;
        queue(app, 1, 2, t0).await;
        queue(app, 2, 1, t0).await;
        queue(app, 1, 4, t0).await;
        *portal.fail_first.lock().unwrap() = 1;
        // The first record fails: dossier 1's later ones wait behind it; dossier 2's goes.
        let r = deliver(&app.db, &c, t0).await.unwrap();
        assert_eq!(
            r,
            Round {
                sent: 1,
                failed: 1,
                waiting: 2
            }
        );
        assert_eq!(portal.received.lock().unwrap()[0]["MaHoSo"], "D2");
        // Before the backoff has passed nothing is tried.
        let r = deliver(&app.db, &c, t0 + backoff_ms(0) - 1).await.unwrap();
        assert_eq!(
            r,
            Round {
                sent: 0,
                failed: 0,
                waiting: 3
            }
        );
        let r = deliver(&app.db, &c, t0 + backoff_ms(0)).await.unwrap();
        assert_eq!(
            r,
            Round {
                sent: 3,
                failed: 0,
                waiting: 0
            }
        );
        let got: Vec<(String, i64)> = portal
            .received
            .lock()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["MaHoSo"].as_str().unwrap().to_owned(),
                    v["TrangThaiHoSo"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("D2".into(), 1),
                ("D1".into(), 1),
                ("D1".into(), 2),
                ("D1".into(), 4)
            ]
        );
        assert_eq!(store::backlog(&app.db).await.unwrap().0, 0);
        // A wrong token is a failure like any other, recorded with its reason.
        queue(app, 3, 1, t0).await;
        let bad = Connector {
            token: None,
            ..c.clone()
        };
        assert_eq!(
            deliver(&app.db, &bad, t0 + 10 * backoff_ms(5))
                .await
                .unwrap()
                .failed,
            1
        );
        let row = app
            .db
            .fetch_one(
                "SELECT last_error, attempts FROM svc_sync_outbox WHERE dossier_id = 3",
                platform::params![],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<String>("last_error").unwrap(), "HTTP 401");
        assert_eq!(row.get::<i64>("attempts").unwrap(), 1);
        let _ = stop.send(());
    }
);

#[test]
fn backoff_doubles_to_six_hours() {
    assert_eq!(backoff_ms(0), 30_000);
    assert_eq!(backoff_ms(1), 60_000);
    assert_eq!(backoff_ms(30), 6 * 3_600_000);
    assert!((0..40).all(|a| backoff_ms(a) <= backoff_ms(a + 1)));
}
