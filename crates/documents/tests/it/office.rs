//! The document office's settings page (`/documents/office`): an agency's administrator sets the
//! agency's abbreviation that numbering needs; errors beside the field with the input kept and
//! nothing written; other agencies' administrators and the clerks do not see it; audited; the
//! outgoing register says what is missing and links here.

use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::TestApp;

async fn edoc(app: &TestApp, code: &str) -> String {
    let a = registry::store::agency_by_any_code(&app.db, code)
        .await
        .unwrap()
        .unwrap();
    documents::model::agency::AgencyId::parse(&a.edoc_2020.or(a.edoc_qcvn).unwrap())
        .unwrap()
        .short()
}

async fn abbreviation(app: &TestApp, agency: &str) -> Option<String> {
    documents::store::registers::office(&app.db, agency)
        .await
        .unwrap()
}

on_both!(
    an_agency_administrator_sets_the_abbreviation_numbering_needs,
    async |app: &TestApp| {
        let na = edoc(app, "ubnd-40").await;
        let s40 = app.scope("agency", "ubnd-40").await;
        let s79 = app.scope("agency", "ubnd-79").await;
        let mut clerk = app.signed_in("vanthu40", Role::Reporter, s40).await;
        let mut admin = app.signed_in("qtri40", Role::AgencyAdmin, s40).await;
        let mut other = app.signed_in("qtri79", Role::AgencyAdmin, s79).await;

        // The clerk's register says numbering waits for the abbreviation, and who sets it.
        let page = clerk.get("/documents/outgoing").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("id=\"office-notice\""), "{}", page.body);
        assert!(page.body.contains("Đề nghị quản trị của cơ quan"));
        assert!(
            page.body
                .contains("id=\"documents-nav\" href=\"/documents/outgoing\"")
                || page
                    .body
                    .contains("href=\"/documents/outgoing\" id=\"documents-nav\"")
        );
        // The clerk has no settings page; the administrator's menu leads to it.
        assert_eq!(clerk.get("/documents/office").await.status, 404);
        let page = admin.get("/documents/office").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body
                .contains("href=\"/documents/office\" id=\"documents-nav\"")
        );
        assert!(!page.body.contains("href=\"/axis/traffic\""));
        assert!(page.body.contains(&format!("id=\"office-{na}\"")));
        assert!(page.body.contains("Chưa khai báo."));
        // Only their own agency is offered.
        assert_eq!(
            page.body
                .matches("<section class=\"card\" id=\"office-")
                .count(),
            1
        );

        // A bad abbreviation: beside the field, in the summary, typed text kept, nothing written.
        let field = format!("abbreviation-{na}");
        let bad = admin
            .post(
                &format!("/documents/office/{na}"),
                &[("abbreviation", "UB ND")],
            )
            .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(
            bad.body.contains(&format!("id=\"{field}-error\"")),
            "{}",
            bad.body
        );
        assert!(bad.body.contains(&format!("href=\"#{field}\"")));
        assert!(bad.body.contains("value=\"UB ND\""));
        assert!(
            bad.body
                .contains("Chữ viết tắt tên cơ quan: chữ viết tắt của cơ quan gồm 1–20")
        );
        assert_eq!(abbreviation(app, &na).await, None);
        // A control character is refused at the edge.
        let bad = admin
            .post(
                &format!("/documents/office/{na}"),
                &[("abbreviation", "UBND\u{7}")],
            )
            .await;
        assert!(bad.status == 422 || bad.status == 400, "{}", bad.status);
        assert_eq!(abbreviation(app, &na).await, None);

        // Another agency's administrator: it does not exist for them.
        let r = other
            .post(
                &format!("/documents/office/{na}"),
                &[("abbreviation", "XYZ")],
            )
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(abbreviation(app, &na).await, None);

        let ok = admin
            .post(
                &format!("/documents/office/{na}"),
                &[("abbreviation", " UBND ")],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        assert_eq!(abbreviation(app, &na).await.as_deref(), Some("UBND"));
        let page = admin.get(&ok.location()).await;
        assert!(page.body.contains("Đã lưu chữ viết tắt."), "{}", page.body);
        assert!(page.body.contains("<code>15/QĐ-UBND</code>"));
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
                "documents.office_set"
            )
            .await,
            1
        );
        // The register no longer warns.
        let page = clerk.get("/documents/outgoing").await;
        assert!(!page.body.contains("id=\"office-notice\""));

        // A system administrator sees every agency with an electronic identifier.
        let mut sys = app
            .signed_in("qtht", Role::SystemAdmin, Scope::National)
            .await;
        let page = sys.get("/documents/office").await;
        assert_eq!(page.status, 200);
        // The system administrator also runs the axis: its pages are linked from here.
        assert!(page.body.contains("href=\"/axis/traffic\""));
        assert!(
            page.body
                .matches("<section class=\"card\" id=\"office-")
                .count()
                > 1
        );
        // An API token never drives the form.
        let mut token = app.token_client("tk40", Role::AgencyAdmin, s40).await;
        let r = token
            .request_typed(
                "POST",
                &format!("/documents/office/{na}"),
                "abbreviation=VP&csrf=x".into(),
                "application/x-www-form-urlencoded",
            )
            .await;
        assert_ne!(r.status, 303);
        assert_eq!(abbreviation(app, &na).await.as_deref(), Some("UBND"));
    }
);
