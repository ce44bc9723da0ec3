//! The registry of units and agencies, on both databases.

use axum::http::StatusCode;
use platform::audit::Actor;
use registry::Day;
use registry::import::{ImportOptions, import_communes, read_csv, read_table};

use crate::on_both;
use crate::support::TestApp;

fn day(s: &str) -> Day {
    Day::parse(s).unwrap()
}

on_both!(point_in_time_and_lineage, async |app: &TestApp| {
    let mut c = app.client();
    let before = c
        .get("/api/v1/units?level=province&valid_on=2025-06-30")
        .await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(before.json()["meta"]["total"], 63);
    let after = c
        .get("/api/v1/units?level=province&valid_on=2025-07-01")
        .await;
    assert_eq!(after.json()["meta"]["total"], 34);

    // Codes are reused: 15 was Yên Bái, is now the merged Lào Cai.
    let old15 = c.get("/api/v1/units/15?valid_on=2024-12-31").await.json();
    assert_eq!(old15["name"], "Yên Bái");
    let new15 = c.get("/api/v1/units/15?valid_on=2025-07-01").await.json();
    assert_eq!(new15["name"], "Lào Cai");
    let preds: Vec<&str> = new15["predecessors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["unit"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(preds, vec!["Lào Cai", "Yên Bái"]);

    // What did old province 26 (Vĩnh Phúc) become? Phú Thọ (25).
    let old26 = c.get("/api/v1/units/26?valid_on=2025-06-30").await.json();
    assert_eq!(old26["name"], "Vĩnh Phúc");
    assert_eq!(old26["successors"][0]["unit"]["code"], "25");
    assert_eq!(old26["current_successors"][0]["name"], "Phú Thọ");
    let u = registry::store::unit_by_code(&app.db, "26", day("2025-06-30"))
        .await
        .unwrap()
        .unwrap();
    let now = registry::store::current_successors(&app.db, u.id, Day::today())
        .await
        .unwrap();
    assert_eq!(
        now.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        vec!["Phú Thọ"]
    );

    // 26 no longer exists today.
    let gone = c.get("/api/v1/units/26").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.error_code(), "not_found");
});

on_both!(search_ignores_diacritics_and_case, async |app: &TestApp| {
    let mut c = app.client();
    let names = |v: serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(c.get("/api/v1/units?q=ha%20noi").await.json()),
        vec!["Hà Nội"]
    );
    assert_eq!(
        names(
            c.get("/api/v1/units?q=DAK%20LAK&valid_on=2025-07-01")
                .await
                .json()
        ),
        vec!["Đắk Lắk"]
    );
    assert_eq!(
        names(
            c.get("/api/v1/units?q=%C4%91%E1%BA%AFk%20l%E1%BA%AFk")
                .await
                .json()
        ),
        vec!["Đắk Lắk"]
    );
    // LIKE wildcards in the query are literal.
    assert_eq!(
        c.get("/api/v1/units?q=%25").await.json()["meta"]["total"],
        0
    );
    // Agencies too.
    let a = c.get("/api/v1/agencies?q=bo%20y%20te").await.json();
    assert_eq!(a["items"][0]["code"], "byt");
    assert_eq!(a["items"][0]["name_en"], "Ministry of Health");
});

on_both!(agencies_have_codes_and_committees, async |app: &TestApp| {
    let mut c = app.client();
    let all = c.get("/api/v1/agencies").await.json();
    let items = all["items"].as_array().unwrap();
    let ministries = items.iter().filter(|a| a["kind"] == "ministry").count();
    let ministry_level = items
        .iter()
        .filter(|a| a["kind"] == "ministry_level")
        .count();
    let committees = items
        .iter()
        .filter(|a| a["kind"] == "provincial_committee")
        .count();
    assert_eq!((ministries, ministry_level, committees), (14, 3, 34));
    let vpcp = items.iter().find(|a| a["code"] == "vpcp").unwrap();
    assert_eq!(vpcp["edoc_qcvn"], "000.00.00.G22");
    let na = items.iter().find(|a| a["code"] == "ubnd-40").unwrap();
    assert_eq!(na["unit_code"], "40");
    assert_eq!(na["name_vi"], "Ủy ban nhân dân tỉnh Nghệ An");
    // Before the merger there were 63 committees.
    let old = c
        .get("/api/v1/agencies?kind=provincial_committee&valid_on=2025-06-30")
        .await
        .json();
    assert_eq!(old["meta"]["total"], 63);
});

on_both!(
    bad_parameters_get_precise_errors_in_both_languages,
    async |app: &TestApp| {
        let mut c = app.client();
        let r = c.get("/api/v1/units?valid_on=2025-13-01").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let e = &r.json()["errors"][0];
        assert_eq!(e["code"], "date_invalid");
        assert_eq!(e["field"], "valid_on");
        assert!(
            e["detail"].as_str().unwrap().contains("không hợp lệ"),
            "{e}"
        );
        c.lang = Some("en-GB,en;q=0.9");
        let r = c.get("/api/v1/units?level=hamlet").await;
        let e = &r.json()["errors"][0];
        assert_eq!(
            (e["code"].as_str(), e["field"].as_str()),
            (Some("level_invalid"), Some("level"))
        );
        assert!(
            e["detail"]
                .as_str()
                .unwrap()
                .contains("is not a unit level"),
            "{e}"
        );
        let r = c.get("/api/v1/units?limit=5000").await;
        assert_eq!(r.json()["errors"][0]["field"], "limit");
    }
);

const GOOD_CSV: &str = "Mã tỉnh,Tên tỉnh,Mã xã,Tên xã,Loại\n\
01,Hà Nội,00070,Phường Hoàn Kiếm,Phường\n\
01,Hà Nội,00082,Phường Cửa Nam,Phường\n\
40,Nghệ An,16681,Xã Nghi Lộc,Xã\n\
91,An Giang,31000,Đặc khu Phú Quốc,Đặc khu\n";

fn opts(dry_run: bool) -> ImportOptions {
    ImportOptions {
        valid_from: day("2025-07-01"),
        valid_to: None,
        dry_run,
    }
}

on_both!(commune_import_is_all_or_nothing, async |app: &TestApp| {
    let actor = Actor::system("test");
    let communes = "SELECT COUNT(*) AS n FROM units WHERE level = 'commune'";
    let audits = app.audit_count().await;

    // A dry run checks and writes nothing.
    let table = read_csv(GOOD_CSV.as_bytes()).unwrap();
    let r = import_communes(&app.db, &actor, &table, &opts(true), &|_, _| {})
        .await
        .unwrap();
    assert!(r.rejected.is_empty() && !r.applied);
    assert_eq!(app.count(communes).await, 0);

    // One bad row among good ones: nothing written, every problem named.
    let bad = format!("{GOOD_CSV}99,Không có,00099,Xã Ma,Xã\n40,Nghệ An,1234567,Xã Dài,Xã\n");
    let r = import_communes(
        &app.db,
        &actor,
        &read_csv(bad.as_bytes()).unwrap(),
        &opts(false),
        &|_, _| {},
    )
    .await
    .unwrap();
    let got: Vec<_> = r.rejected.iter().map(|e| (e.line, e.code)).collect();
    assert_eq!(got, vec![(7, "bad_commune_code")]);
    let bad = format!("{GOOD_CSV}99,Không có,00099,Xã Ma,Xã\n");
    let r = import_communes(
        &app.db,
        &actor,
        &read_csv(bad.as_bytes()).unwrap(),
        &opts(false),
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(
        (r.rejected[0].line, r.rejected[0].code),
        (6, "unknown_province")
    );
    assert!(
        r.rejected[0]
            .message(platform::i18n::Lang::Vi)
            .contains("Dòng 6")
    );
    assert!(
        r.rejected[0]
            .message(platform::i18n::Lang::En)
            .contains("Line 6")
    );
    assert!(!r.applied);
    assert_eq!(app.count(communes).await, 0);
    assert_eq!(app.audit_count().await, audits);

    // The good file goes in whole, audited once; the tree shows it.
    let r = import_communes(&app.db, &actor, &table, &opts(false), &|_, _| {})
        .await
        .unwrap();
    assert!(r.applied);
    assert_eq!((r.rows, r.inserted), (4, 4));
    assert_eq!(app.count(communes).await, 4);
    assert_eq!(app.audit_count().await, audits + 1);
    let hn = app.client().get("/api/v1/units/01").await.json();
    let children: Vec<&str> = hn["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(children, vec!["Phường Hoàn Kiếm", "Phường Cửa Nam"]);
    let pq = app.client().get("/api/v1/units/31000").await.json();
    assert_eq!(
        (pq["kind"].as_str(), pq["parent"]["code"].as_str()),
        (Some("special_zone"), Some("91"))
    );

    // Importing the same file again changes nothing.
    let r = import_communes(&app.db, &actor, &table, &opts(false), &|_, _| {})
        .await
        .unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 4));
    assert_eq!(
        app.audit_count().await,
        audits + 1,
        "an unchanged import is not audited"
    );
    assert_eq!(app.count(communes).await, 4);
});

on_both!(commune_import_reads_real_xlsx, async |app: &TestApp| {
    let dir =
        std::env::temp_dir().join(format!("egov-xlsx-{}-{}", std::process::id(), app.backend));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("communes.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (col, h) in ["Mã tỉnh", "Mã xã", "Tên xã"].iter().enumerate() {
        ws.write_string(0, col as u16, *h).unwrap();
    }
    // Spreadsheets store codes as numbers: 1 for 01, 70 for 00070.
    ws.write_number(1, 0, 1.0).unwrap();
    ws.write_number(1, 1, 70.0).unwrap();
    ws.write_string(1, 2, "Phường Hoàn Kiếm").unwrap();
    ws.write_number(2, 0, 42.0).unwrap();
    ws.write_number(2, 1, 18070.0).unwrap();
    ws.write_string(2, 2, "Phường Thành Sen").unwrap();
    wb.save(&path).unwrap();
    let table = read_table(&path).unwrap();
    let r = import_communes(
        &app.db,
        &Actor::system("test"),
        &table,
        &opts(false),
        &|_, _| {},
    )
    .await
    .unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.inserted, 2);
    let u = app.client().get("/api/v1/units/00070").await.json();
    assert_eq!(
        (u["name"].as_str(), u["kind"].as_str()),
        (Some("Phường Hoàn Kiếm"), Some("ward"))
    );
    std::fs::remove_dir_all(dir).ok();
});

on_both!(unit_pages_browse_the_tree, async |app: &TestApp| {
    let mut c = app.client();
    let r = c.get("/units?valid_on=2025-06-30").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Vĩnh Phúc") && r.body.contains("63 đơn vị"),
        "{}",
        &r.body[..200.min(r.body.len())]
    );
    let r = c.get("/units/25?valid_on=2025-07-01").await;
    assert!(
        r.body.contains("Phú Thọ") && r.body.contains("Hòa Bình") && r.body.contains("Vĩnh Phúc")
    );
    let r = c.get("/agencies").await;
    assert!(r.body.contains("Văn phòng Chính phủ") && r.body.contains("000.00.00.G22"));
    let r = c.get("/units?valid_on=not-a-date").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("not-a-date") && r.body.contains("<html"));
});

on_both!(
    paging_kind_and_method_errors_use_the_envelope,
    async |app: &TestApp| {
        let mut c = app.client();
        for (q, field) in [
            ("limit=5000", "limit"),
            ("limit=0", "limit"),
            ("offset=-1", "offset"),
        ] {
            let r = c.get(&format!("/api/v1/units?{q}")).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
            assert_eq!(r.json()["errors"][0]["field"], field, "{q}");
        }
        let r = c.get("/api/v1/agencies?kind=bakery").await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "agency_kind_invalid")
        );
        let r = c.request("DELETE", "/api/v1/units", None).await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
        );
    }
);

/// The real commune list (issue 11, item 21): the 3,321 communes of the 34 provinces after
/// 1 July 2025, as `scripts/communes` writes them from PyPI `vietnam-provinces`, import whole —
/// every province code resolves, no row is refused — on both databases. The file is not shipped
/// (its package is GPL-licensed): `scripts/test` writes it and sets `EGOV_TEST_COMMUNES`.
async fn real_communes(app: &TestApp) {
    let path = std::env::var("EGOV_TEST_COMMUNES").expect(
        "EGOV_TEST_COMMUNES is not set: scripts/test writes the list with scripts/communes",
    );
    let table = read_table(std::path::Path::new(&path)).unwrap();
    let r = import_communes(
        &app.db,
        &Actor::system("test"),
        &table,
        &opts(false),
        &|_, _| {},
    )
    .await
    .unwrap();
    assert!(
        r.rejected.is_empty(),
        "{:?}",
        &r.rejected[..r.rejected.len().min(5)]
    );
    assert_eq!((r.rows, r.inserted), (3321, 3321));
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM units WHERE level = 'commune'")
            .await,
        3321
    );
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT parent_id) AS n FROM units WHERE level = 'commune'")
            .await,
        34
    );
    // Hà Nội's Phường Ba Đình, by its statistics-office code.
    let res = {
        let mut c = app.client();
        c.get("/api/v1/units/00004").await
    };
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Ba Đình"), "{}", res.body);
}

mod the_real_commune_list_imports_whole {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs the real commune list: scripts/test writes it and sets EGOV_TEST_COMMUNES"]
    async fn sqlite() {
        let app = TestApp::new(&crate::support::WIRING, "sqlite").await;
        real_communes(&app).await;
        app.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs the real commune list and PostgreSQL: scripts/test provides both"]
    async fn postgres() {
        let app = TestApp::new(&crate::support::WIRING, "postgres").await;
        real_communes(&app).await;
        app.close().await;
    }
}
