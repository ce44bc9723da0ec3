//! Bounds (issue 9, items 8 and 10): a zip bomb or a sheet reaching its far corner is refused
//! before it is parsed; thousands of bad rows give at most 100 problems and a marker with the
//! total; every route has one body limit, answered with 413 in the JSON envelope and the
//! security headers; explanations and reasons have a maximum length.

use std::io::Write;
use std::time::{Duration, Instant};

use axum::http::{StatusCode, header};
use platform::audit::Actor;
use platform::identity::access::{Role, Scope};
use reporting::model::template::MONTHLY_PROVINCIAL;
use serde_json::{Value, json};

use crate::on_both;
use crate::support::{Client, Req, Res, TestApp};

/// An XLSX-shaped archive (under 1 MiB) whose one sheet unpacks to `mib` MiB of rows.
fn zip_bomb(mib: usize) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("[Content_Types].xml", opts).unwrap();
    w.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
    w.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    w.write_all(b"<worksheet><sheetData>").unwrap();
    let row = b"<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>".repeat(20_000);
    let mut written = 0;
    while written < mib * 1024 * 1024 {
        w.write_all(&row).unwrap();
        written += row.len();
    }
    w.write_all(b"</sheetData></worksheet>").unwrap();
    w.finish().unwrap().into_inner()
}

/// A real workbook of two cells: A1 and the sheet's last cell (XFD1048576). Laid out as a grid
/// it is 17 billion cells.
fn far_corner() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "code").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    wb.save_to_buffer().unwrap()
}

/// The highest resident memory of this process so far, in MiB (Linux).
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// A raw request: optional `Content-Length`, cookies and token of `c`.
async fn send(
    _app: &TestApp,
    c: &Client,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
    content_length: Option<u64>,
) -> Res {
    let mut req = Req::new(method, path).body(content_type, body);
    if let Some(n) = content_length {
        req = req.header(header::CONTENT_LENGTH, n.to_string());
    }
    let req = req.cookies(c).bearer(c).lang(c);
    c.clone().send(req).await
}

async fn reporter_token(app: &TestApp) -> String {
    reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
        .await
        .unwrap();
    app.token("Hệ thống thử", Role::Reporter, Scope::National)
        .await
}

/// The envelope of a refused request: its codes, and the security headers present.
fn assert_envelope(r: &Res, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.error_code(), code, "{}", r.body);
    assert!(
        r.headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.to_str().unwrap().starts_with("application/json")),
        "{:?}",
        r.headers
    );
    for h in [
        "content-security-policy",
        "x-content-type-options",
        "x-frame-options",
        "content-language",
    ] {
        assert!(r.headers.contains_key(h), "missing {h}: {:?}", r.headers);
    }
}

on_both!(
    a_zip_bomb_and_a_far_corner_are_refused_before_parsing,
    async |app: &TestApp| {
        reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
            .await
            .unwrap();
        let mut admin = app
            .signed_in("quantri", Role::SystemAdmin, Scope::National)
            .await;
        admin.lang = Some("en");
        let bomb = zip_bomb(40);
        assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
        let before = peak_rss_mib();
        for path in [
            "/api/v1/indicators/import?format=xlsx",
            "/api/v1/targets/import?format=xlsx",
        ] {
            let start = Instant::now();
            let r = send(
                app,
                &admin,
                "POST",
                path,
                "application/octet-stream",
                bomb.clone(),
                None,
            )
            .await;
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{:?}",
                start.elapsed()
            );
            assert_envelope(
                &r,
                StatusCode::UNPROCESSABLE_ENTITY,
                "file_unpacked_too_large",
            );
            assert!(r.body.contains("32 MiB"), "{}", r.body);

            let r = send(
                app,
                &admin,
                "POST",
                path,
                "application/octet-stream",
                far_corner(),
                None,
            )
            .await;
            assert_envelope(&r, StatusCode::UNPROCESSABLE_ENTITY, "file_too_many_rows");
            assert!(r.body.contains("row 1048576"), "{}", r.body);
        }
        // Nothing near the size the file unpacks to was ever held.
        let grew = peak_rss_mib().saturating_sub(before);
        assert!(grew < 200, "peak memory grew by {grew} MiB");
        // A report's workbook upload is read by the same guarded reader.
        let mut reporter = app
            .signed_in("baocao", Role::Reporter, app.scope("unit", "40").await)
            .await;
        reporter.lang = Some("en");
        let r = reporter
            .post_file(
                "/reporting/40/202510/upload",
                &[("action", "save")],
                "file",
                &bomb,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("32 MiB"), "{}", r.body);
    }
);

/// The problems of an envelope: at most 100, then the marker with the total.
fn assert_cut(r: &Res, total: usize) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let errors = r.json()["errors"].as_array().unwrap().clone();
    assert_eq!(errors.len(), 101, "{}", r.body);
    let last = &errors[100];
    assert_eq!(last["code"], "problems_truncated");
    let detail = last["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("{} more", total - 100)) && detail.contains("first 100"),
        "{detail}"
    );
    assert!(detail.contains(&format!("{total} in all")), "{detail}");
}

on_both!(
    thousands_of_bad_rows_give_at_most_100_problems,
    async |app: &TestApp| {
        let token = reporter_token(app).await;
        let mut admin = app
            .signed_in("quantri", Role::SystemAdmin, Scope::National)
            .await;
        admin.lang = Some("en");
        // Targets: 5,000 rows, each with a bad year (one problem a row).
        let mut csv = String::from("indicator,unit,year,target\n");
        for i in 0..5_000 {
            csv.push_str(&format!("GRDP,40,year{i},1\n"));
        }
        let r = send(
            app,
            &admin,
            "POST",
            "/api/v1/targets/import",
            "text/csv",
            csv.into_bytes(),
            None,
        )
        .await;
        assert_cut(&r, 5_000);
        // The catalogue: 3,000 rows with a bad domain each.
        let (_, exported) = admin.get_bytes("/api/v1/indicators?format=csv").await;
        let mut rows = csv::Reader::from_reader(&exported[3..]);
        let header: Vec<String> = rows.headers().unwrap().iter().map(str::to_owned).collect();
        let first: Vec<String> = rows
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let domain_at = header.iter().position(|h| h == "domain").unwrap();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header).unwrap();
        for i in 0..3_000 {
            let mut cells = first.clone();
            cells[0] = format!("BAD_{i}");
            cells[domain_at] = "99".into();
            w.write_record(&cells).unwrap();
        }
        let csv = w.into_inner().unwrap();
        let r = send(
            app,
            &admin,
            "POST",
            "/api/v1/indicators/import",
            "text/csv",
            csv,
            None,
        )
        .await;
        assert_cut(&r, 3_000);
        // Bulk: 300 reports, each with an unknown indicator, in Vietnamese.
        let reports: Vec<Value> = (0..300)
            .map(|i| {
                json!({"unit": "40", "period": format!("{}", 200_001 + (i % 12) + 100 * (i / 12)),
                       "values": [{"indicator": "KHONG_CO", "value": 1}]})
            })
            .collect();
        let mut c = app.client();
        c.bearer = Some(token.clone());
        let r = c
            .request_json(
                "POST",
                "/api/v1/data/bulk",
                json!({ "reports": reports }).to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let errors = r.json()["errors"].as_array().unwrap().clone();
        assert_eq!(errors.len(), 101, "{}", r.body);
        assert_eq!(errors[100]["code"], "problems_truncated");
        assert!(
            errors[100]["detail"]
                .as_str()
                .unwrap()
                .contains("còn 200 lỗi nữa"),
            "{}",
            errors[100]
        );
        // DHIS2: 500 unknown data elements are 500 conflicts, 100 listed.
        let values: Vec<Value> = (0..500)
            .map(|i| json!({"dataElement": format!("KHONG_CO_{i}"), "value": "1"}))
            .collect();
        let r = c
            .request_json(
                "POST",
                "/api/dataValueSets",
                json!({"period": "202510", "orgUnit": "40", "dataValues": values}).to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        // DHIS2's answer lists 100 and counts them all in `conflictsTotal`.
        let summary = &r.json()["response"];
        assert_eq!(
            summary["conflicts"].as_array().unwrap().len(),
            100,
            "{}",
            r.body
        );
        assert_eq!(summary["conflictsTotal"], 500, "{}", r.body);
    }
);

on_both!(
    every_route_answers_its_body_limit_with_the_envelope,
    async |app: &TestApp| {
        let token = reporter_token(app).await;
        let mut api = app.client();
        api.bearer = Some(token);
        api.lang = Some("en");
        // Declared larger than the route's limit: refused before the body is read.
        let r = send(
            app,
            &api,
            "POST",
            "/api/v1/data/bulk",
            "application/json",
            b"{}".to_vec(),
            Some(64 * 1024 * 1024 + 1),
        )
        .await;
        assert_envelope(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
        assert!(r.body.contains("64 MiB"), "{}", r.body);
        // No length given (chunked): cut at the limit while reading, same answer.
        let r = send(
            app,
            &api,
            "POST",
            "/api/v1/data/batch",
            "application/json",
            vec![b' '; 4 * 1024 * 1024 + 1],
            None,
        )
        .await;
        assert_envelope(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
        assert!(r.body.contains("4 MiB"), "{}", r.body);
        let r = send(
            app,
            &api,
            "POST",
            "/api/dataValueSets",
            "application/json",
            vec![b' '; 16 * 1024 * 1024 + 1],
            None,
        )
        .await;
        assert_envelope(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
        // What the docs promise is accepted: 40 MB to bulk is read (and judged on its content).
        let mut body = b"{\"reports\": []".to_vec();
        body.extend(std::iter::repeat_n(b' ', 40_000_000));
        body.push(b'}');
        let n = body.len() as u64;
        let r = send(
            app,
            &api,
            "POST",
            "/api/v1/data/bulk",
            "application/json",
            body,
            Some(n),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // A form: every other route takes 64 KiB, the page gets the error page and headers.
        let mut browser = app.client();
        browser.get("/healthz").await;
        let csrf = browser.cookies["egov_csrf"].clone();
        let form = format!("csrf={csrf}&username=a&password={}", "x".repeat(70 * 1024));
        let r = send(
            app,
            &browser,
            "POST",
            "/login",
            "application/x-www-form-urlencoded",
            form.into_bytes(),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert!(r.headers.contains_key("content-security-policy"));
        // A multipart upload over its 8 MiB.
        let mut reporter = app
            .signed_in("baocao", Role::Reporter, app.scope("unit", "40").await)
            .await;
        reporter.lang = Some("en");
        let r = reporter
            .post_file(
                "/reporting/40/202510/upload",
                &[("action", "save")],
                "file",
                &vec![b'x'; 8 * 1024 * 1024 + 1],
            )
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert!(r.body.contains("8 MiB"), "{}", r.body);
    }
);

on_both!(
    explanations_and_reasons_have_a_maximum_length,
    async |app: &TestApp| {
        let token = reporter_token(app).await;
        let t = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
            .await
            .unwrap()
            .unwrap();
        let code = t.indicators[0].code.clone();
        let mut api = app.client();
        api.bearer = Some(token);
        api.lang = Some("en");
        let batch = |explanation: String| {
            json!({"unit": "40", "period": "202510", "submit": false,
                   "values": [{"indicator": code, "value": 1, "explanation": explanation}]})
            .to_string()
        };
        let r = api
            .request_json("POST", "/api/v1/data/batch", batch("ữ".repeat(2_001)))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.error_code(), "text_too_long");
        assert_eq!(r.json()["errors"][0]["field"], format!("e_{code}"));
        assert!(r.body.contains("2000"), "{}", r.body);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM data_values").await, 0);
        // In bulk, the report's position names it; a 31 MB explanation is not stored.
        let r = api
            .request_json(
                "POST",
                "/api/v1/data/bulk",
                json!({"reports": [{"unit": "40", "period": "202510",
                    "values": [{"indicator": code, "value": 1, "explanation": "x".repeat(31_000_000)}]}]})
                .to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(
            r.json()["errors"][0]["field"],
            format!("reports[0].e_{code}")
        );
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM data_values").await, 0);
        // 2,000 characters are accepted.
        let r = api
            .request_json("POST", "/api/v1/data/batch", batch("ữ".repeat(2_000)))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
);
