//! Issue 12: an indicator's page (series by month, quarter, year and year to date; definition
//! and source; downloads; access) and a province's page (beside the national figures, its rank,
//! its reporting record).

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::{TestApp, approve, latest_month, provinces, setup};

/// The text of the table with `id`.
fn table<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let end = start + body[start..].find("</table>").unwrap();
    &body[start..end]
}

on_both!(
    the_indicator_page_gives_its_series_definition_and_downloads,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = latest_month();
        let units = provinces(app, &p).await;
        approve(app, &t, units[0].0, &p, "1234,5").await;
        let year_ago = p.same_period_last_year();
        let then = provinces(app, &year_ago).await;
        approve(app, &t, then[0].0, &year_ago, "600").await;
        let mut c = app.client();
        let r = c.get("/operations/indicators/RETAIL_SALES").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let months = table(&r.body, "series-month");
        assert_eq!(months.matches("<tr><th scope=\"row\">").count(), 24);
        assert!(months.contains(&p.label("vi")));
        assert!(months.contains("1.234,5"), "{months}");
        assert!(
            months.contains("Tạm tính"),
            "provisional: a flag of its quality"
        );
        assert!(months.contains(&format!("1/{}", units.len())), "coverage");
        assert!(table(&r.body, "series-month").contains("600"));
        assert_eq!(
            table(&r.body, "series-quarter")
                .matches("<tr><th scope=\"row\">")
                .count(),
            8
        );
        assert_eq!(
            table(&r.body, "series-year")
                .matches("<tr><th scope=\"row\">")
                .count(),
            5
        );
        assert!(r.body.contains("id=\"series-ytd\""));
        // The definition and the source from the catalogue.
        assert!(r.body.contains("Điều tra thương mại và dịch vụ"));
        // Downloads of the table behind the chart.
        assert!(
            r.body
                .contains("/api/v1/data?indicator=RETAIL_SALES&#38;unit=VN&#38;period=")
        );
        assert!(r.body.contains("format=xlsx"));
        // The overview's tile opens this page.
        let o = c.get("/operations").await;
        assert!(
            o.body
                .contains("href=\"/operations/indicators/RETAIL_SALES\"")
        );
        c.lang = Some("en");
        let r = c.get("/operations/indicators/RETAIL_SALES").await;
        assert!(r.body.contains("By quarter"));
        assert!(r.body.contains("1,234.5"));
        assert!(r.body.contains("All revenue from retail sales"));
        let r = c.get("/operations/indicators/NO_SUCH_THING").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);

on_both!(
    an_internal_indicator_is_refused_to_those_who_may_not_read_it,
    async |app: &TestApp| {
        setup(app).await;
        let url = "/operations/indicators/BUDGET_REVENUE_DOMESTIC";
        let r = app.client().get(url).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert!(!r.body.contains("series-month"));
        let province = app.scope("unit", "40").await;
        let mut local = app.signed_in("xem.na", Role::Viewer, province).await;
        assert_eq!(local.get(url).await.status, StatusCode::FORBIDDEN);
        let mut national = app.signed_in("xem.tw", Role::Viewer, Scope::National).await;
        let r = national.get(url).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Chỉ tiêu nội bộ"));
    }
);

on_both!(
    the_province_page_shows_its_rank_beside_the_country_and_its_record,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = latest_month();
        let units = provinces(app, &p).await;
        approve(app, &t, units[0].0, &p, "100").await;
        approve(app, &t, units[1].0, &p, "300").await;
        approve(app, &t, units[2].0, &p, "200").await;
        let mut c = app.client();
        let r = c
            .get(&format!("/operations/provinces/{}", units[2].1))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("id=\"province-figures\""));
        let retail = &r.body[r.body.find("id=\"prov-RETAIL_SALES\"").unwrap()..];
        let retail = &retail[..retail.find("</tr>").unwrap()];
        let cells: Vec<&str> = retail
            .split("<td class=\"num\">")
            .skip(1)
            .map(|s| &s[..s.find("</td>").unwrap()])
            .collect();
        // Its figure, the country's and its rank among the three that reported.
        assert_eq!(cells, vec!["200,0", "600,0", "2/3"], "{retail}");
        assert!(retail.contains("<polyline"), "a trend");
        // Its record: twelve monthly reports, the older ones overdue.
        let record = table(&r.body, "record");
        assert_eq!(record.matches("<tr><th scope=\"row\">").count(), 12);
        assert!(record.contains(&p.label("vi")));
        assert!(record.matches("status-overdue").count() >= 11, "{record}");
        let counts = &r.body[r.body.find("id=\"record-counts\"").unwrap()..];
        assert!(counts.contains("Quá hạn"));
        c.lang = Some("en");
        let r = c
            .get(&format!("/operations/provinces/{}", units[2].1))
            .await;
        assert!(r.body.contains("2 of 3"));
        assert!(r.body.contains("Reporting record"));
        let r = c.get("/operations/provinces/99").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // A province of before July 2025 is not one of today's.
        let r = c.get("/operations/provinces/02").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);

on_both!(
    a_provinces_history_read_at_once_equals_the_period_by_period_read,
    async |app: &TestApp| {
        let t = setup(app).await;
        // Today's Tuyên Quang (08) was Hà Giang (02) and Tuyên Quang (08) before July 2025:
        // figures on both sides of the change, and reports on time, late and missing.
        let before = reporting::Period::month(2025, 5);
        let old = provinces(app, &before).await;
        let id = |code: &str| old.iter().find(|u| u.1 == code).unwrap().0;
        approve(app, &t, id("02"), &before, "10").await;
        approve(app, &t, id("08"), &before, "20,5").await;
        let p = latest_month();
        let now = provinces(app, &p).await;
        let tq = now.iter().find(|u| u.1 == "08").unwrap().0;
        approve(app, &t, tq, &p, "7").await;
        approve(app, &t, tq, &p.previous(), "8").await;
        let unit = registry::store::unit_by_code(&app.db, "08", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        let catalogue = reporting::query::catalogue(&app.db).await.unwrap();
        let indicators: Vec<_> = catalogue
            .iter()
            .filter(|i| t.indicators.iter().any(|x| x.code == i.code))
            .cloned()
            .collect();
        let mut months = vec![p];
        while months.len() < 24 {
            let earlier = months[0].previous();
            months.insert(0, earlier);
        }
        assert!(months.contains(&before));
        let one_by_one =
            reporting::query::current_unit_series(&app.db, &unit, &indicators, &months)
                .await
                .unwrap();
        let at_once = reporting::query::unit_series_batch(&app.db, &unit, &indicators, &months)
            .await
            .unwrap();
        assert_eq!(at_once, one_by_one);
        assert_eq!(
            at_once.get(&("RETAIL_SALES".to_owned(), before.id())),
            Some(&30.5),
            "rolled up from the provinces of the time"
        );
        assert_eq!(
            at_once.get(&("RETAIL_SALES".to_owned(), p.id())),
            Some(&7.0)
        );
        let mut periods = vec![t.latest_due(registry::Day::today().0)];
        while periods.len() < 24 {
            let earlier = periods.last().unwrap().previous();
            periods.push(earlier);
        }
        let now_ms = platform::db::now_ms();
        let one_by_one = reporting::query::unit_record(&app.db, &t, &unit, &periods, now_ms)
            .await
            .unwrap();
        let at_once = reporting::query::unit_record_batch(&app.db, &t, &unit, &periods, now_ms)
            .await
            .unwrap();
        let json = |r: &[reporting::query::RecordEntry]| serde_json::to_value(r).unwrap();
        assert_eq!(json(&at_once), json(&one_by_one));
        assert!(at_once.len() < periods.len(), "not before the unit existed");
        assert!(at_once.iter().any(|r| r.submitted_at.is_some()));
        // The page reads the history at once: its trend holds the rolled-up figure.
        let r = app.client().get("/operations/provinces/08").await;
        assert_eq!(r.status, StatusCode::OK);
        let retail = &r.body[r.body.find("id=\"prov-RETAIL_SALES\"").unwrap()..];
        assert!(retail.contains("30,5"), "{retail}");
    }
);
