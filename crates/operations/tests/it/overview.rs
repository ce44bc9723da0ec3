//! Issue 12: the national overview (`/operations`, `/api/v1/operations/overview`).

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::{TestApp, approve, latest_month, provinces, setup};

fn figure<'a>(o: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    o["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {o}"))
}

async fn overview(app: &TestApp) -> serde_json::Value {
    let r = app.client().get("/api/v1/operations/overview").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

on_both!(
    the_overview_gives_each_key_figure_with_its_coverage_and_history,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = latest_month();
        let units = provinces(app, &p).await;
        approve(app, &t, units[0].0, &p, "1000,5").await;
        approve(app, &t, units[1].0, &p, "2000").await;
        // A month a year earlier, for the history.
        let year_ago = p.same_period_last_year();
        let then = provinces(app, &year_ago).await;
        approve(app, &t, then[0].0, &year_ago, "500").await;
        let o = overview(app).await;
        assert_eq!(o["period"], p.id());
        let retail = figure(&o, "RETAIL_SALES");
        // Exactly the two approved figures, neither rounded nor reinterpreted.
        assert_eq!(retail["value"].as_f64(), Some(3000.5));
        assert_eq!(retail["reported"], 2);
        assert_eq!(retail["expected"].as_i64(), Some(units.len() as i64));
        assert_eq!(retail["status"], "provisional");
        // Growth and year to date wait for a complete month.
        assert!(retail["change_pct"].is_null(), "{retail}");
        assert_eq!(retail["last_year"].as_f64(), Some(500.0));
        let series = retail["series"].as_array().unwrap();
        assert_eq!(series.len(), 24);
        assert_eq!(series[23]["period"], p.id());
        assert_eq!(series[23]["value"].as_f64(), Some(3000.5));
        assert_eq!(series[11]["period"], year_ago.id());
        assert_eq!(series[11]["value"].as_f64(), Some(500.0));
        // The ranking: largest first, the provinces without a figure last and unranked.
        let ranking = &o["ranking"];
        assert_eq!(ranking["indicator"], "RETAIL_SALES");
        let rows = ranking["provinces"].as_array().unwrap();
        assert_eq!(rows[0]["code"], units[1].1.as_str());
        assert_eq!(rows[0]["rank"], 1);
        assert_eq!(rows[1]["code"], units[0].1.as_str());
        assert!(rows[2]["rank"].is_null());
        // The page says the same, marked provisional, in both languages.
        let mut c = app.client();
        let page = c.get("/operations").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Tạm tính"), "{}", page.body);
        assert!(page.body.contains("3.000,5"), "Vietnamese number format");
        assert!(
            page.body
                .contains(&format!("2/{} đơn vị đã báo cáo", units.len()))
        );
        c.lang = Some("en");
        let page = c.get("/operations").await;
        assert!(page.body.contains("Provisional"));
        assert!(page.body.contains("3,000.5"));
    }
);

on_both!(
    the_compliance_board_counts_everyone_and_lists_units_for_officials,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = t.latest_due(registry::Day::today().0);
        let units = provinces(app, &p).await;
        approve(app, &t, units[0].0, &p, "10").await;
        let board = |o: &serde_json::Value| {
            o["boards"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["template"] == t.code)
                .cloned()
                .unwrap()
        };
        let public = board(&overview(app).await);
        assert_eq!(public["expected"].as_u64(), Some(units.len() as u64));
        let counted = ["on_time", "late", "not_yet", "overdue"]
            .iter()
            .map(|k| public[k].as_u64().unwrap())
            .sum::<u64>();
        assert_eq!(counted, units.len() as u64);
        assert_eq!(
            public["on_time"].as_u64().unwrap() + public["late"].as_u64().unwrap(),
            1
        );
        assert!(
            public["units"].as_array().unwrap().is_empty(),
            "names for officials only"
        );
        let mut official = app.signed_in("xem.tw", Role::Viewer, Scope::National).await;
        let r = official.get("/api/v1/operations/overview").await;
        let listed = board(&r.json());
        let listed_units = listed["units"].as_array().unwrap();
        assert_eq!(listed_units.len(), units.len().min(100));
        // Those still to report come before the one that did.
        let done = listed_units
            .iter()
            .position(|u| u["code"] == units[0].1.as_str())
            .unwrap();
        assert_eq!(done, listed_units.len() - 1, "{listed_units:?}");
    }
);

on_both!(
    the_overview_is_current_on_every_node_after_an_approval,
    async |app: &TestApp| {
        let other = app.another_node().await;
        let t = setup(app).await;
        let p = latest_month();
        let units = provinces(app, &p).await;
        approve(app, &t, units[0].0, &p, "1").await;
        let reported = |o: serde_json::Value| figure(&o, "RETAIL_SALES")["reported"].as_i64();
        assert_eq!(reported(overview(app).await), Some(1));
        assert_eq!(reported(overview(&other).await), Some(1));
        approve(app, &t, units[1].0, &p, "1").await;
        assert_eq!(
            reported(overview(app).await),
            Some(2),
            "at once on this node"
        );
        let start = Instant::now();
        while reported(overview(&other).await) != Some(2) {
            assert!(
                start.elapsed() < Duration::from_millis(700),
                "the other node is stale after {:?}",
                start.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        other.close().await;
    }
);
