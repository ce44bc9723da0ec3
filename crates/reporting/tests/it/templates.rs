//! Report templates on both databases: a quarterly provincial report and its national total, a
//! ministry's national report and who may file it, a commune's report, periods of the wrong kind,
//! and a quarterly deadline on the holiday calendar.

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::identity::access::Role;
use reporting::Period;

use crate::on_both;
use crate::support::{Client, TestApp};

async fn setup(app: &TestApp) {
    reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
        .await
        .unwrap();
}

/// A batch of `template` for `unit` × `period`, every indicator at `value` as far as its rule
/// allows (whole for a count, at most the upper bound of a share).
async fn batch(app: &TestApp, template: &str, unit: &str, period: &str, value: f64) -> String {
    let t = reporting::store::templates::template(&app.db, template)
        .await
        .unwrap()
        .unwrap();
    let values: Vec<serde_json::Value> = t
        .indicators
        .iter()
        .map(|i| {
            let v = if i.value_type == "integer" {
                value.round()
            } else {
                value
            };
            let v = i.upper_bound.map_or(v, |ub| v.min(ub));
            serde_json::json!({"indicator": i.code, "value": v})
        })
        .collect();
    serde_json::json!({"template": template, "unit": unit, "period": period, "values": values, "submit": true})
        .to_string()
}

/// Approve the submitted report of `template` × unit × period.
async fn approve(app: &TestApp, template: &str, unit_id: i64, period: &str) {
    let t = reporting::store::templates::template(&app.db, template)
        .await
        .unwrap()
        .unwrap();
    let s = reporting::store::submissions::find(
        &app.db,
        t.id,
        unit_id,
        &Period::parse(period).unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    reporting::engine::decide::decide(&app.db, &Actor::system("t"), s.id, s.version, true, None)
        .await
        .unwrap();
}

async fn unit_id(app: &TestApp, template: &str, code: &str, period: &str) -> i64 {
    let t = reporting::store::templates::template(&app.db, template)
        .await
        .unwrap()
        .unwrap();
    reporting::store::units::unit_for(&app.db, &t, code, &Period::parse(period).unwrap())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no unit {code} for {template}"))
        .id
}

async fn national(app: &TestApp, indicator: &str, period: &str) -> serde_json::Value {
    let r = app
        .client()
        .get(&format!(
            "/api/v1/data?indicator={indicator}&unit=VN&period={period}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["items"][0]["value"].clone()
}

on_both!(
    quarterly_report_adds_up_to_the_national_total,
    async |app: &TestApp| {
        setup(app).await;
        let na = app.scope("unit", "40").await;
        let ht = app.scope("unit", "42").await;
        let mut c_na = app
            .token_client("Sở Tài chính Nghệ An", Role::Reporter, na)
            .await;
        let mut c_ht = app
            .token_client("Sở Tài chính Hà Tĩnh", Role::Reporter, ht)
            .await;
        let r = c_na
            .request_json(
                "POST",
                "/api/v1/data/batch",
                batch(app, "BC-KTXH-QUY", "40", "2025Q3", 1000.0).await,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["status"], "submitted");
        let r = c_ht
            .request_json(
                "POST",
                "/api/v1/data/batch",
                batch(app, "BC-KTXH-QUY", "42", "2025Q3", 250.5).await,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // Not in any national figure until approved.
        assert!(national(app, "GRDP_CURRENT", "2025Q3").await.is_null());
        let na_id = unit_id(app, "BC-KTXH-QUY", "40", "2025Q3").await;
        approve(app, "BC-KTXH-QUY", na_id, "2025Q3").await;
        assert_eq!(national(app, "GRDP_CURRENT", "2025Q3").await, 1000.0);
        let ht_id = unit_id(app, "BC-KTXH-QUY", "42", "2025Q3").await;
        approve(app, "BC-KTXH-QUY", ht_id, "2025Q3").await;
        assert_eq!(national(app, "GRDP_CURRENT", "2025Q3").await, 1250.5);
        // The province's own figure for the quarter, and the quarterly overview page.
        let r = c_na
            .get("/api/v1/data?indicator=GRDP_CURRENT&unit=40&period=2025Q3")
            .await;
        assert_eq!(r.json()["items"][0]["value"], 1000.0, "{}", r.body);
        let r = app
            .client()
            .get("/reporting?template=BC-KTXH-QUY&period=2025Q3")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("1.250,5"), "national total shown");
        // The report is the quarterly template's, not the monthly one's.
        let monthly = reporting::store::templates::template(
            &app.db,
            reporting::model::template::MONTHLY_PROVINCIAL,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(
        app.count_where(
            "SELECT COUNT(*) AS n FROM submissions WHERE template_id = (SELECT id FROM report_templates WHERE code = $1)",
            "BC-KTXH-QUY"
        )
        .await,
        2
    );
        assert!(
            reporting::store::submissions::for_period(
                &app.db,
                monthly.id,
                &Period::parse("2025Q3").unwrap()
            )
            .await
            .unwrap()
            .is_empty()
        );
    }
);

on_both!(
    a_ministry_files_its_national_report_and_only_it,
    async |app: &TestApp| {
        setup(app).await;
        let btc = app.scope("agency", "btc").await;
        let byt = app.scope("agency", "byt").await;
        let na = app.scope("unit", "40").await;
        let mut ministry = app.token_client("Bộ Tài chính", Role::Reporter, btc).await;
        let mut health = app.token_client("Bộ Y tế", Role::Reporter, byt).await;
        let mut province = app
            .token_client("Sở Tài chính Nghệ An", Role::Reporter, na)
            .await;
        let national_report = batch(app, "BC-BTC-NSNN-THANG", "VN", "202509", 150000.0).await;

        // A province's reporter may not file the ministry's report, nor another ministry's.
        let r = province
            .request_json("POST", "/api/v1/data/batch", national_report.clone())
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = health
            .request_json("POST", "/api/v1/data/batch", national_report.clone())
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM submissions").await, 0);

        // The Ministry of Finance files it; the report is attributed to the ministry.
        let r = ministry
            .request_json("POST", "/api/v1/data/batch", national_report.clone())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let agency: i64 = app
        .db
        .fetch_one(
            "SELECT s.agency_id FROM submissions s JOIN units u ON u.id = s.unit_id WHERE u.level = 'nation'",
            platform::params![],
        )
        .await
        .unwrap()
        .get("agency_id")
        .unwrap();
        assert_eq!(Some(agency), btc.id());

        // …and nothing else: not a province's monthly report.
        let r = ministry
            .request_json(
                "POST",
                "/api/v1/data/batch",
                batch(
                    app,
                    reporting::model::template::MONTHLY_PROVINCIAL,
                    "40",
                    "202509",
                    100.0,
                )
                .await,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        // A national template takes only the national unit.
        let r = ministry
            .request_json(
                "POST",
                "/api/v1/data/batch",
                batch(app, "BC-BTC-NSNN-THANG", "40", "202509", 100.0).await,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.error_code(), "scope_not_found");

        // The ministry's approver sees and approves it; a provincial approver cannot open it.
        let mut approver = app.signed_in("pheduyet.btc", Role::Approver, btc).await;
        let page = approver
            .get("/reporting/VN/202509?template=BC-BTC-NSNN-THANG")
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let version = {
            let t = reporting::store::templates::template(&app.db, "BC-BTC-NSNN-THANG")
                .await
                .unwrap()
                .unwrap();
            let vn = unit_id(app, "BC-BTC-NSNN-THANG", "VN", "202509").await;
            reporting::store::submissions::find(
                &app.db,
                t.id,
                vn,
                &Period::parse("202509").unwrap(),
            )
            .await
            .unwrap()
            .unwrap()
            .version
        };
        let r = approver
            .post(
                "/reporting/VN/202509?template=BC-BTC-NSNN-THANG",
                &[("action", "approve"), ("version", &version.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location().contains("template=BC-BTC-NSNN-THANG"));
        let mut other = app.signed_in("pheduyet.nghean", Role::Approver, na).await;
        let page = other
            .get("/reporting/VN/202509?template=BC-BTC-NSNN-THANG")
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);

        // With no province reporting expenditure, the national figure is the ministry's.
        assert_eq!(
            national(app, "BUDGET_EXPENDITURE", "202509").await,
            150000.0
        );
        // The template's overview shows the ministry's figures and its one report.
        let page = approver
            .get("/reporting?template=BC-BTC-NSNN-THANG&period=202509")
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("150.000,0"), "{}", page.body);
        // Its one report is the ministry's (issue 11 item 11), not "Việt Nam" among provinces.
        let reports = page.body.split("id=\"reports-table\"").nth(1).unwrap_or("");
        assert!(reports.contains("Bộ Tài chính</a>"), "{}", page.body);
        // A ministry reporter's list of reports due names only the ministry's templates.
        let mut reporter = app.signed_in("baocao.btc", Role::Reporter, btc).await;
        let page = reporter.get("/reporting/worklist").await;
        assert_eq!(page.status, StatusCode::OK);
        let due = page.body.split("id=\"worklist\"").nth(1).unwrap_or("");
        let due = due.split("</ol>").next().unwrap_or("");
        assert!(due.contains("Bộ Tài chính"), "{}", page.body);
        assert!(!due.contains("Bộ Công Thương") && !due.contains("tỉnh, thành phố"));
    }
);

on_both!(
    a_commune_files_its_quarterly_dossier_report,
    async |app: &TestApp| {
        setup(app).await;
        let actor = Actor::system("test");
        let table = registry::import::read_csv(registry::seed::SAMPLE_COMMUNES.as_bytes()).unwrap();
        registry::import::import_communes(
            &app.db,
            &actor,
            &table,
            &registry::import::ImportOptions {
                valid_from: registry::Day::parse("2025-07-01").unwrap(),
                valid_to: None,
                dry_run: false,
            },
            &|_, _| {},
        )
        .await
        .unwrap();
        let hn = app.scope("unit", "01").await;
        let na = app.scope("unit", "40").await;
        let mut hanoi = app.token_client("Hà Nội", Role::Reporter, hn).await;
        let mut nghean = app.token_client("Nghệ An", Role::Reporter, na).await;
        let report = batch(app, "BC-TTHC-XA-QUY", "90001", "2025Q3", 42.0).await;
        // Another province's reporter may not file it.
        let r = nghean
            .request_json("POST", "/api/v1/data/batch", report.clone())
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        // The province's reporter may, for its commune.
        let r = hanoi
            .request_json("POST", "/api/v1/data/batch", report)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = hanoi
            .get("/api/v1/data?indicator=DOSSIERS_ONLINE&unit=90001&period=2025Q3")
            .await;
        assert_eq!(r.json()["items"][0]["value"], 42.0, "{}", r.body);
        // A commune template does not take a province.
        let r = hanoi
            .request_json(
                "POST",
                "/api/v1/data/batch",
                batch(app, "BC-TTHC-XA-QUY", "01", "2025Q3", 1.0).await,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        // The commune's form and its Excel template.
        let mut reporter = app.signed_in("baocao.hanoi", Role::Reporter, hn).await;
        let page = reporter
            .get("/reporting/90001/2025Q3?template=BC-TTHC-XA-QUY")
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("template=BC-TTHC-XA-QUY"),
            "{}",
            page.body
        );
        let (status, bytes) = reporter
            .get_bytes("/reporting/90001/2025Q3/template.xlsx?template=BC-TTHC-XA-QUY")
            .await;
        assert_eq!(status, StatusCode::OK);
        let t = reporting::store::templates::template(&app.db, "BC-TTHC-XA-QUY")
            .await
            .unwrap()
            .unwrap();
        let (entries, _) = reporting::excel::read(&bytes, &t).unwrap();
        assert_eq!(entries.len(), t.indicators.len());
        assert!(entries.iter().all(|e| e.raw == "42"));
        // The province's official sees its communes' reports in the template's overview, and the
        // communes' reports now due in the list of reports to deal with.
        let page = reporter
            .get("/reporting?template=BC-TTHC-XA-QUY&period=2025Q3")
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let reports = page.body.split("id=\"reports-table\"").nth(1).unwrap_or("");
        assert!(reports.contains("Phường Hoàn Kiếm"), "{}", page.body);
        let page = reporter.get("/reporting/worklist").await;
        let due = page.body.split("id=\"worklist\"").nth(1).unwrap_or("");
        let due = due.split("</ol>").next().unwrap_or("");
        assert!(
            due.contains("Phường Hoàn Kiếm") && due.contains("Hà Nội"),
            "{}",
            page.body
        );
    }
);

on_both!(
    a_period_of_the_wrong_kind_is_refused_in_both_languages,
    async |app: &TestApp| {
        setup(app).await;
        let na = app.scope("unit", "40").await;
        let mut c = app.token_client("Nghệ An", Role::Reporter, na).await;
        c.lang = Some("en");
        let r = c
            .request_json(
                "POST",
                "/api/v1/data/batch",
                batch(app, "BC-KTXH-QUY", "40", "202509", 1.0).await,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.error_code(), "period_kind_mismatch");
        assert_eq!(r.json()["errors"][0]["field"], "period");
        assert_eq!(
            r.json()["errors"][0]["detail"],
            "Template “BC-KTXH-QUY” is reported by quarter (e.g. 2024Q1); “202509” is not a quarter period."
        );
        c.lang = Some("vi");
        // The default template is monthly: a quarter is refused too.
        let body = batch(
            app,
            reporting::model::template::MONTHLY_PROVINCIAL,
            "40",
            "2025Q3",
            1.0,
        )
        .await
        .replace("\"template\":\"BC-KTXH-THANG\",", "");
        assert!(!body.contains("template"));
        let r = c.request_json("POST", "/api/v1/data/batch", body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(
            r.json()["errors"][0]["detail"],
            "Biểu mẫu “BC-KTXH-THANG” báo cáo theo kỳ tháng (ví dụ 202401); kỳ “2025Q3” không phải kỳ tháng."
        );
        // An unknown template is named.
        let r = c
            .request_json(
                "POST",
                "/api/v1/data/batch",
                r#"{"template":"BC-KHONG-CO","unit":"40","period":"202509","values":[]}"#.into(),
            )
            .await;
        assert_eq!(r.error_code(), "template_unknown");
        // DHIS2: dataSet is the template; the period conflict is reported and nothing is written.
        let r = c
            .request_json(
                "POST",
                "/api/dataValueSets",
                serde_json::json!({"dataSet": "BC-KTXH-QUY", "period": "202509", "orgUnit": "40",
                "dataValues": [{"dataElement": "GRDP_CURRENT", "value": "5"}]})
                .to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(r.json()["response"]["conflicts"][0]["errorCode"], "E7611");
        let r = c
            .request_json(
                "POST",
                "/api/dataValueSets",
                serde_json::json!({"dataSet": "BC-KTXH-QUY", "period": "2025Q3", "orgUnit": "40",
                "completeDate": "2025-10-01",
                "dataValues": [{"dataElement": "GRDP_CURRENT", "value": "5"}]})
                .to_string(),
            )
            .await;
        // A submission needs every indicator of the template: the import is refused whole.
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM submissions").await, 0);
        let r = c
            .request_json(
                "POST",
                "/api/dataValueSets",
                serde_json::json!({"dataSet": "BC-KTXH-QUY", "period": "2025Q3", "orgUnit": "40",
                "dataValues": [{"dataElement": "GRDP_CURRENT", "value": "5"}]})
                .to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["response"]["importCount"]["imported"], 1);
        // The web form refuses a period of the wrong kind.
        let mut web = app.signed_in("baocao.nghean", Role::Reporter, na).await;
        let r = web.get("/reporting/40/202509?template=BC-KTXH-QUY").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

on_both!(
    a_quarterly_deadline_skips_holidays,
    async |app: &TestApp| {
        setup(app).await;
        let t = reporting::store::templates::template(&app.db, "BC-KTXH-QUY")
            .await
            .unwrap()
            .unwrap();
        let q3 = Period::parse("2025Q3").unwrap();
        let day = |s: &str| registry::Day::parse(s).unwrap().0;
        // Cut-off 14/9/2025 (a Sunday); five working days: 15–19/9.
        let cal = reporting::store::holidays::holidays(&app.db).await.unwrap();
        assert_eq!(t.deadline(&q3, &cal), day("2025-09-19"));
        // A public holiday on Tuesday 16/9 moves it to Monday 22/9 (the calendar is data).
        app.db
        .execute_script("INSERT INTO holidays (day, name) VALUES ('2025-09-16', 'Ngày nghỉ bù (thử nghiệm)')")
        .await
        .unwrap();
        let cal = reporting::store::holidays::holidays(&app.db).await.unwrap();
        assert_eq!(t.deadline(&q3, &cal), day("2025-09-22"));
        // Reminders of the quarterly report follow its own deadline.
        let na = app.scope("unit", "40").await;
        app.user("nhac.quy", Role::Reporter, na).await;
        app.db
            .execute_script(
                "UPDATE users SET email = 'nhac.quy@example.gov.vn' WHERE username = 'nhac.quy'",
            )
            .await
            .unwrap();
        let queue = |d: &'static str| {
            reporting::engine::reminders::queue_template(&app.db, &t, &q3, day(d))
        };
        assert_eq!(queue("2025-09-16").await.unwrap(), 0, "too early");
        assert_eq!(queue("2025-09-18").await.unwrap(), 1);
        let subject: String = app
            .db
            .fetch_one("SELECT subject FROM notifications", platform::params![])
            .await
            .unwrap()
            .get("subject")
            .unwrap();
        assert!(subject.contains("Quý III/2025"), "{subject}");
        // A period of another kind never gets reminders from this template.
        assert_eq!(
            reporting::engine::reminders::queue_template(
                &app.db,
                &t,
                &Period::parse("202509").unwrap(),
                day("2025-09-30")
            )
            .await
            .unwrap(),
            0
        );
    }
);

/// Return the Ministry of Finance's report of September 2025 (so that it can be sent again).
async fn return_national(app: &TestApp) {
    let t = reporting::store::templates::template(&app.db, "BC-BTC-NSNN-THANG")
        .await
        .unwrap()
        .unwrap();
    let vn = unit_id(app, "BC-BTC-NSNN-THANG", "VN", "202509").await;
    let s =
        reporting::store::submissions::find(&app.db, t.id, vn, &Period::parse("202509").unwrap())
            .await
            .unwrap()
            .unwrap();
    reporting::engine::decide::decide(
        &app.db,
        &Actor::system("t"),
        s.id,
        s.version,
        false,
        Some("Cần đối chiếu với số liệu của các tỉnh"),
    )
    .await
    .unwrap();
}

on_both!(
    a_national_figure_far_from_the_provinces_sum_needs_an_explanation,
    async |app: &TestApp| {
        setup(app).await;
        // Every province valid in September 2025 reports state budget revenue of 100 (approved).
        let monthly = reporting::store::templates::template(
            &app.db,
            reporting::model::template::MONTHLY_PROVINCIAL,
        )
        .await
        .unwrap()
        .unwrap();
        let p = Period::parse("202509").unwrap();
        let provinces = reporting::store::units::reporting_units(&app.db, &monthly, &p)
            .await
            .unwrap();
        assert_eq!(provinces.len(), 34);
        let entries: Vec<reporting::engine::save::Entry> = monthly
            .indicators
            .iter()
            .map(|i| reporting::engine::save::Entry {
                indicator: i.code.clone(),
                raw: "100".into(),
                explanation: None,
                lang: "en",
            })
            .collect();
        let btc = app.scope("agency", "btc").await;
        let mut ministry = app.token_client("Bộ Tài chính", Role::Reporter, btc).await;
        ministry.lang = Some("en");
        let send = async |c: &mut Client, revenue: f64, explanation: Option<&str>| {
            let t = reporting::store::templates::template(&app.db, "BC-BTC-NSNN-THANG")
                .await
                .unwrap()
                .unwrap();
            let values: Vec<serde_json::Value> = t
            .indicators
            .iter()
            .map(|i| {
                if i.code == "BUDGET_REVENUE" {
                    serde_json::json!({"indicator": i.code, "value": revenue, "explanation": explanation})
                } else {
                    serde_json::json!({"indicator": i.code,
                        // Also in the provinces' report: their sum, so that it raises nothing.
                        "value": if i.code == "PUBLIC_INVEST_DISBURSED" { 3400.0 } else { 10.0 }})
                }
            })
            .collect();
            c.request_json(
            "POST",
            "/api/v1/data/batch",
            serde_json::json!({"template": "BC-BTC-NSNN-THANG", "unit": "VN", "period": "202509",
                "values": values, "submit": true})
            .to_string(),
        )
        .await
        };
        // Until every province has reported, there is nothing to compare with.
        for u in &provinces[..33] {
            let s = reporting::http::save::save(
                &app.db,
                &Actor::system("t"),
                &monthly,
                u.id,
                &p,
                &entries,
                None,
                reporting::model::status::Action::Submit,
                None,
            )
            .await
            .unwrap();
            reporting::engine::decide::decide(
                &app.db,
                &Actor::system("t"),
                s.submission.id,
                s.submission.version,
                true,
                None,
            )
            .await
            .unwrap();
        }
        let r = send(&mut ministry, 9000.0, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // The Government Office returns it, to be sent again once every province has reported.
        return_national(app).await;
        let last = &provinces[33];
        let s = reporting::http::save::save(
            &app.db,
            &Actor::system("t"),
            &monthly,
            last.id,
            &p,
            &entries,
            None,
            reporting::model::status::Action::Submit,
            None,
        )
        .await
        .unwrap();
        reporting::engine::decide::decide(
            &app.db,
            &Actor::system("t"),
            s.submission.id,
            s.submission.version,
            true,
            None,
        )
        .await
        .unwrap();
        // 3 500 against a provincial sum of 3 400: 2.9 % apart, refused without an explanation.
        let r = send(&mut ministry, 3500.0, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.error_code(), "national_vs_provinces_unexplained");
        assert_eq!(r.json()["errors"][0]["field"], "e_BUDGET_REVENUE");
        assert!(
            r.json()["errors"][0]["detail"].as_str().unwrap().contains(
                "(3,500.0) is 2.9 % away from the sum of the provinces’ approved figures (3,400.0)"
            ),
            "{}",
            r.body
        );
        // Within 0.5 %: accepted without a word.
        let r = send(&mut ministry, 3410.0, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.json()["warnings"].as_array().unwrap().is_empty(),
            "{}",
            r.body
        );
        return_national(app).await;
        // Explained: accepted with the warning.
        let r = send(
            &mut ministry,
            3500.0,
            Some("Gồm thu từ dầu thô do trung ương quản lý"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["warnings"][0]["code"], "national_vs_provinces");
    }
);
