//! National figures say how many units reported them out of those due, and whether they are
//! complete or provisional: in the data API's JSON, CSV and XLSX, and in SDMX.

use axum::http::StatusCode;
use platform::audit::Actor;
use reporting::Period;
use reporting::model::template::MONTHLY_PROVINCIAL;

use crate::on_both;
use crate::support::{TestApp, submit_and_approve};

const P: &str = "202509";

/// The provinces valid on the last day of `period`.
async fn provinces_of(app: &TestApp, period: &str) -> Vec<registry::store::Unit> {
    let (_, last) = Period::parse(period).unwrap().calendar();
    registry::store::list_units(
        &app.db,
        &registry::store::UnitQuery {
            level: Some(registry::Level::Province),
            valid_on: Some(registry::Day(last)),
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .0
}

/// Approve the monthly provincial report of `unit_id` for `P`.
async fn approve(
    app: &TestApp,
    t: &reporting::model::template::Template,
    unit_id: i64,
    retail: f64,
) {
    approve_in(app, t, unit_id, retail, P).await
}

async fn approve_in(
    app: &TestApp,
    t: &reporting::model::template::Template,
    unit_id: i64,
    retail: f64,
    period: &str,
) {
    submit_and_approve(app, t, unit_id, period, &format!("{retail}")).await
}

/// (reported, expected, status) of the JSON, the CSV and the XLSX answers for RETAIL_SALES.
async fn published(app: &TestApp) -> Vec<(String, String, String)> {
    let mut c = app.client();
    let q = format!("/api/v1/data?indicator=RETAIL_SALES&unit=VN&period={P}");
    let r = c.get(&q).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let item = &r.json()["items"][0];
    assert!(item["value"].as_f64().is_some(), "{item}");
    let mut out = vec![(
        item["coverage"]["reported"].to_string(),
        item["coverage"]["expected"].to_string(),
        item["status"].as_str().unwrap_or("").to_owned(),
    )];
    // CSV and XLSX: the same three columns, by name.
    let (status, csv) = c.get_bytes(&format!("{q}&format=csv")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, xlsx) = c.get_bytes(&format!("{q}&format=xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    // The CSV names its columns by code, the workbook in the reader's language (Vietnamese here).
    let by_code = ["reported_units", "expected_units", "status"];
    let by_label = [
        "Số đơn vị đã báo cáo",
        "Số đơn vị phải báo cáo",
        "Tình trạng (complete: đủ, provisional: tạm tính)",
    ];
    for (bytes, format, names) in [
        (csv, reporting::engine::catalogue::Format::Csv, by_code),
        (xlsx, reporting::engine::catalogue::Format::Xlsx, by_label),
    ] {
        let table = reporting::engine::catalogue::read(&bytes, format).unwrap_or_else(|_| panic!());
        let header = &table.rows[0];
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h.trim_start_matches('\u{feff}') == name)
                .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
        };
        let row = &table.rows[1];
        out.push((
            row[col(names[0])].clone(),
            row[col(names[1])].clone(),
            row[col(names[2])].clone(),
        ));
    }
    out
}

/// The OBS_STATUS of VN RETAIL_SALES for `P` in SDMX-JSON, SDMX-CSV 1.0 and 2.0, and the
/// generic and structure-specific SDMX-ML 2.1 data messages.
async fn sdmx_status(app: &TestApp) -> Vec<String> {
    let mut c = app.client();
    let q = "/sdmx/data/DF_KTXH_THANG/M.VN.RETAIL_SALES?startPeriod=2025-09&endPeriod=2025-09";
    let mut out = Vec::new();
    // SDMX-JSON: the observation's attribute index into the OBS_STATUS values.
    c.accept = Some("application/json");
    let m = c.get(q).await.json();
    c.accept = None;
    let attrs = m["structure"]["attributes"]["observation"]
        .as_array()
        .unwrap()
        .clone();
    let pos = attrs
        .iter()
        .position(|a| a["id"] == "OBS_STATUS")
        .unwrap_or_else(|| panic!("no OBS_STATUS in {attrs:?}"));
    let obs = &m["dataSets"][0]["series"]["0:0:0"]["observations"]["0"];
    let idx = obs[pos + 1].as_u64().unwrap_or_else(|| panic!("{obs}")) as usize;
    out.push(attrs[pos]["values"][idx]["id"].as_str().unwrap().to_owned());
    // SDMX-CSV 1.0 and 2.0: the OBS_STATUS column.
    for format in ["csv", "csv2"] {
        let r = c.get(&format!("{q}&format={format}")).await;
        let lines: Vec<&str> = r.body.lines().collect();
        let head: Vec<&str> = lines[0].split(',').collect();
        let row: Vec<&str> = lines[1].split(',').collect();
        let col = head
            .iter()
            .position(|h| *h == "OBS_STATUS")
            .unwrap_or_else(|| panic!("no OBS_STATUS in {}", lines[0]));
        out.push(row[col].to_owned());
    }
    // SDMX-ML 2.1: generic (the default) and structure-specific.
    let generic = c.get(q).await.body;
    let specific = c
        .get(&format!("{q}&format=structurespecificdata"))
        .await
        .body;
    for (body, pattern) in [
        (generic, "<generic:Value id=\"OBS_STATUS\" value=\""),
        (specific, " OBS_STATUS=\""),
    ] {
        let at = body
            .find(pattern)
            .unwrap_or_else(|| panic!("no OBS_STATUS in {body}"));
        out.push(body[at + pattern.len()..at + pattern.len() + 1].to_owned());
    }
    out
}

/// For the Vietnamese and the English national table of `P`: whether the RETAIL_SALES row marks
/// its figure provisional (and the note explains it), and its reporting-units cell.
async fn page_marks(app: &TestApp) -> Vec<(bool, String, &'static str)> {
    let mut out = Vec::new();
    for (lang, word) in [("vi", "tạm tính"), ("en", "provisional")] {
        let mut c = app.client();
        c.lang = Some(lang);
        let r = c.get(&format!("/reporting?period={P}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let start = r.body.find("<tr id=\"row-RETAIL_SALES\">").expect("row");
        let row = &r.body[start..start + r.body[start..].find("</tr>").unwrap()];
        let marked = row.contains(&format!("<span class=\"provisional\">({word})</span>"));
        assert_eq!(marked, r.body.contains("id=\"provisional-note\""), "{row}");
        let cells: Vec<&str> = row.split("<td class=\"num\">").collect();
        let units = cells.last().unwrap().trim_end_matches("</td>").to_owned();
        out.push((marked, units, word));
    }
    out
}

on_both!(
    national_figures_carry_coverage_and_status,
    async |app: &TestApp| {
        reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
            .await
            .unwrap();
        let t = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
            .await
            .unwrap()
            .unwrap();
        // The provinces due to report P: those valid on its last day.
        let provinces = provinces_of(app, P).await;
        let n = provinces.len();
        assert!(n > 3, "{n} provinces");
        // Some provinces reported: provisional, with how many out of how many.
        for u in &provinces[..3] {
            approve(app, &t, u.id, 1000.0).await;
        }
        let want = |r: usize, s: &str| (r.to_string(), n.to_string(), s.to_owned());
        for got in published(app).await {
            assert_eq!(got, want(3, "provisional"));
        }
        assert_eq!(sdmx_status(app).await, ["P"; 5]);
        // The national table marks the figure in words, in both languages.
        assert_eq!(
            page_marks(app).await,
            [
                (true, format!("3/{n}"), "tạm tính"),
                (true, format!("3/{n}"), "provisional")
            ]
        );
        // Every province reported: complete.
        for u in &provinces[3..] {
            approve(app, &t, u.id, 1000.0).await;
        }
        for got in published(app).await {
            assert_eq!(got, want(n, "complete"));
        }
        assert_eq!(sdmx_status(app).await, ["A"; 5]);
        assert_eq!(
            page_marks(app).await,
            [
                (false, format!("{n}/{n}"), "tạm tính"),
                (false, format!("{n}/{n}"), "provisional")
            ]
        );
    }
);

on_both!(
    before_july_2025_the_63_provinces_are_due,
    async |app: &TestApp| {
        reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
            .await
            .unwrap();
        let t = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
            .await
            .unwrap()
            .unwrap();
        // June 2025: the provinces before the 2025 arrangement are due, not today's.
        let old = provinces_of(app, "202506").await;
        let now = provinces_of(app, P).await;
        assert_eq!((old.len(), now.len()), (63, 34));
        approve_in(app, &t, old[0].id, 1000.0, "202506").await;
        let r = app
            .client()
            .get("/api/v1/data?indicator=RETAIL_SALES&unit=VN&period=202506")
            .await;
        let item = &r.json()["items"][0];
        assert_eq!(
            item["coverage"],
            serde_json::json!({"reported": 1, "expected": 63})
        );
        assert_eq!(item["status"], "provisional");
    }
);
