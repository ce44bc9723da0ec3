//! Issue 12: the JSON of the map, an indicator and a province — the same figures as their pages
//! (the same read models), never rounded, with the same access.

use axum::http::StatusCode;
use platform::i18n::Lang;
use platform::identity::access::{Role, Scope};
use reporting::model::indicator::Indicator;
use serde_json::Value;

use crate::on_both;
use crate::support::{TestApp, approve, latest_month, provinces, setup};

async fn indicator(app: &TestApp, code: &str) -> Indicator {
    reporting::query::catalogue(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.code == code)
        .unwrap()
}

/// The `<svg>` of the map on a page.
fn svg(body: &str) -> &str {
    let start = body.find("<svg class=\"ops-map-svg").expect("a map");
    let end = start + body[start..].find("</svg>").unwrap();
    &body[start..end]
}

/// A province's cell on the page's map: its fill and its title.
fn cell<'a>(svg: &'a str, code: &str) -> (&'a str, &'a str) {
    let at = svg
        .find(&format!("<a href=\"/operations/provinces/{code}\""))
        .unwrap_or_else(|| panic!("no cell {code}"));
    let rest = &svg[at..];
    let f = rest.find("fill=\"").unwrap() + 6;
    let t = rest.find("<title>").unwrap() + 7;
    (
        &rest[f..f + rest[f..].find('"').unwrap()],
        &rest[t..t + rest[t..].find("</title>").unwrap()],
    )
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

on_both!(
    the_map_json_gives_the_pages_figures_classes_and_ranks,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = latest_month();
        let units = provinces(app, &p).await;
        for (i, v) in ["1000", "2000,5", "3000", "4000", "5000,5", "5000,5"]
            .iter()
            .enumerate()
        {
            approve(app, &t, units[i].0, &p, v).await;
        }
        let ind = indicator(app, "RETAIL_SALES").await;
        let mut c = app.client();
        let page = c
            .get(&format!(
                "/operations/indicators/RETAIL_SALES?period={}",
                p.id()
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let map = svg(&page.body);
        let r = c
            .get(&format!(
                "/api/v1/operations/map?indicator=RETAIL_SALES&period={}",
                p.id()
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        assert_eq!(j["indicator"], "RETAIL_SALES");
        assert_eq!(j["period"], p.id());
        assert_eq!(j["old"], false);
        let list = j["provinces"].as_array().unwrap();
        assert_eq!(list.len(), 34);
        let classes = j["classes"].as_array().unwrap();
        assert!(!classes.is_empty() && classes.len() <= 5);
        // Each province as the page draws it: the same value (formatted there, exact here) and
        // the same colour.
        for prov in list {
            let code = prov["code"].as_str().unwrap();
            let (fill, title) = cell(map, code);
            match num(&prov["value"]) {
                Some(v) => {
                    assert!(title.ends_with(&format!(": {}", ind.format(v, Lang::Vi))));
                    let class = prov["class"].as_u64().unwrap() as usize;
                    assert_eq!(classes[class]["colour"], fill, "{code}");
                    let (lo, hi) = (
                        num(&classes[class]["min"]).unwrap(),
                        num(&classes[class]["max"]).unwrap(),
                    );
                    assert!(lo <= v && v <= hi);
                }
                None => {
                    assert_eq!(fill, "url(#ops-nodata)", "{code}");
                    assert!(prov["class"].is_null() && prov["rank"].is_null());
                }
            }
        }
        // Exact numbers, never rounded; ties ranked as on the page's table.
        let by_code = |code: &str| list.iter().find(|p| p["code"] == code).unwrap();
        assert_eq!(num(&by_code(&units[1].1)["value"]), Some(2000.5));
        assert_eq!(num(&by_code(&units[4].1)["value"]), Some(5000.5));
        assert_eq!(by_code(&units[0].1)["rank"], 6);
        let table = &page.body[page.body.find("id=\"map-table\"").unwrap()..];
        let row = |code: &str| {
            let at = table.find(&format!("({code})</a>")).unwrap();
            let start = table[..at].rfind("<tr>").unwrap();
            &table[start..at]
        };
        for prov in list.iter().filter(|p| !p["rank"].is_null()) {
            let code = prov["code"].as_str().unwrap();
            assert!(
                row(code).contains(&format!(">{}<", prov["rank"])),
                "{code}: {}",
                row(code)
            );
        }
        // An unknown indicator, a bad period, a bad flag.
        let r = c.get("/api/v1/operations/map?indicator=NO_SUCH").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error_code(), "not_found");
        let r = c
            .get("/api/v1/operations/map?indicator=RETAIL_SALES&period=2024M13")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.error_code(), "period_invalid");
        let r = c
            .get("/api/v1/operations/map?indicator=RETAIL_SALES&old=maybe")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = c.get("/api/v1/operations/map").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
);

on_both!(
    the_map_json_of_an_old_period_is_rolled_up_or_the_63_of_the_time,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = reporting::Period::month(2024, 6);
        let old = provinces(app, &p).await;
        let id = |code: &str| old.iter().find(|u| u.1 == code).unwrap().0;
        approve(app, &t, id("02"), &p, "10").await;
        approve(app, &t, id("08"), &p, "20,5").await;
        let mut c = app.client();
        let r = c
            .get("/api/v1/operations/map?indicator=RETAIL_SALES&period=202406")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        assert_eq!(j["rolled"], true);
        let list = j["provinces"].as_array().unwrap();
        assert_eq!(list.len(), 34);
        let tq = list.iter().find(|p| p["code"] == "08").unwrap();
        assert_eq!(num(&tq["value"]), Some(30.5));
        assert_eq!(tq["rolled_from"], serde_json::json!(["02", "08"]));
        let r = c
            .get("/api/v1/operations/map?indicator=RETAIL_SALES&period=202406&old=true")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        assert_eq!(
            (j["old"].clone(), j["rolled"].clone()),
            (true.into(), false.into())
        );
        let list = j["provinces"].as_array().unwrap();
        assert_eq!(list.len(), 63);
        let of = |code: &str| list.iter().find(|p| p["code"] == code).unwrap();
        assert_eq!(num(&of("02")["value"]), Some(10.0));
        assert_eq!(num(&of("08")["value"]), Some(20.5));
        assert_eq!(
            (of("08")["rank"].clone(), of("02")["rank"].clone()),
            (1.into(), 2.into())
        );
        // The page's table of the provinces of the time holds the same.
        let page = c
            .get("/operations/indicators/RETAIL_SALES?period=202406&view=old")
            .await;
        let table = &page.body[page.body.find("id=\"old-provinces\"").unwrap()..];
        assert!(table.contains("Hà Giang (02)"));
        assert!(table.contains("20,5"));
    }
);

on_both!(
    the_indicator_json_gives_the_pages_series_definition_and_quality,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = latest_month();
        let units = provinces(app, &p).await;
        approve(app, &t, units[0].0, &p, "1234,5").await;
        let year_ago = p.same_period_last_year();
        let then = provinces(app, &year_ago).await;
        approve(app, &t, then[0].0, &year_ago, "600").await;
        let ind = indicator(app, "RETAIL_SALES").await;
        let mut c = app.client();
        let page = c.get("/operations/indicators/RETAIL_SALES").await;
        let r = c.get("/api/v1/operations/indicators/RETAIL_SALES").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        let months = j["months"].as_array().unwrap();
        assert_eq!(months.len(), 24);
        assert_eq!(j["quarters"].as_array().unwrap().len(), 8);
        assert_eq!(j["years"].as_array().unwrap().len(), 5);
        let last = months.last().unwrap();
        assert_eq!(last["period"], p.id());
        assert_eq!(num(&last["value"]), Some(1234.5));
        assert_eq!(last["reported"], 1);
        assert_eq!(last["expected"], units.len());
        assert_eq!(last["status"], "provisional");
        // Every figure of the page's table of months, in the same order.
        let table = &page.body[page.body.find("id=\"series-month\"").unwrap()..];
        let table = &table[..table.find("</table>").unwrap()];
        let mut at = 0;
        for m in months {
            let period = reporting::Period::parse(m["period"].as_str().unwrap()).unwrap();
            let found = table[at..].find(&period.label("vi")).unwrap() + at;
            let row = &table[found..found + table[found..].find("</tr>").unwrap()];
            if let Some(v) = num(&m["value"]) {
                assert!(row.contains(&ind.format(v, Lang::Vi)), "{row}");
            }
            at = found;
        }
        // Definition, source and quality flags.
        assert_eq!(j["definition"]["code"], "RETAIL_SALES");
        assert_eq!(j["definition"]["public"], true);
        assert!(
            j["definition"]["source"]
                .as_str()
                .unwrap()
                .contains("Điều tra thương mại và dịch vụ")
        );
        assert!(
            j["quality"]["provisional"]
                .as_array()
                .unwrap()
                .contains(&p.id().into())
        );
        assert!(j["quality"]["late_reports"].is_array());
        // The provinces compared: the same read model as the map.
        assert_eq!(j["provinces"].as_array().unwrap().len(), 34);
        let m = c
            .get(&format!(
                "/api/v1/operations/map?indicator=RETAIL_SALES&period={}",
                j["period"].as_str().unwrap()
            ))
            .await
            .json();
        assert_eq!(j["provinces"], m["provinces"]);
        let r = c.get("/api/v1/operations/indicators/NO_SUCH_THING").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);

on_both!(
    an_internal_indicators_json_is_refused_as_its_page_is,
    async |app: &TestApp| {
        setup(app).await;
        let province = app.scope("unit", "40").await;
        let mut anonymous = app.client();
        let mut local = app.signed_in("xem.na", Role::Viewer, province).await;
        let mut national = app.signed_in("xem.tw", Role::Viewer, Scope::National).await;
        let code = "BUDGET_REVENUE_DOMESTIC";
        for (c, status) in [
            (&mut anonymous, StatusCode::UNAUTHORIZED),
            (&mut local, StatusCode::FORBIDDEN),
            (&mut national, StatusCode::OK),
        ] {
            let page = c.get(&format!("/operations/indicators/{code}")).await;
            assert_eq!(page.status, status);
            for url in [
                format!("/api/v1/operations/indicators/{code}"),
                format!("/api/v1/operations/map?indicator={code}"),
            ] {
                let r = c.get(&url).await;
                assert_eq!(r.status, status, "{url}: {}", r.body);
                if status != StatusCode::OK {
                    assert!(!r.body.contains("provinces"), "{}", r.body);
                }
            }
        }
    }
);

on_both!(
    the_province_json_gives_the_pages_figures_rank_and_record,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = latest_month();
        let units = provinces(app, &p).await;
        approve(app, &t, units[0].0, &p, "100").await;
        approve(app, &t, units[1].0, &p, "300").await;
        approve(app, &t, units[2].0, &p, "200,5").await;
        // One key indicator internal: officials who may read it nationally see it, no one else.
        app.db
            .execute(
                "UPDATE indicators SET is_public = $1 WHERE code = $2",
                platform::params![false, "CPI"],
            )
            .await
            .unwrap();
        let code = &units[2].1;
        let mut anonymous = app.client();
        let mut national = app.signed_in("xem.tw", Role::Viewer, Scope::National).await;
        for c in [&mut anonymous, &mut national] {
            let page = c.get(&format!("/operations/provinces/{code}")).await;
            assert_eq!(page.status, StatusCode::OK);
            let r = c.get(&format!("/api/v1/operations/provinces/{code}")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let j = r.json();
            assert_eq!(j["code"], code.as_str());
            assert_eq!(j["period"], p.id());
            assert_eq!(j["months"].as_array().unwrap().len(), 24);
            // The indicators the page lists, no more (internal ones for those who may read them).
            let shown: Vec<&str> = page
                .body
                .split("<tr id=\"prov-")
                .skip(1)
                .map(|s| &s[..s.find('"').unwrap()])
                .collect();
            let given: Vec<&str> = j["indicators"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["code"].as_str().unwrap())
                .collect();
            assert_eq!(shown, given);
            let retail = j["indicators"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["code"] == "RETAIL_SALES")
                .unwrap();
            assert_eq!(num(&retail["value"]), Some(200.5));
            assert_eq!(num(&retail["national"]), Some(600.5));
            assert_eq!(
                (retail["rank"].clone(), retail["ranked"].clone()),
                (2.into(), 3.into())
            );
            assert_eq!(retail["series"].as_array().unwrap().len(), 24);
            let record = j["record"].as_array().unwrap();
            assert_eq!(record.len(), 12);
            assert_eq!(record[0]["period"], p.id());
            let overdue = record
                .iter()
                .filter(|r| r["timeliness"] == "overdue")
                .count();
            let counts = &page.body[page.body.find("id=\"record-counts\"").unwrap()..];
            assert!(
                counts.contains(&format!("</span> {overdue}</li>")),
                "{overdue} in {counts}"
            );
        }
        let has_cpi = |j: &Value| {
            j["indicators"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["code"] == "CPI")
        };
        let a = anonymous
            .get(&format!("/api/v1/operations/provinces/{code}"))
            .await
            .json();
        let n = national
            .get(&format!("/api/v1/operations/provinces/{code}"))
            .await
            .json();
        assert!(!has_cpi(&a), "an internal indicator hidden from the public");
        assert!(has_cpi(&n), "and shown to officials who may read it");
        for bad in ["99", "02"] {
            let r = anonymous
                .get(&format!("/api/v1/operations/provinces/{bad}"))
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
        }
    }
);
