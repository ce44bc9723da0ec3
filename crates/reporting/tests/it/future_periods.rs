//! Issue 11, item 4: a report for a period after the one in progress (2099-12, next month) is
//! refused on every ingestion path — report form, Excel upload, batch, bulk, DHIS2
//! dataValueSets — naming the period and the latest allowed, and nothing is written.

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::identity::access::Role;
use reporting::model::period::{Period, PeriodKind};
use reporting::model::template::MONTHLY_PROVINCIAL;
use serde_json::json;

use crate::on_both;
use crate::support::{Client, Req, Res, TestApp};

/// POST a CSV file with the session's cookies (an administrator signed in).
async fn post_csv(_app: &TestApp, c: &Client, path: &str, body: String) -> Res {
    use axum::http::header;
    let req = Req::new("POST", path)
        .body("text/csv", body)
        .header(header::ACCEPT_LANGUAGE, "en")
        .header(header::COOKIE, c.cookie_header());
    c.clone().send(req).await
}

on_both!(
    periods_after_the_current_one_are_refused_everywhere,
    async |app: &TestApp| {
        reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
            .await
            .unwrap();
        let t = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
            .await
            .unwrap()
            .unwrap();
        let current = Period::current(PeriodKind::Month, registry::Day::today().0);
        let latest = current.id();
        let na = app.scope("unit", "40").await;
        let token = app.token("Sở Tài chính Nghệ An", Role::Reporter, na).await;
        let mut api = app.client();
        api.bearer = Some(token);
        api.lang = Some("en");
        let mut reporter = app.signed_in("future.na", Role::Reporter, na).await;
        let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        let nothing_written = async || {
            assert_eq!(app.count("SELECT COUNT(*) AS n FROM data_values").await, 0);
            assert_eq!(app.count("SELECT COUNT(*) AS n FROM submissions").await, 0);
        };
        for p in ["209912".to_owned(), current.next().id()] {
            let values: Vec<_> = t
                .indicators
                .iter()
                .map(|i| json!({"indicator": i.code, "value": 100.0}))
                .collect();
            // Batch API (English).
            let body = json!({"unit": "40", "period": p, "values": values, "submit": true});
            let r = api
                .request_json("POST", "/api/v1/data/batch", body.to_string())
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(r.body.contains("period_in_future"), "{}", r.body);
            assert!(
                r.body.contains(&format!(
                    "Period “{p}” has not come yet: reports are accepted up to the current period “{latest}”."
                )),
                "{}",
                r.body
            );
            nothing_written().await;
            // Bulk API.
            let body = json!({"reports": [{"unit": "40", "period": p, "values": values}]});
            let r = api
                .request_json("POST", "/api/v1/data/bulk", body.to_string())
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(r.body.contains("period_in_future"), "{}", r.body);
            nothing_written().await;
            // DHIS2 dataValueSets.
            let dv: Vec<_> = t
                .indicators
                .iter()
                .map(|i| json!({"dataElement": i.code, "value": "100"}))
                .collect();
            let set =
                json!({"dataSet": "BC-KTXH-THANG", "period": p, "orgUnit": "40", "dataValues": dv});
            let r = api
                .request_json("POST", "/api/dataValueSets", set.to_string())
                .await;
            assert!(
                r.body.contains(&format!("“{p}” has not come yet")),
                "{}: {}",
                r.status,
                r.body
            );
            nothing_written().await;
            // The report form (Vietnamese).
            let mut form: Vec<(String, String)> = t
                .indicators
                .iter()
                .map(|i| (format!("v_{}", i.code), "100".to_owned()))
                .collect();
            form.push(("action".into(), "submit".into()));
            form.push(("version".into(), "0".into()));
            let refs: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let r = reporter.post(&format!("/reporting/40/{p}"), &refs).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(
                r.body.contains(&format!(
                    "Kỳ “{p}” chưa đến: chỉ nhận báo cáo đến kỳ hiện tại “{latest}”."
                )),
                "{}",
                r.body
            );
            nothing_written().await;
            // Excel upload.
            let period = Period::parse(&p).unwrap();
            let mut vals = std::collections::HashMap::new();
            for ind in &t.indicators {
                vals.insert((ind.id, p.clone()), 100.0);
            }
            let book =
                reporting::excel::workbook(&t, &unit.name, "40", &period, &vals, "vi").unwrap();
            let r = reporter
                .post_file(
                    &format!("/reporting/40/{p}/upload"),
                    &[("action", "submit")],
                    "file",
                    &book,
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(r.body.contains(&format!("Kỳ “{p}” chưa đến")), "{}", r.body);
            nothing_written().await;
        }
        // The period in progress is accepted (a draft saved before the cut-off).
        let values: Vec<_> = t
            .indicators
            .iter()
            .map(|i| json!({"indicator": i.code, "value": 100.0}))
            .collect();
        let body = json!({"unit": "40", "period": latest, "values": values});
        let r = api
            .request_json("POST", "/api/v1/data/batch", body.to_string())
            .await;
        assert!(r.status.is_success(), "{}", r.body);
    }
);

on_both!(
    targets_may_be_set_ahead_within_the_configured_lead,
    async |app: &TestApp| {
        reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
            .await
            .unwrap();
        let c = app
            .signed_in(
                "quantri.future",
                Role::SystemAdmin,
                platform::identity::access::Scope::National,
            )
            .await;
        let year = registry::Day::today().0.year();
        let last = year + platform::config::DEFAULT_TARGET_LEAD_YEARS as i32;
        // Within the lead: accepted (a five-year plan).
        let ok = format!("indicator,unit,year,target\nEXPORTS,VN,{last},480000\n");
        let r = post_csv(app, &c, "/api/v1/targets/import", ok).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["inserted"], 1);
        // Beyond it: refused on its row, nothing written.
        let far = format!(
            "indicator,unit,year,target\nEXPORTS,VN,{year},1\nEXPORTS,VN,{},1\n",
            last + 1
        );
        let r = post_csv(app, &c, "/api/v1/targets/import", far).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let e = &r.json()["errors"][0];
        assert_eq!(e["code"], "target_year_ahead", "{}", r.body);
        assert_eq!(e["field"], "row 3: year", "{}", r.body);
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("“{} > {last}” is too far ahead", last + 1)),
            "{}",
            r.body
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM indicator_targets")
                .await,
            1
        );
    }
);
