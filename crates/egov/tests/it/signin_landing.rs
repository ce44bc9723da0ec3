//! Issue 11, item 16: after signing in, reporters, approvers and viewers land on their worklist
//! (administrators keep the home page); while half signed in the header says so.

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::TestApp;

on_both!(officials_land_on_their_worklist, async |app: &TestApp| {
    reporting::engine::reference::load_default(&app.db, &platform::audit::Actor::system("test"))
        .await
        .unwrap();
    let na = app.scope("unit", "40").await;
    for (name, role) in [
        ("landing.bc", Role::Reporter),
        ("landing.pd", Role::Approver),
        ("landing.xem", Role::Viewer),
    ] {
        let (password, _) = app.user(name, role, na).await;
        let mut c = app.client();
        let r = c
            .post(
                "/login",
                &[("username", name), ("password", &password), ("next", "/")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/reporting/worklist", "{role:?}");
        let page = c.get("/reporting/worklist").await;
        assert_eq!(page.status, StatusCode::OK);
        // A page asked for is still honoured.
        let mut c = app.client();
        let r = c
            .post(
                "/login",
                &[
                    ("username", name),
                    ("password", &password),
                    ("next", "/registry/units"),
                ],
            )
            .await;
        assert_eq!(r.location(), "/registry/units", "{role:?}");
    }

    // An administrator: half signed in after the password, the header says so (not "Đăng
    // nhập"); after the second factor the home page as before.
    let (password, secret) = app
        .user("landing.qt", Role::SystemAdmin, Scope::National)
        .await;
    let mut c = app.client();
    let r = c
        .post(
            "/login",
            &[
                ("username", "landing.qt"),
                ("password", &password),
                ("next", "/"),
            ],
        )
        .await;
    assert!(r.location().starts_with("/login/totp"), "{}", r.location());
    let page = c.get(&r.location()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Đang đăng nhập") && !page.body.contains("id=\"login-link\""),
        "{}",
        page.body
    );
    let code = c
        .fresh_totp_code("landing.qt", secret.as_deref().unwrap())
        .await;
    let r = c
        .post("/login/totp", &[("code", &code), ("next", "/")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/");
    let home = c.get("/").await;
    assert!(!home.body.contains("Đang đăng nhập"), "{}", home.body);
    // Anonymous visitors are offered to sign in.
    let anon = app.client().get("/").await;
    assert!(anon.body.contains("id=\"login-link\""));
});

on_both!(totp_enrolment_shows_a_qr_code, async |app: &TestApp| {
    let na = app.scope("unit", "40").await;
    let mut c = app.signed_in("qr.bc", Role::Reporter, na).await;
    let page = c.get("/account/totp").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let b = &page.body;
    let start = b
        .find("<svg id=\"totp-qr\"")
        .expect("an inline SVG QR code");
    let svg = &b[start..start + b[start..].find("</svg>").unwrap()];
    // Labelled, drawn, and nothing the page's CSP (style-src without 'unsafe-inline') refuses.
    assert!(svg.contains("role=\"img\" aria-labelledby=\"totp-qr-label\""));
    assert!(b.contains("id=\"totp-qr-label\""));
    assert!(svg.contains("<path") && svg.contains(" d=\"M"), "{svg}");
    assert!(!svg.contains("style") && !b.contains("<?xml"), "{svg}");
    assert!(!svg.contains("<script"));
    // The secret stays as text for those who cannot scan.
    assert!(b.contains("id=\"totp-secret\""));
});
