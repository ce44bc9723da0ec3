//! The reporting pages as a new user meets them (issue 11, items 11 and 13): every template's
//! overview speaks of its own reporting units and indicators, in both languages; the period field
//! reads the forms the page shows, and a period it cannot take comes back on the page (422) with
//! what was typed kept and the error linked to the field.

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::{TestApp, setup};

/// `s` as a query-string value (UTF-8 bytes percent-encoded, as a browser sends a GET form).
fn q(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `value` of the input with id `period` on a page.
fn period_field(body: &str) -> String {
    let at = body.find("id=\"period\"").expect("a period field");
    let rest = &body[at..];
    let v = rest.find("value=\"").expect("a value") + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

on_both!(
    the_period_field_reads_what_the_page_shows,
    async |app: &TestApp| {
        setup(app).await;
        let mut c = app.client();
        // The page shows a month as "9/2025" and reads it back, and the other usual forms.
        let page = c.get("/reporting?period=202509").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(period_field(&page.body), "9/2025");
        for typed in [
            "9/2025",
            "09/2025",
            "2025-09",
            "202509",
            "Tháng 9/2025",
            "September 2025",
        ] {
            let r = c.get(&format!("/reporting?period={}", q(typed))).await;
            assert_eq!(r.status, StatusCode::OK, "{typed}: {}", r.body);
            assert!(r.body.contains("— Tháng 9/2025</h1>"), "{typed}");
            assert_eq!(period_field(&r.body), "9/2025", "{typed}");
        }
        // A quarterly template takes a quarter as written on its page.
        for typed in ["Q3/2025", "2025Q3", "Quý III/2025", "2025-Q3"] {
            let r = c
                .get(&format!(
                    "/reporting?template=BC-KTXH-QUY&period={}",
                    q(typed)
                ))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{typed}: {}", r.body);
            assert!(r.body.contains("— Quý III/2025</h1>"), "{typed}");
            assert_eq!(period_field(&r.body), "Q3/2025", "{typed}");
        }
    }
);

on_both!(
    a_period_the_page_cannot_take_comes_back_on_the_form,
    async |app: &TestApp| {
        setup(app).await;
        let mut c = app.client();
        for (typed, says) in [
            ("13/2025", "Không đọc được kỳ báo cáo “13/2025”"),
            ("Q3/2025", "Quý III/2025 không phải kỳ của biểu mẫu này"),
        ] {
            let r = c.get(&format!("/reporting?period={}", q(typed))).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
            // The page, not a bare error page: the template chooser, the field with the typed
            // text, the error beside it and in a summary that links to it.
            assert!(r.body.contains("id=\"template-form\""), "{}", r.body);
            assert_eq!(period_field(&r.body), typed);
            assert!(r.body.contains("aria-invalid=\"true\""));
            assert!(r.body.contains("id=\"period-error\""));
            assert!(r.body.contains("<a href=\"#period\">"), "{}", r.body);
            assert!(r.body.contains(says), "{typed}: {}", r.body);
            // It says how to type one for this template (a month: 11/2026, 2026-11, 202611).
            assert!(r.body.contains("báo cáo theo tháng"), "{}", r.body);
        }
        c.lang = Some("en");
        let r = c.get(&format!("/reporting?period={}", q("11/20266"))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(period_field(&r.body), "11/20266");
        assert!(
            r.body
                .contains("“11/20266” cannot be read as a reporting period"),
            "{}",
            r.body
        );
        assert!(r.body.contains("reports by month"));
    }
);

on_both!(
    each_template_speaks_of_its_own_reporting_units,
    async |app: &TestApp| {
        setup(app).await;
        let mut c = app
            .signed_in("xem.quocgia", Role::Viewer, Scope::National)
            .await;
        let btc = "/reporting?template=BC-BTC-NSNN-THANG&period=202509";
        // The ministry's monthly budget report, in Vietnamese: the ministry reports for the
        // country; no provinces, no IIP/CPI note, the report listed as the ministry's.
        let page = c.get(btc).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let b = &page.body;
        assert!(b.contains("Báo cáo tình hình thu – chi ngân sách nhà nước hằng tháng"));
        assert!(b.contains("Đơn vị báo cáo: Bộ Tài chính, số liệu của cả nước."));
        assert!(b.contains("Số bộ, ngành phải báo cáo"), "{b}");
        assert!(b.contains("Báo cáo của bộ, ngành trong kỳ"));
        for wrong in [
            "Tình hình kinh tế – xã hội",
            "tỉnh, thành phố phải báo cáo",
            "Báo cáo của các tỉnh, thành phố",
            "Số tỉnh có số liệu",
            "IIP",
            "CPI",
            "not-added-note",
            "<td>VN</td>",
        ] {
            assert!(!b.contains(wrong), "{wrong}: {b}");
        }
        let reports = &b[b.find("id=\"reports-table\"").expect("the reports")..];
        assert!(reports.contains("Bộ Tài chính</a>"), "{reports}");
        // Its report form does not lead back to the provincial heading either.
        let form = c
            .get("/reporting/VN/202509?template=BC-BTC-NSNN-THANG")
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(!form.body.contains("Tình hình kinh tế – xã hội"));
        // Nor does its reporter read of a province on it.
        let btc_scope = app.scope("agency", "btc").await;
        let mut reporter = app.signed_in("baocao.btc", Role::Reporter, btc_scope).await;
        let form = reporter
            .get("/reporting/VN/202509?template=BC-BTC-NSNN-THANG")
            .await;
        assert!(form.body.contains("id=\"excel-download\""), "{}", form.body);
        assert!(!form.body.contains("tỉnh"), "{}", form.body);
        // In English.
        c.lang = Some("en");
        let b = c.get(btc).await.body;
        assert!(b.contains("Reported by: Ministry of Finance, figures for the whole country."));
        assert!(b.contains("Ministries due to report"), "{b}");
        for wrong in [
            "Socio-economic situation",
            "Provinces",
            "provinces'",
            "IIP",
            "CPI",
        ] {
            assert!(!b.contains(wrong), "{wrong}: {b}");
        }

        // The provincial monthly report: the provinces, and the note on its indices (IIP, CPI).
        c.lang = None;
        let b = c.get("/reporting?period=202509").await.body;
        assert!(b.contains("Số tỉnh, thành phố phải báo cáo"));
        assert!(
            b.contains("Đơn vị báo cáo: các tỉnh, thành phố (34 đơn vị"),
            "{b}"
        );
        let note = &b[b
            .find("id=\"not-added-note\"")
            .expect("the note on indices")..];
        let note = &note[..note.find("</p>").unwrap()];
        assert!(note.contains("(IIP)") && note.contains("(CPI)"), "{note}");
        assert!(
            !note.contains("RETAIL") && !note.contains("Tổng mức bán lẻ"),
            "{note}"
        );
        // A commune template: the communes.
        let b = c
            .get("/reporting?template=BC-TTHC-XA-QUY&period=2025Q3")
            .await
            .body;
        assert!(b.contains("Số xã, phường, đặc khu phải báo cáo"), "{b}");
        assert!(b.contains("Đơn vị báo cáo: các xã, phường, đặc khu"));
        assert!(!b.contains("tỉnh, thành phố phải báo cáo"));
    }
);
