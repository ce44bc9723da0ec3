//! The catalogue administrators' pages: the editor checks a whole procedure (its form
//! definition included) and says what is wrong at each field; publish; import a file.

use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::{TestApp, setup, versions};

const SCHEMA: &str =
    r#"{"type":"object","properties":{"full_name":{"type":"string"}},"required":["full_name"]}"#;
const LAYOUT: &str = r#"[{"title":{"vi":"Người nộp","en":"Applicant"},"sections":[{"fields":[{"field":"full_name","label":{"vi":"Họ và tên","en":"Full name"}}]}]}]"#;

fn form<'a>(fee: &'a str, schema: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("code", "1.999050"),
        ("name_vi", "Thủ tục thêm từ trang quản trị"),
        ("name_en", "A procedure added from the editor"),
        ("field", "ho_tich"),
        ("level", "commune"),
        ("agency", ""),
        ("processing_days", "3"),
        ("fee_vnd", fee),
        ("papers", "[]"),
        ("online_level", "full"),
        ("min_assurance", "2"),
        ("form_schema", schema),
        ("form_layout", LAYOUT),
    ]
}

on_both!(
    the_editor_saves_drafts_and_publishes,
    async |app: &TestApp| {
        setup(app).await;
        let mut c = app
            .signed_in("editor", Role::SystemAdmin, Scope::National)
            .await;
        c.lang = Some("en");
        let r = c.get("/services/admin").await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("/services/admin/procedures/1.001193"));
        let before = versions(app).await;
        // A bad fee and a bad form definition: the page again, each problem at its field.
        let bad_schema = SCHEMA.replace("\"string\"", "\"number\"");
        let r = c
            .post("/services/admin/procedures", &form("12.5", &bad_schema))
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        for id in ["fee_vnd", "form_schema"] {
            assert!(
                r.body.contains(&format!("href=\"#{id}\"")),
                "{id}: {}",
                r.body
            );
            assert!(r.body.contains(&format!("id=\"{id}-error\"")), "{id}");
        }
        assert!(r.body.contains("/properties/full_name/type"), "{}", r.body);
        assert!(
            r.body.contains("Thủ tục thêm từ trang quản trị"),
            "what was typed is kept"
        );
        assert_eq!(versions(app).await, before);
        // Saved, then published from its page.
        let r = c
            .post("/services/admin/procedures", &form("50000", SCHEMA))
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            r.location(),
            "/services/admin/procedures/1.999050?done=saved"
        );
        let page = c
            .get("/services/admin/procedures/1.999050?done=saved")
            .await;
        assert!(page.body.contains("The draft was saved.") && page.body.contains("Publish"));
        assert_eq!(c.get("/services/procedures/1.999050").await.status, 404);
        let r = c
            .post(
                "/services/admin/procedures/1.999050/publish",
                &[("version", "1")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(c.get("/services/procedures/1.999050").await.status, 200);
        // Publishing again: refused, the version is not a draft.
        let r = c
            .post(
                "/services/admin/procedures/1.999050/publish",
                &[("version", "1")],
            )
            .await;
        assert_eq!(r.status, 409);
    }
);

on_both!(
    a_refused_import_says_where_and_writes_nothing,
    async |app: &TestApp| {
        setup(app).await;
        let mut c = app
            .signed_in("editor", Role::SystemAdmin, Scope::National)
            .await;
        let before = versions(app).await;
        let csv = "code,name_vi,name_en,field,level,processing_days,fee_vnd,online_level\n\
               1.999060,Một,One,ho_tich,commune,3,0,full\n\
               1.999061,Hai,Two,ho_tich,commune,3,1.000,full\n";
        let r = c
            .post_file(
                "/services/admin/import",
                &[("format", "csv")],
                "file",
                csv.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains("dòng 3, cột fee_vnd") && r.body.contains("1.000"),
            "{}",
            r.body
        );
        assert_eq!(versions(app).await, before);
        let good = csv.replace("1.000", "1000");
        let r = c
            .post_file(
                "/services/admin/import",
                &[("format", "csv")],
                "file",
                good.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("2 thủ tục mới"), "{}", r.body);
        assert_eq!(versions(app).await.0, before.0 + 2);
    }
);

on_both!(lower_roles_do_not_see_the_editor, async |app: &TestApp| {
    setup(app).await;
    let btp = app.scope("agency", "btp").await;
    let mut c = app.signed_in("approver", Role::Approver, btp).await;
    assert_eq!(c.get("/services/admin").await.status, 403);
    let r = c
        .post("/services/admin/procedures", &form("0", SCHEMA))
        .await;
    assert_eq!(r.status, 403);
    // An agency administrator edits their agency's procedures only.
    let mut a = app.signed_in("btp-admin", Role::AgencyAdmin, btp).await;
    assert_eq!(a.get("/services/admin").await.status, 200);
    let r = a
        .post("/services/admin/procedures", &form("0", SCHEMA))
        .await;
    assert_eq!(r.status, 403, "a national procedure: {}", r.body);
    let r = a
        .post(
            "/services/admin/procedures/1.001193/publish",
            &[("version", "1")],
        )
        .await;
    assert_eq!(r.status, 403);
});
