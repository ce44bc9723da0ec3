//! A new explanation of a figure is a change, on both databases: stored, counted as updated,
//! kept in the value's history and audited; the same figure sent again without one changes
//! nothing and keeps it.

use axum::http::StatusCode;
use reporting::Period;
use serde_json::{Value, json};

use crate::on_both;
use crate::support::TestApp;
use crate::values::{P, good, setup};

/// The stored explanation of RETAIL_SALES of Nghệ An in `P`.
async fn explanation(app: &TestApp) -> Option<String> {
    app.db
        .fetch_one(
            "SELECT dv.explanation FROM data_values dv JOIN indicators i ON i.id = dv.indicator_id \
             WHERE i.code = 'RETAIL_SALES' AND dv.period = $1",
            platform::params![P],
        )
        .await
        .unwrap()
        .get("explanation")
        .unwrap()
}

on_both!(
    a_new_explanation_is_a_change_kept_counted_and_audited,
    async |app: &TestApp| {
        let (t, mut api) = setup(app).await;
        let send = |text: Option<&'static str>| {
            let vals: Vec<Value> = t
                .indicators
                .iter()
                .map(|i| {
                    let mut v = json!({"indicator": i.code, "value": good(&i.code)});
                    if i.code == "RETAIL_SALES"
                        && let Some(x) = text
                    {
                        v["explanation"] = json!(x);
                    }
                    v
                })
                .collect();
            json!({"reports": [{"unit": "40", "period": P, "values": vals}]}).to_string()
        };
        let r = api
            .request_json("POST", "/api/v1/data/bulk", send(None))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let bulk_audits = || {
            app.count_where(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
                "report.bulk",
            )
        };
        assert_eq!(bulk_audits().await, 1);

        // The same figures with a new explanation: a change.
        let why = "Số liệu sơ bộ, đã đối chiếu với Cục Thống kê";
        let r = api
            .request_json("POST", "/api/v1/data/bulk", send(Some(why)))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        assert_eq!(
            (&j["changed"], &j["updated"], &j["unchanged"]),
            (&json!(1), &json!(1), &json!(t.indicators.len() - 1)),
            "{j}"
        );
        assert_eq!(explanation(app).await.as_deref(), Some(why));
        assert_eq!(bulk_audits().await, 2);
        // Kept in the value's history, beside the figure that stayed.
        let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        let retail = t
            .indicators
            .iter()
            .find(|i| i.code == "RETAIL_SALES")
            .unwrap();
        let h = reporting::store::values::history(
            &app.db,
            retail.id,
            unit.id,
            &Period::parse(P).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(h.len(), 2, "{h:?}");
        assert_eq!((h[1].old_value, h[1].new_value), (Some(100.5), Some(100.5)));
        assert_eq!(
            (h[1].old_explanation.as_deref(), h[1].explanation.as_deref()),
            (None, Some(why))
        );

        // Sent again: nothing changes. Sent without an explanation: the explanation stays.
        for body in [send(Some(why)), send(None)] {
            let r = api.request_json("POST", "/api/v1/data/bulk", body).await;
            assert_eq!(r.json()["changed"], 0, "{}", r.body);
        }
        assert_eq!(explanation(app).await.as_deref(), Some(why));
        assert_eq!(bulk_audits().await, 2);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM value_changes").await,
            2
        );

        // The batch API (a person's action, audited per report) says "saved", not "unchanged".
        let other = "Đã sửa theo số liệu của Sở Công Thương";
        let vals: Vec<Value> = t
            .indicators
            .iter()
            .map(|i| {
                let mut v = json!({"indicator": i.code, "value": good(&i.code)});
                if i.code == "RETAIL_SALES" {
                    v["explanation"] = json!(other);
                }
                v
            })
            .collect();
        let r = api
            .request_json(
                "POST",
                "/api/v1/data/batch",
                json!({"unit": "40", "period": P, "values": vals}).to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["result"], "saved", "{}", r.body);
        assert_eq!(explanation(app).await.as_deref(), Some(other));
        let after: String = app
            .db
            .fetch_one(
                "SELECT after_json FROM audit_log WHERE action = 'report.save' ORDER BY seq DESC",
                platform::params![],
            )
            .await
            .unwrap()
            .get("after_json")
            .unwrap();
        assert!(after.contains(other) && after.contains(why), "{after}");

        // Submitted, the report is locked: a new explanation is refused like any change.
        let mut body: Value = serde_json::from_str(&send(Some(other))).unwrap();
        body["submit"] = json!(true);
        let r = api
            .request_json("POST", "/api/v1/data/bulk", body.to_string())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let mut body: Value = serde_json::from_str(&send(Some("Giải trình khác"))).unwrap();
        body["submit"] = json!(true);
        let r = api
            .request_json("POST", "/api/v1/data/bulk", body.to_string())
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(r.error_code(), "report_locked");
        assert_eq!(explanation(app).await.as_deref(), Some(other));
    }
);
