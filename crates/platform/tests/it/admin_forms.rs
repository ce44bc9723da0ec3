//! The administration forms as an agency administrator meets them (issue 11, item 13): only the
//! roles and scopes they may hand out are offered, and a forbidden choice sent anyway comes back
//! on the form (422) with what was typed kept (never the password) and the error on its field,
//! linked from the summary — not a bare 403 page.

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::{Client, TestApp};

/// The options of the `<select>` with id `id` on a page.
fn options(body: &str, id: &str) -> Vec<String> {
    let at = body
        .find(&format!("<select id=\"{id}\""))
        .unwrap_or_else(|| panic!("no select {id}"));
    let select = &body[at..at + body[at..].find("</select>").unwrap()];
    select
        .split("<option value=\"")
        .skip(1)
        .map(|o| o[..o.find('"').unwrap()].to_owned())
        .collect()
}

/// The `value` of the input with id `id` on a page.
fn value_of(body: &str, id: &str) -> String {
    let at = body
        .find(&format!("<input id=\"{id}\""))
        .unwrap_or_else(|| panic!("no input {id}"));
    let input = &body[at..at + body[at..].find('>').unwrap()];
    match input.find("value=\"") {
        Some(v) => input[v + 7..v + 7 + input[v + 7..].find('"').unwrap()].to_owned(),
        None => String::new(),
    }
}

/// The option selected in the `<select>` with id `id`.
fn selected(body: &str, id: &str) -> String {
    let at = body.find(&format!("<select id=\"{id}\"")).unwrap();
    let select = &body[at..at + body[at..].find("</select>").unwrap()];
    let s = select
        .split("<option value=\"")
        .find(|o| o[..o.find('>').unwrap()].contains("selected"))
        .expect("a selected option");
    s[..s.find('"').unwrap()].to_owned()
}

async fn agency_admin(app: &TestApp, name: &str) -> Client {
    let pc = app.scope("agency", "ubnd-40").await;
    app.signed_in(name, Role::AgencyAdmin, pc).await
}

on_both!(
    an_agency_admin_is_offered_only_what_it_may_grant,
    async |app: &TestApp| {
        let mut c = agency_admin(app, "qt.nghean").await;
        for (path, prefix) in [("/admin/users", ""), ("/admin/tokens", "")] {
            let page = c.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
            let kinds = options(&page.body, &format!("{prefix}scope_kind"));
            assert_eq!(kinds, ["unit", "agency"], "{path}: no national scope");
            let roles = options(&page.body, &format!("{prefix}role"));
            assert!(!roles.contains(&"system_admin".to_owned()), "{path}");
            assert!(roles.contains(&"reporter".to_owned()), "{path}");
            // The hint names where it may grant, not "empty for the whole country".
            assert!(page.body.contains("Nghệ An (40)"), "{path}: {}", page.body);
            assert!(!page.body.contains("Để trống nếu phạm vi là toàn quốc"));
        }
        // On a user's page, the grant form too.
        let na = app.scope("unit", "40").await;
        app.user("o.nghean", Role::Reporter, na).await;
        let u = platform::identity::find_user(&app.db, "o.nghean")
            .await
            .unwrap()
            .unwrap();
        let page = c.get(&format!("/admin/users/{}", u.id)).await;
        assert_eq!(options(&page.body, "g-scope_kind"), ["unit", "agency"]);
        // A system administrator is still offered the whole country.
        let mut sys = app
            .signed_in("qt.he.thong", Role::SystemAdmin, Scope::National)
            .await;
        let page = sys.get("/admin/users").await;
        assert_eq!(
            options(&page.body, "scope_kind"),
            ["unit", "agency", "national"]
        );
    }
);

on_both!(
    a_forbidden_choice_comes_back_on_the_form_with_the_input_kept,
    async |app: &TestApp| {
        let mut c = agency_admin(app, "qt.nghean").await;
        let secret = "Mật khẩu rất riêng 2026";
        let sent = |role: &'static str, kind: &'static str, code: &'static str| {
            vec![
                ("username", "le.van.thang"),
                ("display_name", "Lê Văn Thắng"),
                ("email", "thang@example.vn"),
                ("password", secret),
                ("role", role),
                ("scope_kind", kind),
                ("scope_code", code),
            ]
        };
        // National scope (forged: the form does not offer it), another province, a role above.
        for (role, kind, code, field, says) in [
            (
                "reporter",
                "national",
                "",
                "scope_kind",
                "“Toàn quốc” nằm ngoài phạm vi bạn được cấp quyền",
            ),
            (
                "reporter",
                "unit",
                "42",
                "scope_code",
                "“42” nằm ngoài phạm vi bạn được cấp quyền",
            ),
            (
                "system_admin",
                "unit",
                "40",
                "role",
                "vai trò cao hơn vai trò của mình",
            ),
        ] {
            let r = c.post("/admin/users", &sent(role, kind, code)).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{role} {kind} {code}: {}",
                r.body
            );
            let b = &r.body;
            // The form, as typed (the password aside), the error on its field and linked.
            assert_eq!(value_of(b, "username"), "le.van.thang");
            assert_eq!(value_of(b, "display_name"), "Lê Văn Thắng");
            assert_eq!(value_of(b, "email"), "thang@example.vn");
            assert_eq!(value_of(b, "password"), "");
            assert!(!b.contains(secret));
            assert_eq!(value_of(b, "scope_code"), code);
            assert!(
                b.contains(&format!("<a href=\"#{field}\">")),
                "{field}: {b}"
            );
            assert!(b.contains(&format!("id=\"{field}-error\"")), "{field}: {b}");
            assert!(b.contains(says), "{says}: {b}");
            // Where it may grant is named.
            assert!(b.contains("Nghệ An (40)"));
            // The kind stays as chosen when offered; a forged national one is not offered.
            assert_eq!(options(b, "scope_kind"), ["unit", "agency"]);
            if kind == "unit" {
                assert_eq!(selected(b, "scope_kind"), "unit");
            }
            assert!(
                platform::identity::find_user(&app.db, "le.van.thang")
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        // In English.
        c.lang = Some("en");
        let r = c
            .post("/admin/users", &sent("viewer", "national", ""))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body
                .contains("“Whole country” lies outside the scope you may grant"),
            "{}",
            r.body
        );
        // What it may grant is still granted.
        let r = c.post("/admin/users", &sent("viewer", "unit", "40")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

        // A forged national grant on a user's page, and a forged national token: the same.
        let u = platform::identity::find_user(&app.db, "le.van.thang")
            .await
            .unwrap()
            .unwrap();
        c.lang = None;
        let r = c
            .post(
                &format!("/admin/users/{}/grants", u.id),
                &[("role", "approver"), ("scope_kind", "national")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("<a href=\"#g-scope_kind\">"), "{}", r.body);
        assert_eq!(selected(&r.body, "g-role"), "approver");
        let before = app.count("SELECT COUNT(*) AS n FROM api_tokens").await;
        let r = c
            .post(
                "/admin/tokens",
                &[
                    ("name", "hệ thống khác"),
                    ("role", "viewer"),
                    ("scope_kind", "national"),
                    ("days", "30"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("<a href=\"#scope_kind\">"), "{}", r.body);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM api_tokens").await,
            before
        );
    }
);
