//! Access to reported data on both databases: four-eyes approval (the one who submitted or last
//! changed a report neither approves nor corrects it) and who reads the national totals of
//! internal indicators (officials with a national scope only).

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::identity::access::{Role, Scope};
use reporting::Period;
use reporting::model::status::Status;

use crate::on_both;
use crate::support::{Client, TestApp, form, setup};

async fn report(
    app: &TestApp,
    t: &reporting::model::template::Template,
    period: &str,
) -> reporting::model::submission::Submission {
    let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
        .await
        .unwrap()
        .unwrap();
    reporting::store::submissions::find(&app.db, t.id, unit.id, &Period::parse(period).unwrap())
        .await
        .unwrap()
        .unwrap()
}

async fn retail(c: &mut Client, period: &str) -> f64 {
    let r = c
        .get(&format!(
            "/api/v1/data?indicator=RETAIL_SALES&unit=40&period={period}"
        ))
        .await;
    r.json()["items"][0]["value"].as_f64().unwrap()
}

/// A signed-in official of Nghệ An holding `role` and also `also`.
async fn holding_two(app: &TestApp, name: &str, role: Role, also: Role) -> Client {
    let na = app.scope("unit", "40").await;
    let c = app.signed_in(name, role, na).await;
    let u = platform::identity::find_user(&app.db, name)
        .await
        .unwrap()
        .unwrap();
    platform::identity::add_grant(&app.db, &Actor::system("t"), u.id, also, na)
        .await
        .unwrap();
    c
}

on_both!(
    four_eyes_the_submitter_neither_approves_nor_corrects,
    async |app: &TestApp| {
        let t = setup(app).await;
        let na = app.scope("unit", "40").await;
        // One official holds both roles (the case the issue found).
        let mut both = holding_two(app, "hai.vai", Role::Reporter, Role::Approver).await;
        let mut other = app.signed_in("pd.khac", Role::Approver, na).await;
        let mut third = app.signed_in("pd.ba", Role::Approver, na).await;
        let path = "/reporting/40/202509";
        let r = both
            .post_fields(
                path,
                &form(&t, "1.100", &[("action", "submit"), ("version", "0")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // Approving one's own report: refused, in Vietnamese and in English; nothing changes.
        let s = report(app, &t, "202509").await;
        let ver = s.version.to_string();
        let r = both
            .post(path, &[("action", "approve"), ("version", &ver)])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(
            r.body
                .contains("Bạn đã nộp hoặc sửa gần nhất báo cáo này nên không thể tự phê duyệt"),
            "{}",
            r.body
        );
        both.lang = Some("en");
        let r = both
            .post(path, &[("action", "approve"), ("version", &ver)])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.body.contains("another approver must approve it"),
            "{}",
            r.body
        );
        let s = report(app, &t, "202509").await;
        assert_eq!((s.status, s.decided_by), (Status::Submitted, None));

        // Another approver approves.
        let r = other
            .post(path, &[("action", "approve"), ("version", &ver)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // The submitter cannot correct (and so approve) the approved figures either.
        let correct = |retail: &'static str, ver: String| {
            form(
                &t,
                retail,
                &[
                    ("action", "correct"),
                    ("version", &ver),
                    ("reason", "Số liệu chính thức của Cục Thống kê"),
                ],
            )
        };
        let ver = report(app, &t, "202509").await.version.to_string();
        let r = both.post_fields(path, &correct("1200", ver.clone())).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(
            r.body.contains("you cannot also correct and approve it"),
            "{}",
            r.body
        );
        assert_eq!(retail(&mut other, "202509").await, 1100.0);

        // Another approver corrects; having changed the report last, it cannot correct it again;
        // a third approver can.
        let r = other.post_fields(path, &correct("1200", ver)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(retail(&mut other, "202509").await, 1200.0);
        let ver = report(app, &t, "202509").await.version.to_string();
        let r = other.post_fields(path, &correct("1250", ver.clone())).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("nguyên tắc bốn mắt"), "{}", r.body);
        assert_eq!(retail(&mut other, "202509").await, 1200.0);
        let r = third.post_fields(path, &correct("1250", ver)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(retail(&mut other, "202509").await, 1250.0);
    }
);

on_both!(
    four_eyes_the_last_to_change_a_report_does_not_approve_it,
    async |app: &TestApp| {
        let t = setup(app).await;
        let na = app.scope("unit", "40").await;
        let mut x = holding_two(app, "x.both", Role::Reporter, Role::Approver).await;
        let mut y = app.signed_in("y.reporter", Role::Reporter, na).await;
        let mut z = app.signed_in("z.approver", Role::Approver, na).await;
        let path = "/reporting/40/202508";
        // X enters the figures as a draft; Y submits them as they are.
        let r = x
            .post_fields(
                path,
                &form(&t, "900", &[("action", "save"), ("version", "0")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let ver = report(app, &t, "202508").await.version.to_string();
        let r = y
            .post_fields(
                path,
                &form(&t, "900", &[("action", "submit"), ("version", &ver)]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let s = report(app, &t, "202508").await;
        assert_eq!(s.submitted_by.as_deref(), Some("y.reporter"));
        // X changed the report last: X does not approve it; Z does.
        let ver = s.version.to_string();
        let r = x
            .post(path, &[("action", "approve"), ("version", &ver)])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(report(app, &t, "202508").await.status, Status::Submitted);
        let r = z
            .post(path, &[("action", "approve"), ("version", &ver)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let s = report(app, &t, "202508").await;
        assert_eq!(
            (s.status, s.decided_by.as_deref()),
            (Status::Approved, Some("z.approver"))
        );
    }
);

// ---------------------------------------------------------------------------------------------
// National totals of internal indicators: for officials with a national scope only.

const NATIONAL_INTERNAL: &str = "/api/v1/data?indicator=DOSSIERS_ONLINE&unit=VN&period=2025Q3";

on_both!(
    internal_national_totals_only_for_national_scope,
    async |app: &TestApp| {
        setup(app).await;
        let na = app.scope("unit", "40").await;
        let btc = app.scope("agency", "btc").await;
        // Nghệ An's quarterly administrative-procedure report (internal indicators), approved.
        let t = reporting::store::templates::template(&app.db, "BC-TTHC-TINH-QUY")
            .await
            .unwrap()
            .unwrap();
        let values: Vec<serde_json::Value> = t
            .indicators
            .iter()
            .map(|i| serde_json::json!({"indicator": i.code, "value": 42.0}))
            .collect();
        let body = serde_json::json!({"template": t.code, "unit": "40", "period": "2025Q3",
            "values": values, "submit": true});
        let mut filer = app.token_client("hệ thống", Role::Reporter, na).await;
        let r = filer
            .request_json("POST", "/api/v1/data/batch", body.to_string())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        let s = reporting::store::submissions::find(
            &app.db,
            t.id,
            unit.id,
            &Period::parse("2025Q3").unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        reporting::engine::decide::decide(
            &app.db,
            &Actor::system("t"),
            s.id,
            s.version,
            true,
            None,
        )
        .await
        .unwrap();

        // Without a sign-in: 401.
        let r = app.client().get(NATIONAL_INTERNAL).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);

        // A province's official, a ministry's official, a provincial token: refused, and told
        // why; their own unit's figures stay readable.
        let mut provincial = app.signed_in("xem.na", Role::Viewer, na).await;
        let mut ministry = app.signed_in("xem.btc", Role::Viewer, btc).await;
        let mut prov_token = app.token_client("hệ thống", Role::Viewer, na).await;
        for c in [&mut provincial, &mut ministry, &mut prov_token] {
            for q in ["", "&format=csv", "&format=xlsx"] {
                let r = c.get(&format!("{NATIONAL_INTERNAL}{q}")).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{q}: {}", r.body);
                assert_eq!(r.error_code(), "internal_national_only");
                assert!(
                    r.json()["errors"][0]["detail"]
                        .as_str()
                        .unwrap()
                        .contains("DOSSIERS_ONLINE")
                );
            }
        }
        let r = provincial
            .get("/api/v1/data?indicator=DOSSIERS_ONLINE&unit=40&period=2025Q3")
            .await;
        assert_eq!(r.json()["items"][0]["value"], 42.0, "{}", r.body);
        // Public indicators' national totals are open data for everyone.
        let r = provincial
            .get("/api/v1/data?indicator=RETAIL_SALES&unit=VN&period=202509")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        // Pages: the overview lists no national row of an internal indicator for them…
        let overview = "/reporting?template=BC-TTHC-TINH-QUY&period=2025Q3";
        let page = provincial.get(overview).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("row-DOSSIERS_ONLINE"), "{}", page.body);
        // …and the ministry's own national report shows its figures to the ministry only.
        let btc_overview = "/reporting?template=BC-BTC-NSNN-THANG&period=202509";
        let page = provincial.get(btc_overview).await;
        assert!(!page.body.contains("row-BUDGET_REVENUE_DOMESTIC"));
        let page = ministry.get(btc_overview).await;
        assert!(page.body.contains("row-BUDGET_REVENUE_DOMESTIC"));

        // National scope, by session or token: the totals, in every format and on the page.
        let mut national = app
            .signed_in("xem.quocgia", Role::Viewer, Scope::National)
            .await;
        let mut nat_token = app
            .token_client("hệ thống", Role::Viewer, Scope::National)
            .await;
        for c in [&mut national, &mut nat_token] {
            let r = c.get(NATIONAL_INTERNAL).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(r.json()["items"][0]["value"], 42.0);
            let (status, csv) = c
                .get_bytes(&format!("{NATIONAL_INTERNAL}&format=csv"))
                .await;
            if c.bearer.is_none() {
                assert_eq!(status, StatusCode::OK);
                assert!(String::from_utf8_lossy(&csv).contains("DOSSIERS_ONLINE,VN,2025Q3,42"));
            }
        }
        let page = national.get(overview).await;
        assert!(page.body.contains("row-DOSSIERS_ONLINE"));

        // SDMX is open data: internal indicators are unknown to it, whoever asks.
        for c in [&mut provincial, &mut national] {
            let r = c
                .get("/sdmx/data/DF_KTXH_THANG/M.VN.DOSSIERS_ONLINE?startPeriod=2025-07&endPeriod=2025-09")
                .await;
            assert_eq!(r.error_code(), "sdmx_key_value_unknown", "{}", r.body);
        }
    }
);
