//! Text messages through the SMS hook: queued once per key in the caller's transaction, posted
//! as JSON to a real receiving server on loopback, retried after a failure, never sent twice.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use platform::sms::{HookSender, deliver_pending, queue};

use super::*;
use crate::support::TestApp;

#[derive(Clone, Default)]
struct Hook {
    got: Arc<Mutex<Vec<serde_json::Value>>>,
    fail_next: Arc<Mutex<bool>>,
}

async fn receive(State(h): State<Hook>, body: String) -> StatusCode {
    if std::mem::take(&mut *h.fail_next.lock().unwrap()) {
        return StatusCode::BAD_GATEWAY;
    }
    h.got
        .lock()
        .unwrap()
        .push(serde_json::from_str(&body).unwrap());
    StatusCode::ACCEPTED
}

on_both!(
    text_messages_go_through_the_hook_once,
    async |app: &TestApp| {
        let hook = Hook::default();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let base = testkit::serve(
            axum::Router::new()
                .route("/sms", post(receive))
                .with_state(hook.clone()),
            async move {
                let _ = stopped.await;
            },
        )
        .await;
        let sender = HookSender {
            url: format!("{base}/sms"),
            token: None,
            client: platform::http_client::HttpClient::new(Default::default()),
        };
        let now = platform::db::now_ms();
        let mut tx = app.db.begin().await.unwrap();
        assert_eq!(
            queue(&mut tx, "0912 345 678", "Hồ sơ đã có kết quả", "sms:1", now)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            queue(&mut tx, "0912345678", "again", "sms:1", now)
                .await
                .unwrap(),
            0,
            "same key"
        );
        assert_eq!(
            queue(&mut tx, "not a phone", "x", "sms:2", now)
                .await
                .unwrap(),
            0
        );
        tx.commit().await.unwrap();
        *hook.fail_next.lock().unwrap() = true;
        let d = deliver_pending(&app.db, &sender, 10).await.unwrap();
        assert_eq!((d.sent, d.failed), (0, 1));
        // Due again only after the wait: make it due now, as time would.
        app.db
            .execute(
                "UPDATE notifications SET next_attempt_at = 0 WHERE channel = 'sms'",
                platform::params![],
            )
            .await
            .unwrap();
        let d = deliver_pending(&app.db, &sender, 10).await.unwrap();
        assert_eq!((d.sent, d.failed), (1, 0));
        assert_eq!(
            deliver_pending(&app.db, &sender, 10).await.unwrap().sent,
            0,
            "never twice"
        );
        let got = hook.got.lock().unwrap().clone();
        assert_eq!(
            got,
            [serde_json::json!({"to": "+84912345678", "text": "Hồ sơ đã có kết quả"})]
        );
        let _ = stop.send(());
    }
);
