//! `/api/docs` as a reader in either language meets it (issue 11, item 18): operations in
//! Vietnamese in the Vietnamese interface, Markdown code spans as code (no literal backticks), a
//! section on authentication, the SDMX and DHIS2 interfaces documented; and the OpenAPI document
//! says how to authenticate.

use axum::http::StatusCode;

use crate::on_both;
use crate::support::TestApp;

/// The summary paragraph of operation `id` on a docs page.
fn summary_of<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"op-{id}\""))
        .unwrap_or_else(|| panic!("operation {id} missing from the page"));
    let rest = &page[start..];
    let p = rest.find("<p>").unwrap() + 3;
    let end = rest[p..].find("</p>").unwrap();
    &rest[p..p + end]
}

on_both!(
    api_docs_speak_the_readers_language_without_markdown_marks,
    async |app: &TestApp| {
        let mut c = app.client();
        let doc = c.get("/api/v1/openapi.json").await.json();
        let vi = c.get("/api/docs").await;
        assert_eq!(vi.status, StatusCode::OK);
        c.lang = Some("en");
        let en = c.get("/api/docs").await;
        assert!(en.body.contains("<html lang=\"en\">"));
        let main = |body: &str| -> String {
            let from = body.find("<main").unwrap();
            body[from..body.find("</main>").unwrap()].to_owned()
        };
        let (vi_main, en_main) = (main(&vi.body), main(&en.body));
        // Code spans are code, in both languages.
        assert!(!vi_main.contains('`'), "a literal backtick: {vi_main}");
        assert!(!en_main.contains('`'), "a literal backtick: {en_main}");
        assert!(en_main.contains("<code>Content-Type: application/csv</code>"));

        let mut ids = Vec::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                ids.push(op["operationId"].as_str().unwrap().to_owned());
            }
        }
        assert!(ids.len() >= 10, "{ids:?}");
        for id in &ids {
            let (v, e) = (summary_of(&vi_main, id), summary_of(&en_main, id));
            assert!(!e.is_empty(), "{id} has no summary");
            assert_ne!(v, e, "{id}: the Vietnamese page shows the English summary");
        }
        assert!(
            summary_of(&vi_main, "list_units").contains("Danh sách đơn vị hành chính"),
            "{vi_main}"
        );
        // The page's own words in each language.
        assert!(vi_main.contains("Xác thực") && vi_main.contains("Công khai"));
        assert!(en_main.contains("Authentication") && en_main.contains("Public"));
    }
);

on_both!(
    api_docs_say_how_to_authenticate_and_document_sdmx_and_dhis2,
    async |app: &TestApp| {
        let mut c = app.client();
        let doc = c.get("/api/v1/openapi.json").await.json();
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["bearer"]["type"], "http");
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        assert_eq!(schemes["session"]["in"], "cookie");
        let me = &doc["paths"]["/api/v1/me"]["get"]["security"];
        assert!(
            me.as_array()
                .unwrap()
                .iter()
                .all(|r| !r.as_object().unwrap().is_empty()),
            "get_me needs credentials: {me}"
        );
        assert!(doc["paths"]["/api/dataValueSets"]["post"].is_object());

        c.lang = Some("en");
        let page = c.get("/api/docs").await.body;
        // Authentication: the session and its CSRF field, bearer tokens, how to create one, and
        // that a token never drives a cookie form.
        let auth =
            &page[page.find("id=\"auth\"").unwrap()..page.find("id=\"conventions\"").unwrap()];
        for needle in [
            "egov_session",
            "<code>csrf</code>",
            "<code>Authorization: Bearer egov_…</code>",
            "<code>/admin/tokens</code>",
            "egov admin token create",
            "<code>token_api_only</code>",
            "<code>bearer</code>",
            "<code>session</code>",
        ] {
            assert!(auth.contains(needle), "{needle} missing: {auth}");
        }
        // SDMX: URL patterns, formats and a working example.
        let sdmx = &page[page.find("id=\"sdmx\"").unwrap()..page.find("id=\"dhis2\"").unwrap()];
        for needle in [
            "/sdmx/data/{flow}[/{key}[/{provider}]]",
            "/sdmx/{dataflow|datastructure|codelist|conceptscheme}",
            "application/vnd.sdmx.genericdata+xml;version=2.1",
            "SDMX-CSV 2.0",
            "startPeriod",
        ] {
            assert!(sdmx.contains(needle), "{needle} missing: {sdmx}");
        }
        let r = c.get("/sdmx/dataflow").await;
        assert_eq!(r.status, StatusCode::OK, "the documented example answers");
        // DHIS2: the path, its formats, and a link to its operations.
        let dhis2 = &page[page.find("id=\"dhis2\"").unwrap()..];
        assert!(dhis2.contains("POST /api/dataValueSets"));
        assert!(dhis2.contains("application/csv"));
        assert!(dhis2.contains("href=\"#op-post_data_value_sets\""));
        assert!(page.contains("id=\"op-post_data_value_sets\""));
    }
);
