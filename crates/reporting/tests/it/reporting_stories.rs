//! The reporting system on both databases: submit, validate, approve or return, correct, and see
//! national totals change at once; the batch API; the catalogue.

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::identity::access::{Role, Scope};
use reporting::Period;
use reporting::engine::save::Entry;
use reporting::model::status::Action;

use crate::on_both;
use crate::support::{Client, TestApp, entries, form, setup, submit_and_approve};

const P: &str = "202509";

/// Eight approved months of ordinary figures for Nghệ An before `P`.
async fn history(app: &TestApp, t: &reporting::model::template::Template) -> i64 {
    let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
        .await
        .unwrap()
        .unwrap();
    let mut p = Period::parse(P).unwrap();
    for i in 0..8 {
        p = p.previous();
        submit_and_approve(app, t, unit.id, &p.id(), &format!("{}", 1000 + i * 10)).await;
    }
    unit.id
}

async fn version(app: &TestApp, t: &reporting::model::template::Template, unit_id: i64) -> String {
    reporting::store::submissions::find(&app.db, t.id, unit_id, &Period::parse(P).unwrap())
        .await
        .unwrap()
        .unwrap()
        .version
        .to_string()
}

async fn national_retail(c: &mut Client) -> Option<f64> {
    let r = c
        .get(&format!(
            "/api/v1/data?indicator=RETAIL_SALES&unit=VN&period={P}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["items"][0]["value"].as_f64()
}

on_both!(
    report_return_correct_approve_and_the_national_total_moves,
    async |app: &TestApp| {
        let t = setup(app).await;
        let unit_id = history(app, &t).await;
        let na = app.scope("unit", "40").await;
        let mut reporter = app.signed_in("bc.na", Role::Reporter, na).await;
        let mut approver = app.signed_in("pd.na", Role::Approver, na).await;
        let mut public = app.client();
        let path = format!("/reporting/40/{P}");
        assert_eq!(national_retail(&mut public).await, None);

        // The form shows the previous period and the same period last year.
        let page = reporter.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Tổng mức bán lẻ") && page.body.contains("1.000,0"),
            "previous month shown: {}",
            page.body
        );
        // The deadline as people write dates, not ISO 8601.
        assert!(
            page.body.contains("<dt>Hạn gửi</dt><dd>17/09/2025</dd>"),
            "{}",
            page.body
        );

        // A bad number and a negative value: precise errors, nothing written.
        let r = reporter
            .post_fields(
                &path,
                &form(&t, "mười", &[("action", "save"), ("version", "0")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("“mười” không phải là số"), "{}", r.body);
        let r = reporter
            .post_fields(
                &path,
                &form(&t, "-5", &[("action", "save"), ("version", "0")]),
            )
            .await;
        assert!(
            r.body
                .contains("phải là số không âm, tối đa 1 chữ số thập phân; nhận được -5"),
            "{}",
            r.body
        );
        assert!(
            reporting::store::submissions::find(&app.db, t.id, unit_id, &Period::parse(P).unwrap())
                .await
                .unwrap()
                .is_none()
        );

        // An unusual figure needs an explanation to submit; a draft may hold it.
        let r = reporter
            .post_fields(
                &path,
                &form(&t, "9.000,5", &[("action", "submit"), ("version", "0")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("cần giải trình để gửi"), "{}", r.body);
        let v = "0".to_owned();
        let r = reporter
            .post_fields(
                &path,
                &form(
                    &t,
                    "9.000,5",
                    &[
                        ("action", "submit"),
                        ("version", &v),
                        ("e_RETAIL_SALES", "Khai trương trung tâm thương mại lớn"),
                    ],
                ),
            )
            .await;
        // Submitted, and redirected (303) so that a refresh does not send the form again
        // (issue 11, item 12); the explained warning stays visible for the reporter on the page
        // the redirect leads to, once.
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let next = r.location();
        assert_eq!(next, format!("{path}?done=submit"));
        let r = reporter.get(&next).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains("Đã gửi báo cáo để phê duyệt") && r.body.contains("khác thường"),
            "{}",
            r.body
        );
        let again = reporter.get(&next).await;
        assert!(
            again.body.contains("Đã gửi báo cáo để phê duyệt")
                && again.body.matches("class=\"notice\"").count() == 1,
            "the warnings are shown once as notices (the value stays flagged): {}",
            again.body
        );
        // Submitted values do not count until approved.
        assert_eq!(national_retail(&mut public).await, None);

        // Another province's reporter cannot touch it; the reporter cannot approve.
        let ht = app.scope("unit", "42").await;
        let mut other = app.signed_in("bc.ht", Role::Reporter, ht).await;
        assert_eq!(other.get(&path).await.status, StatusCode::FORBIDDEN);
        let ver = version(app, &t, unit_id).await;
        let r = reporter
            .post(&path, &[("action", "approve"), ("version", &ver)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // Returned: a reason is required.
        let r = approver
            .post(
                &path,
                &[("action", "return"), ("version", &ver), ("reason", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = approver
            .post(
                &path,
                &[
                    ("action", "return"),
                    ("version", &ver),
                    ("reason", "Kiểm tra lại số bán lẻ"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            reporter
                .get(&path)
                .await
                .body
                .contains("Kiểm tra lại số bán lẻ")
        );

        // A stale form (old version) is refused: no silent overwrite.
        let r = reporter
            .post_fields(
                &path,
                &form(&t, "1.100", &[("action", "save"), ("version", &ver)]),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("vừa được người khác thay đổi"));

        // Corrected and resubmitted, then approved: the national total moves at once.
        let ver = version(app, &t, unit_id).await;
        let r = reporter
            .post_fields(
                &path,
                &form(&t, "1.100,5", &[("action", "submit"), ("version", &ver)]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let ver = version(app, &t, unit_id).await;
        let r = approver
            .post(&path, &[("action", "approve"), ("version", &ver)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(national_retail(&mut public).await, Some(1100.5));

        // Approved reports are locked; corrections need a reason and are kept in the history.
        let ver = version(app, &t, unit_id).await;
        let r = reporter
            .post_fields(
                &path,
                &form(&t, "1.200", &[("action", "save"), ("version", &ver)]),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::CONFLICT,
            "approved reports are locked"
        );
        assert!(r.body.contains("không sửa được"));
        let r = reporter
            .post_fields(
                &path,
                &form(
                    &t,
                    "1.200",
                    &[("action", "correct"), ("version", &ver), ("reason", "x")],
                ),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "reporters cannot correct approved figures"
        );
        let r = approver
            .post_fields(
                &path,
                &form(
                    &t,
                    "1.150",
                    &[("action", "correct"), ("version", &ver), ("reason", "")],
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = approver
            .post_fields(
                &path,
                &form(
                    &t,
                    "1.150",
                    &[
                        ("action", "correct"),
                        ("version", &ver),
                        ("reason", "Số liệu chính thức của Cục Thống kê"),
                    ],
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(national_retail(&mut public).await, Some(1150.0));
        let retail = reporting::store::catalogue::by_code(&app.db, "RETAIL_SALES")
            .await
            .unwrap()
            .unwrap();
        let h = reporting::store::values::history(
            &app.db,
            retail.id,
            unit_id,
            &Period::parse(P).unwrap(),
        )
        .await
        .unwrap();
        let trail: Vec<(Option<f64>, Option<f64>, &str)> = h
            .iter()
            .map(|e| (e.old_value, e.new_value, e.action.as_str()))
            .collect();
        assert_eq!(
            trail,
            vec![
                (None, Some(9000.5), "enter"),
                (Some(9000.5), Some(1100.5), "enter"),
                (Some(1100.5), Some(1150.0), "correct")
            ]
        );
        assert_eq!(
            h[2].reason.as_deref(),
            Some("Số liệu chính thức của Cục Thống kê")
        );
        assert!(
            platform::audit::verify(&app.db)
                .await
                .unwrap()
                .to_string()
                .contains("intact")
        );
    }
);

on_both!(
    batch_api_is_all_or_nothing_and_idempotent,
    async |app: &TestApp| {
        let t = setup(app).await;
        let na = app.scope("unit", "40").await;
        let secret = app.token("Sở Tài chính Nghệ An", Role::Reporter, na).await;
        let body = |retail: serde_json::Value, extra: Option<(&str, serde_json::Value)>| {
            let mut values: Vec<serde_json::Value> = t
            .indicators
            .iter()
            .map(|i| serde_json::json!({"indicator": i.code, "value": if i.code == "RETAIL_SALES" { retail.clone() } else { serde_json::json!(100.0) }}))
            .collect();
            if let Some((code, v)) = extra {
                values.push(serde_json::json!({"indicator": code, "value": v}));
            }
            serde_json::json!({"unit": "40", "period": P, "values": values, "submit": true})
                .to_string()
        };
        let send = async |token: &str, b: String| {
            let mut c = app.client();
            c.bearer = Some(token.to_owned());
            c.request_json("POST", "/api/v1/data/batch", b).await
        };
        // Rejected whole: a negative value and an unknown indicator; nothing written.
        let r = send(
            &secret,
            body(
                serde_json::json!(-1.0),
                Some(("NOT_AN_INDICATOR", serde_json::json!(1.0))),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let codes: Vec<String> = r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(codes, vec!["value_below_bound", "indicator_unknown"]);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM data_values").await, 0);
        let r = send(&secret, "{not json".into()).await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (StatusCode::BAD_REQUEST, "json_invalid")
        );

        // Accepted whole.
        let r = send(&secret, body(serde_json::json!(1234.5), None)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["result"], "submitted");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM data_values").await, 8);
        let audits = app.audit_count().await;
        // The same batch again changes nothing.
        let r = send(&secret, body(serde_json::json!(1234.5), None)).await;
        assert_eq!(r.json()["result"], "unchanged");
        assert_eq!(app.audit_count().await, audits);
        // A different batch for a submitted report is refused (locked).
        let r = send(&secret, body(serde_json::json!(999.0), None)).await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (StatusCode::CONFLICT, "report_locked")
        );

        // Another province's token cannot send for Nghệ An.
        let ht = app.scope("unit", "42").await;
        let other = app.token("Hà Tĩnh", Role::Reporter, ht).await;
        let r = send(&other, body(serde_json::json!(1.0), None)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // No token, no entry.
        let r = app
            .client()
            .request_json(
                "POST",
                "/api/v1/data/batch",
                body(serde_json::json!(1.0), None),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
);

on_both!(catalogue_and_query_errors, async |app: &TestApp| {
    setup(app).await;
    let mut c = app.client();
    let all = reporting::store::catalogue::list(&app.db).await.unwrap();
    assert!(all.len() >= 60, "{}", all.len());
    let public = c.get("/api/v1/indicators").await.json();
    let n_public = all.iter().filter(|i| i.is_public).count();
    assert_eq!(public["items"].as_array().unwrap().len(), n_public);
    assert!(n_public < all.len(), "some indicators are internal");
    let mut signed = app.signed_in("xem", Role::Viewer, Scope::National).await;
    assert_eq!(
        signed.get("/api/v1/indicators").await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        all.len()
    );
    let r = c
        .get("/api/v1/data?indicator=RETAIL_SALES&unit=VN&period=2024Q5")
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "period_invalid")
    );
    let r = c
        .get("/api/v1/data?indicator=NOPE&unit=VN&period=2024")
        .await;
    assert_eq!(r.error_code(), "indicator_unknown");
    let r = c
        .get("/api/v1/data?indicator=RETAIL_SALES&period=2024")
        .await;
    assert_eq!(
        (
            r.error_code().as_str(),
            r.json()["errors"][0]["field"].as_str()
        ),
        ("list_required", Some("unit"))
    );
    let internal = all.iter().find(|i| !i.is_public).unwrap();
    let r = c
        .get(&format!(
            "/api/v1/data?indicator={}&unit=VN&period=2024",
            internal.code
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // The overview page renders for everyone.
    let r = c.get("/reporting?period=202509").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Tháng 9/2025"));
    let r = c.get("/reporting?period=hôm-nay").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
});

on_both!(
    dhis2_data_value_sets_import_whole_or_not_at_all,
    async |app: &TestApp| {
        setup(app).await;
        let na = app.scope("unit", "40").await;
        let secret = app.token("DHIS2 Nghệ An", Role::Reporter, na).await;
        let mut c = app.client();
        c.bearer = Some(secret);
        let good = serde_json::json!({
            "dataSet": "BC-KTXH-THANG", "period": "202510", "orgUnit": "40",
            "dataValues": [
                {"dataElement": "RETAIL_SALES", "value": "5000.5"},
                {"dataElement": "EXPORTS", "value": "700"},
                {"dataElement": "IMPORTS", "period": "202509", "value": "650", "comment": "tháng trước"}
            ]
        });
        // One bad value (unknown element) and one out of scope: rejected whole.
        let mut bad = good.clone();
        bad["dataValues"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"dataElement": "NOPE", "value": "1"}));
        bad["dataValues"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"dataElement": "EXPORTS", "orgUnit": "42", "value": "1"}));
        let r = c
            .request_json("POST", "/api/dataValueSets", bad.to_string())
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        let s = r.json()["response"].clone();
        assert_eq!(s["status"], "ERROR");
        let codes: Vec<(&str, u64)> = s["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["errorCode"].as_str().unwrap(),
                    c["indexes"][0].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(codes, vec![("E7610", 3), ("E7617", 4)]);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM data_values").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM submissions").await, 0);

        // Accepted whole; the same payload again is ignored.
        let r = c
            .request_json("POST", "/api/dataValueSets", good.to_string())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            r.json()["response"]["importCount"],
            serde_json::json!({"imported": 3, "updated": 0, "ignored": 0, "deleted": 0})
        );
        let r = c
            .request_json("POST", "/api/dataValueSets", good.to_string())
            .await;
        assert_eq!(r.json()["response"]["importCount"]["ignored"], 3);
        assert_eq!(r.json()["response"]["status"], "SUCCESS");

        // The CSV variant, with a header; a changed value counts as updated.
        let csv = "dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,followup\n\
               RETAIL_SALES,202510,40,,,5100,,,,false\n";
        let mut req = app.client();
        req.bearer = c.bearer.clone();
        let r = req.request_csv("/api/dataValueSets", csv.to_owned()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["response"]["importCount"]["updated"], 1);
        let v = c
            .get("/api/v1/data?indicator=RETAIL_SALES&unit=40&period=202510")
            .await
            .json();
        assert_eq!(v["items"][0]["value"], 5100.0);
    }
);

on_both!(
    derived_indicators_are_evaluated_on_national_aggregates,
    async |app: &TestApp| {
        let t = setup(app).await;
        // Two provinces report September 2025 and September 2024 (approved).
        for (code, exports, imports) in [("40", "300", "120"), ("42", "200", "80")] {
            for (period, factor) in [("202509", 1.0), ("202409", 0.8)] {
                let p = Period::parse(period).unwrap();
                let unit = reporting::store::units::unit_for_period(&app.db, code, &p)
                    .await
                    .unwrap()
                    .unwrap();
                let mut e: Vec<Entry> = entries(&t, "1000");
                for x in e.iter_mut() {
                    let v: f64 = match x.indicator.as_str() {
                        "EXPORTS" => exports.parse::<f64>().unwrap() * factor,
                        "IMPORTS" => imports.parse::<f64>().unwrap() * factor,
                        _ => continue,
                    };
                    x.raw = format!("{v}").replace('.', ",");
                }
                let s = reporting::http::save::save(
                    &app.db,
                    &Actor::system("t"),
                    &t,
                    unit.id,
                    &p,
                    &e,
                    None,
                    Action::Submit,
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
        }
        let mut c = app.client();
        let r = c.get("/api/v1/data?indicator=EXPORTS,TRADE_BALANCE,EXPORT_GROWTH&unit=VN&period=202509,202309").await.json();
        let get = |ind: &str, p: &str| {
            r["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["indicator"] == ind && o["period"] == p)
                .unwrap()
                .clone()
        };
        assert_eq!(get("EXPORTS", "202509")["value"], 500.0);
        // (300 + 200) − (120 + 80) = 300, evaluated on the national aggregates.
        assert_eq!(get("TRADE_BALANCE", "202509")["value"], 300.0);
        // 500 versus 400 a year earlier: +25 %.
        assert_eq!(get("EXPORT_GROWTH", "202509")["value"], 25.0);
        // No data two years back: no value, with the reason.
        let none = get("TRADE_BALANCE", "202309");
        assert!(none["value"].is_null());
        assert!(
            none["reason"]
                .as_str()
                .unwrap()
                .starts_with("missing_input:"),
            "{none}"
        );
    }
);

on_both!(
    history_rolls_into_todays_provinces_through_the_lineage,
    async |app: &TestApp| {
        let t = setup(app).await;
        // June 2025: old Phú Thọ (25), Vĩnh Phúc (26) and Hòa Bình (17) report separately.
        let june = Period::parse("202506").unwrap();
        for (code, retail) in [("25", "100"), ("26", "200"), ("17", "50")] {
            let unit = reporting::store::units::unit_for_period(&app.db, code, &june)
                .await
                .unwrap()
                .unwrap();
            let s = reporting::http::save::save(
                &app.db,
                &Actor::system("t"),
                &t,
                unit.id,
                &june,
                &entries(&t, retail),
                None,
                Action::Submit,
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
        let mut c = app.client();
        let q = |units: &str| {
            format!("/api/v1/data?indicator=RETAIL_SALES,IIP&unit=25&period=202506{units}")
        };
        // As reported: code 25 in June 2025 is old Phú Thọ alone.
        let r = c.get(&q("")).await.json();
        assert_eq!(r["items"][0]["value"], 100.0);
        assert!(r["items"][0]["rolled_from"].is_null());
        // Rolled into today's Phú Thọ: the three predecessors summed; an index is not additive.
        let r = c.get(&q("&units=current")).await.json();
        assert_eq!(r["items"][0]["value"], 350.0, "{r}");
        assert_eq!(r["items"][0]["rolled_from"].as_array().unwrap().len(), 3);
        assert!(r["items"][1]["value"].is_null());
        assert_eq!(r["items"][1]["reason"], "not_additive");
        let r = c.get(&q("&units=someday")).await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "units_mode_invalid")
        );
        // A predecessor without data makes the roll-up incomplete, not silently smaller.
        let r = c
            .get("/api/v1/data?indicator=RETAIL_SALES&unit=25&period=202505&units=current")
            .await
            .json();
        assert!(r["items"][0]["value"].is_null());
    }
);

on_both!(excel_round_trip_and_exports, async |app: &TestApp| {
    let t = setup(app).await;
    let na = app.scope("unit", "40").await;
    let mut reporter = app.signed_in("excel.na", Role::Reporter, na).await;
    let base = format!("/reporting/40/{P}");
    // The downloaded template is a real workbook with one row per indicator.
    let (status, bytes) = reporter.get_bytes(&format!("{base}/template.xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    let (entries, cells) = reporting::excel::read(&bytes, &t).unwrap();
    assert_eq!(entries.len(), t.indicators.len());
    assert_eq!(
        cells["RETAIL_SALES"], "F7",
        "IIP comes first, retail second"
    );

    // Filled in (here by the same library a spreadsheet program would use), with one bad cell.
    let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
        .await
        .unwrap()
        .unwrap();
    let period = Period::parse(P).unwrap();
    let mut values = std::collections::HashMap::new();
    for ind in &t.indicators {
        values.insert((ind.id, P.to_owned()), 100.0);
    }
    let good = reporting::excel::workbook(&t, &unit.name, "40", &period, &values, "vi").unwrap();
    values.insert((t.indicators[1].id, P.to_owned()), -5.0);
    let bad = reporting::excel::workbook(&t, &unit.name, "40", &period, &values, "vi").unwrap();
    let r = reporter
        .post_file(
            &format!("{base}/upload"),
            &[("action", "submit")],
            "file",
            &bad,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Trang “Báo cáo”, ô F7"), "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM data_values").await, 0);
    let r = reporter
        .post_file(
            &format!("{base}/upload"),
            &[("action", "submit")],
            "file",
            b"not a workbook",
        )
        .await;
    assert!(r.body.contains("không phải là bảng tính Excel"));
    // A cross-site upload cannot know the token: refused.
    let r = reporter
        .post_file(
            &format!("{base}/upload"),
            &[
                ("action", "submit"),
                ("csrf", "forged-token-forged-token-forged-token"),
            ],
            "file",
            &good,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM data_values").await, 0);
    // The good file goes in whole and is submitted.
    let r = reporter
        .post_file(
            &format!("{base}/upload"),
            &[("action", "submit")],
            "file",
            &good,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM data_values").await,
        t.indicators.len() as i64
    );
    let s = reporting::store::submissions::find(&app.db, t.id, unit.id, &period)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.status, reporting::model::status::Status::Submitted);

    // Exports of a query: CSV (with BOM for Excel) and XLSX, the same observations as JSON.
    let q = format!("/api/v1/data?indicator=RETAIL_SALES,EXPORTS&unit=40&period={P}");
    let json = reporter.get(&q).await.json();
    let (status, csv) = reporter.get_bytes(&format!("{q}&format=csv")).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(
        csv.lines().count(),
        1 + json["items"].as_array().unwrap().len()
    );
    assert!(csv.contains(&format!("RETAIL_SALES,40,{P},100,,")), "{csv}");
    let (_, xlsx) = reporter.get_bytes(&format!("{q}&format=xlsx")).await;
    let path = std::env::temp_dir().join(format!(
        "egov-export-{}-{}.xlsx",
        std::process::id(),
        app.backend
    ));
    std::fs::write(&path, &xlsx).unwrap();
    let table = registry::import::read_table(&path).unwrap();
    // A workbook for people (issue 11, item 7): a named sheet, headers and the indicator's name
    // and unit of measure in the reader's language.
    let sheets = {
        use calamine::Reader;
        calamine::open_workbook_auto(&path).unwrap().sheet_names()
    };
    std::fs::remove_file(&path).ok();
    assert_eq!(sheets, ["Số liệu"]);
    assert_eq!(
        &table[0][..6],
        [
            "Mã chỉ tiêu",
            "Chỉ tiêu",
            "Đơn vị tính",
            "Địa bàn",
            "Kỳ",
            "Giá trị"
        ]
    );
    let retail = reporting::store::catalogue::by_code(&app.db, "RETAIL_SALES")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            table[1][0].as_str(),
            table[1][1].as_str(),
            table[1][2].as_str(),
            table[1][5].as_str()
        ),
        (
            "RETAIL_SALES",
            retail.name_vi.as_str(),
            retail.unit_vi.as_str(),
            "100"
        )
    );
    let r = reporter.get(&format!("{q}&format=pdf")).await;
    assert_eq!(r.error_code(), "format_invalid");
});

on_both!(
    validation_rules_block_errors_and_want_explanations_for_warnings,
    async |app: &TestApp| {
        let t = setup(app).await;
        let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        let p = Period::parse(P).unwrap();
        let with = |overrides: &[(&str, &str)], explain: Option<&str>| -> Vec<Entry> {
            let mut e = entries(&t, "1000");
            for x in e.iter_mut() {
                if let Some((_, v)) = overrides.iter().find(|(c, _)| *c == x.indicator) {
                    x.raw = v.to_string();
                }
                if Some(x.indicator.as_str()) == explain {
                    x.explanation = Some("Nhập máy móc cho dự án nhà máy mới".into());
                }
            }
            e
        };
        let actor = Actor::system("t");
        // An error rule: a draft may hold it (with a warning), a submission may not.
        let e = with(&[("NEW_ENTERPRISES", "50000")], None);
        let saved = reporting::http::save::save(
            &app.db,
            &actor,
            &t,
            unit.id,
            &p,
            &e,
            None,
            Action::SaveDraft,
            None,
        )
        .await
        .unwrap();
        assert!(saved.warnings.iter().any(|w| w.code == "rule_violated"));
        let err = reporting::http::save::save(
            &app.db,
            &actor,
            &t,
            unit.id,
            &p,
            &e,
            None,
            Action::Submit,
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(err.problems[0].code, "rule_violated");
        assert_eq!(err.problems[0].field.as_deref(), Some("v_NEW_ENTERPRISES"));
        // The rule's own description and its limit in figures, never its expression.
        let (vi, en) = (
            err.problems[0].detail(platform::i18n::Lang::Vi),
            err.problems[0].detail(platform::i18n::Lang::En),
        );
        assert!(
            vi.contains("vượt mức 20.000 — số doanh nghiệp thành lập mới vượt giới hạn"),
            "{vi}"
        );
        assert!(
            en.contains("above 20,000") && !en.contains("NEW_ENTERPRISES <= 20000"),
            "{en}"
        );
        // A warning rule: imports far above exports need an explanation on imports.
        let e = with(&[("IMPORTS", "5000"), ("EXPORTS", "10")], None);
        let err = reporting::http::save::save(
            &app.db,
            &actor,
            &t,
            unit.id,
            &p,
            &e,
            None,
            Action::Submit,
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(
            (err.problems[0].code, err.problems[0].field.as_deref()),
            ("rule_warning_unexplained", Some("e_IMPORTS"))
        );
        let e = with(&[("IMPORTS", "5000"), ("EXPORTS", "10")], Some("IMPORTS"));
        let saved = reporting::http::save::save(
            &app.db,
            &actor,
            &t,
            unit.id,
            &p,
            &e,
            None,
            Action::Submit,
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            saved.submission.status,
            reporting::model::status::Status::Submitted
        );
        assert!(saved.warnings.iter().any(|w| w.code == "rule_warning"));
    }
);

on_both!(
    open_data_and_catalogue_downloads_need_no_sign_in,
    async |app: &TestApp| {
        setup(app).await;
        let mut c = app.client();
        let page = c.get("/open-data").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Dữ liệu mở") && page.body.contains("Kim ngạch xuất khẩu hàng hóa")
        );
        let all = reporting::store::catalogue::list(&app.db).await.unwrap();
        let internal = all.iter().find(|i| !i.is_public).unwrap();
        assert!(
            !page
                .body
                .contains(&format!("<code>{}</code>", internal.code)),
            "internal indicators are not listed"
        );
        // The catalogue as CSV: the same columns as the file it is loaded from, public rows only.
        let (status, csv) = c.get_bytes("/api/v1/indicators?format=csv").await;
        assert_eq!(status, StatusCode::OK);
        let csv = String::from_utf8(csv).unwrap();
        let header = include_str!("../../../reporting/seed/indicators.csv")
            .lines()
            .next()
            .unwrap();
        assert_eq!(
            csv.trim_start_matches('\u{feff}').lines().next().unwrap(),
            header
        );
        assert_eq!(
            csv.lines().count() - 1,
            all.iter().filter(|i| i.is_public).count()
        );
        let (_, xlsx) = c.get_bytes("/api/v1/indicators?format=xlsx").await;
        let path = std::env::temp_dir().join(format!(
            "egov-cat-{}-{}.xlsx",
            std::process::id(),
            app.backend
        ));
        std::fs::write(&path, &xlsx).unwrap();
        let table = registry::import::read_table(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(table.len() - 1, all.iter().filter(|i| i.is_public).count());
        assert_eq!(table[0][0], "code");
    }
);

on_both!(
    reminders_go_to_reporters_of_missing_reports_once,
    async |app: &TestApp| {
        let t = setup(app).await;
        let na = app.scope("unit", "40").await;
        let ht = app.scope("unit", "42").await;
        app.user("nhac.na", Role::Reporter, na).await;
        app.user("nhac.ht", Role::Reporter, ht).await;
        app.db
        .execute_script("UPDATE users SET email = username || '@example.gov.vn' WHERE username IN ('nhac.na', 'nhac.ht')")
        .await
        .unwrap();
        // Hà Tĩnh has submitted; Nghệ An has not.
        let p = Period::parse(P).unwrap();
        let unit = registry::store::unit_by_code(&app.db, "42", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        reporting::http::save::save(
            &app.db,
            &Actor::system("t"),
            &t,
            unit.id,
            &p,
            &entries(&t, "1000"),
            None,
            Action::Submit,
            None,
        )
        .await
        .unwrap();
        let day = |s: &str| registry::Day::parse(s).unwrap().0;
        // Cut-off 14/9/2025 (Sunday), deadline 3 working days later: 17/9; reminders from 15/9.
        assert_eq!(
            reporting::engine::reminders::queue(&app.db, &p, day("2025-09-10"))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            reporting::engine::reminders::queue(&app.db, &p, day("2025-09-16"))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            reporting::engine::reminders::queue(&app.db, &p, day("2025-09-16"))
                .await
                .unwrap(),
            0,
            "sent once"
        );
        assert_eq!(
            reporting::engine::reminders::queue(&app.db, &p, day("2025-09-22"))
                .await
                .unwrap(),
            1,
            "overdue notice"
        );
        let rows = app
            .db
            .fetch_all(
                "SELECT recipient, subject, body FROM notifications ORDER BY id",
                platform::params![],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].get::<String>("recipient").unwrap(),
            "nhac.na@example.gov.vn"
        );
        assert!(
            rows[0]
                .get::<String>("subject")
                .unwrap()
                .contains("Sắp đến hạn báo cáo Tháng 9/2025 — Nghệ An")
        );
        assert!(
            rows[0]
                .get::<String>("body")
                .unwrap()
                .contains("17/09/2025")
                && rows[0].get::<String>("body").unwrap().contains("Dear")
        );
        assert!(
            rows[1]
                .get::<String>("subject")
                .unwrap()
                .contains("Quá hạn")
        );
    }
);

on_both!(
    numbers_typed_in_the_form_are_never_reinterpreted,
    async |app: &TestApp| {
        let t = setup(app).await;
        let unit_id = history(app, &t).await;
        let na = app.scope("unit", "40").await;
        let mut reporter = app.signed_in("bc.na", Role::Reporter, na).await;
        let path = format!("/reporting/40/{P}");
        let draft = |v: &'static str| [("action", "save"), ("version", v)];
        let nothing_saved = async || {
            reporting::store::submissions::find(&app.db, t.id, unit_id, &Period::parse(P).unwrap())
                .await
                .unwrap()
                .is_none()
        };

        // Vietnamese: "1,234" is one point two three four, which retail sales (one decimal)
        // cannot take; someone used to English means 1234: refused, saying how to type it.
        let r = reporter
            .post_fields(&path, &form(&t, "1,234", &draft("0")))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body
                .contains("“1,234” sẽ được hiểu là số thập phân 1,234")
                && r.body
                    .contains("Nếu ý bạn là 1.234, hãy gõ 1234 hoặc 1.234."),
            "{}",
            r.body
        );
        // The English decimal point is not taken for a Vietnamese one.
        let r = reporter
            .post_fields(&path, &form(&t, "1005.2", &draft("0")))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("Hãy gõ 1.005,2."), "{}", r.body);
        // A fraction for a count.
        let mut f = form(&t, "1.005,2", &draft("0"));
        f.iter_mut()
            .find(|(k, _)| k == "v_NEW_ENTERPRISES")
            .unwrap()
            .1 = "170,5".into();
        let r = reporter.post_fields(&path, &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("nhận được 170,5"), "{}", r.body);
        assert!(nothing_saved().await);

        // English: "1.234" is refused the same way; "1,005.2" is 1005.2.
        reporter.lang = Some("en");
        let r = reporter
            .post_fields(&path, &form(&t, "1.234", &draft("0")))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains("If you mean 1,234, type 1234 or 1,234."),
            "{}",
            r.body
        );
        let r = reporter
            .post_fields(&path, &form(&t, "1,005.2", &draft("0")))
            .await;
        assert!(
            r.status.is_success() || r.status.is_redirection(),
            "{}",
            r.body
        );
        let stored = app
            .count("SELECT COUNT(*) AS n FROM data_values dv JOIN indicators i ON i.id = dv.indicator_id WHERE i.code = 'RETAIL_SALES' AND dv.value = 1005.2")
            .await;
        assert_eq!(stored, 1);

        // The form echoes the stored value formatted as every other column, right-aligned,
        // and reads it back unchanged.
        reporter.lang = None;
        let page = reporter.get(&path).await;
        assert!(
            page.body.contains(r#"<td class="num"><input id="v_RETAIL_SALES" name="v_RETAIL_SALES" value="1.005,2""#),
            "{}",
            page.body
        );
        let v = version(app, &t, unit_id).await;
        let r = reporter
            .post_fields(
                &path,
                &form(&t, "1.005,2", &[("action", "save"), ("version", &v)]),
            )
            .await;
        assert!(
            r.status.is_success() || r.status.is_redirection(),
            "{}",
            r.body
        );
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM data_values dv JOIN indicators i ON i.id = dv.indicator_id WHERE i.code = 'RETAIL_SALES' AND dv.value = 1005.2").await, 1);
    }
);

on_both!(
    national_sums_are_exact_decimals_in_every_output,
    async |app: &TestApp| {
        let t = setup(app).await;
        // 0.1 + 0.2 (and 345205.2 + 0.2) carry binary noise when added as floats.
        for (code, v) in [("40", "0,1"), ("42", "0,2")] {
            let unit = registry::store::unit_by_code(&app.db, code, registry::Day::today())
                .await
                .unwrap()
                .unwrap();
            let s = reporting::http::save::save(
                &app.db,
                &Actor::system("t"),
                &t,
                unit.id,
                &Period::parse(P).unwrap(),
                &entries(&t, v),
                None,
                Action::Submit,
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
        let mut c = app.client();
        let q = format!("/api/v1/data?indicator=RETAIL_SALES&unit=VN&period={P}");
        let r = c.get(&q).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains(r#""value":0.3"#) && !r.body.contains("0.30000"),
            "{}",
            r.body
        );
        let r = c.get(&format!("{q}&format=csv")).await;
        assert!(
            r.body.contains(",0.3,") && !r.body.contains("0.30000"),
            "{}",
            r.body
        );
        let r = c
            .get("/sdmx/data/DF_KTXH_THANG/M.VN.RETAIL_SALES?startPeriod=2025-09&endPeriod=2025-09&format=csv")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains(",0.3") && !r.body.contains("0.30000"),
            "{}",
            r.body
        );
    }
);
