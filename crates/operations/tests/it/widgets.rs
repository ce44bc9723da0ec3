//! Issue 12: a configurable dashboard's line, bar, map and table widgets drawn from approved
//! figures (and only those its reader may read), their parameters checked before anything is
//! written, and the audience of a unit's scope.

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};
use testkit::Client;

use crate::on_both;
use crate::support::{TestApp, approve, latest_month, provinces, setup};

/// The text from `start` to the next `end` in `body`.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let i = body
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {body}"));
    let j = body[i..].find(end).map_or(body.len(), |j| j + i);
    &body[i..j]
}

async fn admin(app: &TestApp) -> Client {
    app.signed_in("qt.tuong", Role::SystemAdmin, Scope::National)
        .await
}

async fn post_dashboard(
    admin: &mut Client,
    audience: &str,
    unit: &str,
    widgets: &str,
) -> testkit::Res {
    admin
        .post(
            "/operations/admin/dashboards",
            &[
                ("name", "Bán lẻ hàng hóa"),
                ("audience", audience),
                ("audience_unit", unit),
                ("widgets", widgets),
            ],
        )
        .await
}

async fn last_dashboard(app: &TestApp) -> i64 {
    app.db
        .fetch_one(
            "SELECT MAX(id) AS n FROM ops_dashboards",
            platform::params![],
        )
        .await
        .unwrap()
        .get("n")
        .unwrap()
}

on_both!(
    line_bar_map_and_table_widgets_show_the_approved_figures,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = latest_month();
        let units = provinces(app, &p).await;
        approve(app, &t, units[0].0, &p, "1234").await;
        approve(app, &t, units[1].0, &p, "5678,5").await;
        let mut admin = admin(app).await;
        let r = post_dashboard(
            &mut admin,
            "public",
            "",
            r#"[{"kind":"line","indicator":"RETAIL_SALES","months":12},
                {"kind":"bar","indicator":"RETAIL_SALES","limit":1},
                {"kind":"map","indicator":"RETAIL_SALES"},
                {"kind":"table","indicator":"RETAIL_SALES"},
                {"kind":"line","indicator":"BUDGET_REVENUE_DOMESTIC"}]"#,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let path = format!("/operations/dashboards/{}", last_dashboard(app).await);
        let mut c = app.client();
        let r = c.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("data-live-topics=\"data,reports\""));

        // The line: twelve months up to the latest due, the country's figure in its table.
        let line = between(&r.body, "class=\"widget widget-line\"", "</section>");
        assert!(line.contains("<svg class=\"ops-line\""), "{line}");
        assert!(
            line.contains("role=\"img\" aria-label=\"Diễn biến Tổng mức bán lẻ"),
            "{line}"
        );
        let table = between(line, "id=\"w1-table\"", "</table>");
        assert_eq!(table.matches("<tr><th scope=\"row\">").count(), 12);
        let last = &table[table.rfind("<tr>").unwrap()..];
        assert!(last.contains(&p.label("vi")), "{last}");
        assert!(
            last.contains("6.912,5"),
            "the sum of the two reports: {last}"
        );

        // The bars: the first one only, the largest.
        let bar = between(&r.body, "class=\"widget widget-bar\"", "</section>");
        assert_eq!(bar.matches("<rect ").count(), 1, "{bar}");
        assert!(bar.contains(&format!("<title>{} ", units[1].1)), "{bar}");
        assert!(bar.contains("5.678,5") && !bar.contains("1.234,0"), "{bar}");

        // The map: the 34 provinces, its own ids, the two figures in its table.
        let map = between(&r.body, "class=\"widget widget-map\"", "</section>");
        let svg = between(map, "<svg class=\"ops-map-svg", "</svg>");
        assert_eq!(
            svg.matches("<a href=\"/operations/provinces/").count(),
            34,
            "one cell per province, each a link to its page"
        );
        assert!(map.contains("id=\"w3-map-title\""), "{map}");
        let map_table = between(map, "id=\"w3-map-table\"", "</table>");
        assert!(map_table.contains("1.234,0") && map_table.contains("5.678,5"));

        // The table: every province that reported, the largest first.
        let table = between(&r.body, "id=\"w4-table\"", "</table>");
        let first = table.find("5.678,5").unwrap();
        let second = table.find("1.234,0").unwrap();
        assert!(first < second, "{table}");
        assert_eq!(table.matches("<tr><td class=\"num\">").count(), 2);

        // The internal indicator's line is for those who may read it.
        assert_eq!(r.body.matches("class=\"widget widget-line\"").count(), 1);
        let mut national = app.signed_in("xem.tw", Role::Viewer, Scope::National).await;
        let r = national.get(&path).await;
        assert_eq!(r.body.matches("class=\"widget widget-line\"").count(), 2);
        let province = app.scope("unit", "40").await;
        let mut local = app.signed_in("xem.na", Role::Viewer, province).await;
        let r = local.get(&path).await;
        assert_eq!(r.body.matches("class=\"widget widget-line\"").count(), 1);

        // A new approval shows at once (the cached figures follow the data's version).
        approve(app, &t, units[2].0, &p, "9999").await;
        let r = c.get(&path).await;
        let table = between(&r.body, "id=\"w4-table\"", "</table>");
        assert!(table.find("9.999,0").unwrap() < table.find("5.678,5").unwrap());
        let line = between(&r.body, "id=\"w1-table\"", "</table>");
        assert!(line.contains("16.911,5"), "{line}");

        // In English.
        c.lang = Some("en");
        let r = c.get(&path).await;
        assert!(r.body.contains("the last 12 months"), "{}", r.body);
        assert!(r.body.contains("9,999.0"));
    }
);

on_both!(
    a_bad_widget_parameter_is_named_and_nothing_is_written,
    async |app: &TestApp| {
        setup(app).await;
        let mut admin = admin(app).await;
        let dashboards = app.count("SELECT COUNT(*) AS n FROM ops_dashboards").await;
        let audit = app.audit_count().await;
        for (widgets, message) in [
            (
                r#"[{"kind":"line","indicator":"CPI","months":61}]"#,
                "Thành phần thứ 1: “months” là 61, phải là số nguyên từ 6 đến 60.",
            ),
            (
                r#"[{"kind":"kpi"},{"kind":"bar","indicator":"CPI","limit":0}]"#,
                "Thành phần thứ 2: “limit” là 0, phải là số nguyên từ 1 đến 34.",
            ),
            (
                r#"[{"kind":"map","indicator":"CPI","period":"2026-13"}]"#,
                "Thành phần thứ 1: kỳ “2026-13” không hợp lệ",
            ),
            (
                r#"[{"kind":"table","indicator":"NO_SUCH","limit":5}]"#,
                "Thành phần thứ 1: không có chỉ tiêu mã “NO_SUCH”.",
            ),
            (
                r#"[{"kind":"table","limit":5}]"#,
                "Thành phần thứ 1: tham số “indicator” không hợp lệ",
            ),
            (
                r#"[{"kind":"line","indicator":"CPI","months":12.5}]"#,
                "“months” là 12.5, phải là số nguyên",
            ),
        ] {
            let r = post_dashboard(&mut admin, "public", "", widgets).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{widgets}");
            assert!(r.body.contains(message), "{message} in {}", r.body);
            assert!(r.body.contains("id=\"d-widgets-error\""));
        }
        // An unknown unit for a scope, and an edit refused the same way.
        let r = post_dashboard(&mut admin, "scope", "99", r#"[{"kind":"kpi"}]"#).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("Không có đơn vị nào mang mã “99” hiện nay"),
            "{}",
            r.body
        );
        let r = admin
            .post(
                "/operations/admin/dashboards/1",
                &[
                    ("name", "Tổng quan quốc gia"),
                    ("audience", "public"),
                    ("audience_unit", ""),
                    (
                        "widgets",
                        r#"[{"kind":"map","indicator":"CPI","period":"202613"}]"#,
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("kỳ “202613” không hợp lệ"), "{}", r.body);
        admin.lang = Some("en");
        let r = post_dashboard(
            &mut admin,
            "scope",
            "",
            r#"[{"kind":"bar","indicator":"CPI","limit":35}]"#,
        )
        .await;
        assert!(
            r.body
                .contains("Widget 1: “limit” is 35; it must be a whole number from 1 to 34."),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("Audience “scope:” is not valid"),
            "{}",
            r.body
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM ops_dashboards").await,
            dashboards
        );
        assert_eq!(app.audit_count().await, audit);
        let r = admin.get("/operations/dashboards/1").await;
        assert!(
            r.body.contains("widget-kpi"),
            "the shipped dashboard unchanged"
        );
    }
);

on_both!(
    a_scope_audience_admits_the_officials_of_that_unit_only,
    async |app: &TestApp| {
        setup(app).await;
        let mut admin = admin(app).await;
        let r = post_dashboard(&mut admin, "scope", " 40 ", r#"[{"kind":"compliance"}]"#).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id = last_dashboard(app).await;
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM ops_dashboards WHERE audience = 'scope' AND audience_scope = $1",
                "40"
            )
            .await,
            1
        );
        let path = format!("/operations/dashboards/{id}");
        let nghe_an = app.scope("unit", "40").await;
        let mut own = app.signed_in("xem.na", Role::Viewer, nghe_an).await;
        let r = own.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Bán lẻ hàng hóa"));
        let ha_noi = app.scope("unit", "01").await;
        let mut other = app.signed_in("xem.hn", Role::Viewer, ha_noi).await;
        assert_eq!(other.get(&path).await.status, StatusCode::FORBIDDEN);
        let r = app.client().get(&path).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "a visitor is asked to sign in"
        );
        let mut national = app.signed_in("xem.tw", Role::Viewer, Scope::National).await;
        assert_eq!(national.get(&path).await.status, StatusCode::OK);
        // The list and the edit form say so.
        let r = admin.get("/operations/admin").await;
        assert!(r.body.contains("Phạm vi đơn vị mã 40"), "{}", r.body);
        let r = admin
            .get(&format!("/operations/admin/dashboards/{id}"))
            .await;
        assert!(
            r.body.contains("<option value=\"scope\" selected>"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("name=\"audience_unit\" value=\"40\""),
            "{}",
            r.body
        );
        // Back to signed-in readers: the scope is gone.
        let r = admin
            .post(
                &format!("/operations/admin/dashboards/{id}"),
                &[
                    ("name", "Bán lẻ hàng hóa"),
                    ("audience", "signed_in"),
                    ("audience_unit", "40"),
                    ("widgets", r#"[{"kind":"compliance"}]"#),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(other.get(&path).await.status, StatusCode::OK);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM ops_dashboards WHERE audience_scope IS NOT NULL")
                .await,
            0
        );
    }
);

on_both!(
    a_map_widget_draws_the_provinces_of_the_time_when_asked,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = reporting::Period::month(2024, 6);
        let old = provinces(app, &p).await;
        assert_eq!(old.len(), 63);
        let id = |code: &str| old.iter().find(|u| u.1 == code).unwrap().0;
        approve(app, &t, id("02"), &p, "10").await;
        approve(app, &t, id("08"), &p, "20,5").await;
        let mut admin = admin(app).await;
        let r = post_dashboard(
            &mut admin,
            "public",
            "",
            r#"[{"kind":"map","indicator":"RETAIL_SALES","period":"202406","old":true},
                {"kind":"map","indicator":"RETAIL_SALES","period":"202406"}]"#,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let path = format!("/operations/dashboards/{}", last_dashboard(app).await);
        let r = app.client().get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let tiles = |id: &str| {
            let map = between(&r.body, &format!("id=\"{id}-title\""), "</svg>");
            map.matches("<rect x=").count()
        };
        // The 63 of the time, Hà Giang with its own figure; beside it today's 34, rolled up.
        assert_eq!(tiles("w1-map"), 63);
        let old_map = between(&r.body, "id=\"w1-map-title\"", "</svg>");
        assert!(old_map.contains("<title>02 Hà Giang: 10,0"), "{old_map}");
        let today = between(&r.body, "id=\"w2-map-title\"", "</svg>");
        assert!(!today.contains("Hà Giang"), "{today}");
        assert!(today.contains(": 30,5</title>"), "{today}");
    }
);
