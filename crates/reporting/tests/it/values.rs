//! Values and their indicator's rule on both databases: a value of the wrong type, with more
//! decimals than declared, out of range or beyond the limit of every value is refused on every
//! way in (report form, Excel upload, batch API, bulk API, DHIS2) with the rule named and nothing
//! written; and an aggregate that overflows says so in the data API, its CSV and SDMX.

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};
use reporting::Period;
use serde_json::{Value, json};

use crate::on_both;
use crate::support::{Client, Res, TestApp};

pub(crate) const P: &str = "202601";

/// The catalogue, the monthly provincial template and an API client of a national reporter.
pub(crate) async fn setup(app: &TestApp) -> (reporting::model::template::Template, Client) {
    let t = crate::support::setup(app).await;
    let c = app
        .token_client("Hệ thống thống kê", Role::Reporter, Scope::National)
        .await;
    (t, c)
}

/// A value within every rule of the monthly report: whole for the count, one decimal otherwise.
pub(crate) fn good(code: &str) -> Value {
    if code == "NEW_ENTERPRISES" {
        json!(120)
    } else {
        json!(100.5)
    }
}

/// A count with a fraction, and a figure beyond the limit of every value (`1e308` made the
/// national total null).
fn bad(code: &str) -> Value {
    match code {
        "NEW_ENTERPRISES" => json!(1.5),
        "RETAIL_SALES" => json!(1e308),
        c => good(c),
    }
}

fn values(t: &reporting::model::template::Template, f: impl Fn(&str) -> Value) -> Vec<Value> {
    t.indicators
        .iter()
        .map(|i| json!({"indicator": i.code, "value": f(&i.code)}))
        .collect()
}

/// The error of `field` in an error envelope: (code, detail).
fn error_of(r: &Res, field: &str) -> (String, String) {
    let j = r.json();
    let e = j["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {}", r.body))
        .iter()
        .find(|e| e["field"] == field)
        .unwrap_or_else(|| panic!("no error on {field}: {}", r.body))
        .clone();
    (
        e["code"].as_str().unwrap().to_owned(),
        e["detail"].as_str().unwrap().to_owned(),
    )
}

async fn nothing_written(app: &TestApp) {
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM data_values").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM submissions").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM value_changes").await,
        0
    );
}

on_both!(
    a_value_breaking_its_rule_is_refused_on_every_way_in,
    async |app: &TestApp| {
        let (t, mut api) = setup(app).await;

        // The bulk API: the rule named, in Vietnamese and in English.
        let body = json!({"reports": [{"unit": "40", "period": P, "values": values(&t, bad)}]})
            .to_string();
        let r = api
            .request_json("POST", "/api/v1/data/bulk", body.clone())
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let (code, detail) = error_of(&r, "reports[0].v_NEW_ENTERPRISES");
        assert_eq!(code, "value_not_integer");
        assert!(
            detail.contains("số nguyên không âm; nhận được 1,5"),
            "{detail}"
        );
        let (code, detail) = error_of(&r, "reports[0].v_RETAIL_SALES");
        assert_eq!(code, "value_too_large");
        assert!(detail.contains("1e308"), "{detail}");
        api.lang = Some("en");
        let r = api.request_json("POST", "/api/v1/data/bulk", body).await;
        let (_, detail) = error_of(&r, "reports[0].v_NEW_ENTERPRISES");
        assert!(detail.contains("a whole number ≥ 0; got 1.5"), "{detail}");
        api.lang = None;
        nothing_written(app).await;

        // The batch API.
        let r = api
            .request_json(
                "POST",
                "/api/v1/data/batch",
                json!({"unit": "40", "period": P, "values": values(&t, bad)}).to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(error_of(&r, "v_NEW_ENTERPRISES").0, "value_not_integer");
        assert_eq!(error_of(&r, "v_RETAIL_SALES").0, "value_too_large");
        nothing_written(app).await;

        // DHIS2 data value sets: values as strings, as DHIS2 sends them.
        let huge = format!("1{}", "0".repeat(308));
        let data_values: Vec<Value> = t
            .indicators
            .iter()
            .map(|i| {
                let v = match i.code.as_str() {
                    "NEW_ENTERPRISES" => "1.5".to_owned(),
                    "RETAIL_SALES" => huge.clone(),
                    c => good(c).to_string(),
                };
                json!({"dataElement": i.code, "value": v})
            })
            .collect();
        let r = api
            .request_json(
                "POST",
                "/api/dataValueSets",
                json!({"period": P, "orgUnit": "40", "dataValues": data_values}).to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        let conflicts = r.json()["response"]["conflicts"].clone();
        let conflict = |object: &str| {
            conflicts
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["object"] == object)
                .unwrap_or_else(|| panic!("no conflict on {object}: {conflicts}"))["errorCode"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(conflict("NEW_ENTERPRISES"), "value_not_integer");
        assert_eq!(conflict("RETAIL_SALES"), "value_too_large");
        nothing_written(app).await;

        // The report form, typed in Vietnamese: "170,5" enterprises is refused, not stored.
        let na = app.scope("unit", "40").await;
        let mut reporter = app.signed_in("giatri.na", Role::Reporter, na).await;
        let path = format!("/reporting/40/{P}");
        let mut fields: Vec<(String, String)> = t
            .indicators
            .iter()
            .map(|i| {
                let v = if i.code == "NEW_ENTERPRISES" {
                    "170,5".to_owned()
                } else {
                    "100,5".to_owned()
                };
                (format!("v_{}", i.code), v)
            })
            .collect();
        fields.push(("action".into(), "save".into()));
        fields.push(("version".into(), "0".into()));
        let refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = reporter.post(&path, &refs).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains("số nguyên không âm; nhận được 170,5"),
            "{}",
            r.body
        );
        // The error summary's item leads to its field (issue 11 item 13), and the field keeps
        // what was typed.
        assert!(
            r.body.contains("<a href=\"#v_NEW_ENTERPRISES\">"),
            "{}",
            r.body
        );
        assert!(
            r.body
                .contains("id=\"v_NEW_ENTERPRISES\" name=\"v_NEW_ENTERPRISES\" value=\"170,5\"")
        );
        nothing_written(app).await;

        // The Excel upload.
        let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        let period = Period::parse(P).unwrap();
        let mut cells = std::collections::HashMap::new();
        for ind in &t.indicators {
            let v = if ind.code == "NEW_ENTERPRISES" {
                1.5
            } else {
                100.5
            };
            cells.insert((ind.id, P.to_owned()), v);
        }
        let xlsx = reporting::excel::workbook(&t, &unit.name, "40", &period, &cells, "vi").unwrap();
        let r = reporter
            .post_file(
                &format!("{path}/upload"),
                &[("action", "save")],
                "file",
                &xlsx,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("số nguyên không âm"), "{}", r.body);
        nothing_written(app).await;

        // More decimals than declared (an index has two), and a share above 100 %.
        let r = api
            .request_json(
                "POST",
                "/api/v1/data/bulk",
                json!({"reports": [{"unit": "40", "period": P, "values": values(&t, |c| {
                    if c == "CPI" { json!(101.234) } else { good(c) }
                })}]})
                .to_string(),
            )
            .await;
        let (code, detail) = error_of(&r, "reports[0].v_CPI");
        assert_eq!(code, "value_too_precise");
        assert!(detail.contains("tối đa 2 chữ số thập phân"), "{detail}");
        let quarterly = reporting::store::templates::template(&app.db, "BC-KTXH-QUY")
            .await
            .unwrap()
            .unwrap();
        let r = api
            .request_json(
                "POST",
                "/api/v1/data/bulk",
                json!({"template": "BC-KTXH-QUY", "reports": [{"unit": "40", "period": "2025Q4",
                "values": values(&quarterly, |c| {
                    if c == "UNEMPLOYMENT_RATE" { json!(100.5) } else { good(c) }
                })}]})
                .to_string(),
            )
            .await;
        let (code, detail) = error_of(&r, "reports[0].v_UNEMPLOYMENT_RATE");
        assert_eq!(code, "value_above_bound");
        assert!(detail.contains("từ 0 đến 100"), "{detail}");
        nothing_written(app).await;

        // Values within every rule go in.
        let r = api
            .request_json(
                "POST",
                "/api/v1/data/bulk",
                json!({"reports": [{"unit": "40", "period": P, "values": values(&t, good)}]})
                    .to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
);

on_both!(aggregates_that_overflow_say_so, async |app: &TestApp| {
    let (t, mut api) = setup(app).await;
    let retail = t
        .indicators
        .iter()
        .find(|i| i.code == "RETAIL_SALES")
        .unwrap();
    let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
        .await
        .unwrap()
        .unwrap();
    // Figures stored before every value was bounded (1e308 was accepted): two years of them.
    let mut tx = app.db.begin().await.unwrap();
    let mut months = Vec::new();
    for m in (1..=12).flat_map(|m| [format!("2024{m:02}"), format!("2025{m:02}")]) {
        let p = m;
        tx.execute(
            "INSERT INTO data_values (indicator_id, unit_id, period, value, approved) \
             VALUES ($1, $2, $3, $4, $5)",
            platform::params![retail.id, unit.id, p.clone(), 1e308, true],
        )
        .await
        .unwrap();
        months.push(p);
    }
    reporting::store::data::refresh_province_totals(&mut tx, Some((&[retail.id], &months)))
        .await
        .unwrap();
    reporting::store::series::rebuild(&mut tx).await.unwrap();
    tx.commit().await.unwrap();

    // The year's national total and the province's own: the sum overflows and says so.
    for unit in ["VN", "40"] {
        let r = api
            .get(&format!(
                "/api/v1/data?indicator=RETAIL_SALES&unit={unit}&period=2025"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let item = &r.json()["items"][0];
        assert!(item["value"].is_null(), "{item}");
        assert_eq!(item["reason"], "overflow", "{unit}: {item}");
        let (status, csv) = api
            .get_bytes(&format!(
                "/api/v1/data?indicator=RETAIL_SALES&unit={unit}&period=2025&format=csv"
            ))
            .await;
        assert_eq!(status, StatusCode::OK);
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.contains(",overflow,") && !csv.contains("inf"), "{csv}");
    }
    // A derived indicator over it: the formula overflows (not "missing input").
    let r = api
        .get("/api/v1/data?indicator=RETAIL_GROWTH&unit=VN&period=202502")
        .await;
    assert_eq!(r.json()["items"][0]["reason"], "overflow", "{}", r.body);
    // SDMX marks the observation instead of leaving it out.
    let r = api
        .get("/sdmx/data/DF_KTXH_THANG/M.VN.RETAIL_GROWTH?startPeriod=2025-02&endPeriod=2025-02&format=csv")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("overflow"), "{}", r.body);
});
