//! Signing in, throttling, second factor, sessions, CSRF, API tokens, language — on both databases.

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::identity::access::{Role, Scope};
use platform::identity::{self, tokens};

use crate::on_both;
use crate::support::TestApp;

on_both!(login_wrong_then_right_then_logout, async |app: &TestApp| {
    let scope = app.scope("unit", "40").await;
    let (password, _) = app.user("baocao.nghean", Role::Reporter, scope).await;
    let mut c = app.client();
    let r = c
        .post(
            "/login",
            &[
                ("username", "baocao.nghean"),
                ("password", "sai mật khẩu rồi"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Tên đăng nhập hoặc mật khẩu không đúng"));
    assert!(!c.cookies.contains_key("egov_session"));
    // An unknown user gets the same answer.
    let r = c
        .post(
            "/login",
            &[
                ("username", "khong.ton.tai"),
                ("password", "whatever-123456"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    c.login("BaoCao.NgheAn", &password, None).await;
    let me = c.get("/api/v1/me").await.json();
    assert_eq!(me["name"], "baocao.nghean");
    assert_eq!(me["grants"][0]["role"], "reporter");
    let actions: Vec<String> = app
        .db
        .fetch_all(
            "SELECT action FROM audit_log WHERE object_type = 'user' ORDER BY seq",
            platform::params![],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String>("action").unwrap())
        .collect();
    assert!(
        actions.contains(&"login.failure".to_owned())
            && actions.contains(&"login.success".to_owned())
    );

    let r = c.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
});

on_both!(
    administrators_must_use_a_second_factor,
    async |app: &TestApp| {
        // Created without TOTP, as `egov demo` does: sent to enrolment first.
        let id = identity::create_user(
            &app.db,
            &Actor::system("test"),
            identity::NewUser {
                username: "quantri".into(),
                display_name: "Quản trị".into(),
                email: None,
                password: "mật khẩu quản trị 2026".into(),
                locale: None,
                must_change_password: false,
                is_demo: false,
            },
            Some((Role::SystemAdmin, Scope::National)),
        )
        .await
        .unwrap();
        let mut c = app.client();
        let r = c
            .post(
                "/login",
                &[
                    ("username", "quantri"),
                    ("password", "mật khẩu quản trị 2026"),
                ],
            )
            .await;
        assert_eq!(r.location(), "/account/totp");
        // Not yet usable.
        let r = c.get("/admin/users").await;
        assert_eq!(r.location(), "/account/totp");
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        // Enrol: the page shows the secret; a wrong code is refused, the right one accepted.
        let page = c.get("/account/totp").await;
        assert_eq!(page.status, StatusCode::OK);
        let secret = identity::get_user(&app.db, id)
            .await
            .unwrap()
            .unwrap()
            .totp_secret_with(Some(&crate::support::test_totp_key()))
            .unwrap();
        assert!(page.body.contains(&secret));
        let r = c.post("/account/totp", &[("code", "000000")]).await;
        assert!(r.body.contains("Mã xác thực không đúng"));
        let code = c.fresh_totp_code("quantri", &secret).await;
        let r = c.post("/account/totp", &[("code", &code)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(c.get("/admin/users").await.status, StatusCode::OK);
        // Next sign-in asks for the code.
        let mut c2 = app.client();
        c2.login("quantri", "mật khẩu quản trị 2026", Some(&secret))
            .await;
        assert_eq!(c2.get("/admin/audit").await.status, StatusCode::OK);
    }
);

on_both!(sessions_end_everywhere, async |app: &TestApp| {
    let (password, _) = app.user("hai.maytinh", Role::Viewer, Scope::National).await;
    let mut a = app.client();
    let mut b = app.client();
    a.login("hai.maytinh", &password, None).await;
    b.login("hai.maytinh", &password, None).await;
    assert_eq!(b.get("/api/v1/me").await.status, StatusCode::OK);
    let r = a.post("/account/logout-all", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(a.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(b.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    // Session ids are stored hashed.
    let cookie = a.cookies.get("egov_session").cloned().unwrap_or_default();
    let raw = app
        .count_where(
            "SELECT COUNT(*) AS n FROM sessions WHERE id_hash = $1",
            &cookie,
        )
        .await;
    assert_eq!(raw, 0);
});

on_both!(
    forms_need_the_csrf_token_and_same_origin,
    async |app: &TestApp| {
        let (password, _) = app.user("csrf.test", Role::Viewer, Scope::National).await;
        let mut c = app.client();
        c.get("/login").await;
        let r = c
            .post_without_csrf(
                "/login",
                &[("username", "csrf.test"), ("password", &password)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.body.contains("Biểu mẫu đã hết hạn"));
        c.login("csrf.test", &password, None).await;
        for path in [
            "/logout",
            "/account/logout-all",
            "/lang",
            "/account/password",
            "/admin/users",
            "/admin/tokens",
        ] {
            let r = c.post_without_csrf(path, &[("lang", "en")]).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        }
        // Still signed in: nothing above took effect.
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::OK);
    }
);

on_both!(forced_password_change, async |app: &TestApp| {
    let u = identity::create_user(
        &app.db,
        &Actor::system("test"),
        identity::NewUser {
            username: "moi.tao".into(),
            display_name: "Mới tạo".into(),
            email: None,
            password: "mật khẩu ban đầu 1".into(),
            locale: None,
            must_change_password: true,
            is_demo: false,
        },
        Some((Role::Viewer, Scope::National)),
    )
    .await
    .unwrap();
    let mut c = app.client();
    let r = c
        .post(
            "/login",
            &[("username", "moi.tao"), ("password", "mật khẩu ban đầu 1")],
        )
        .await;
    assert_eq!(
        r.location(),
        "/account/password",
        "sent straight to change the temporary password"
    );
    assert_eq!(c.get("/account").await.location(), "/account/password");
    let r = c
        .post(
            "/account/password",
            &[
                ("current", "mật khẩu ban đầu 1"),
                ("new_password", "ngắn"),
                ("confirm", "ngắn"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("ít nhất 12 ký tự"));
    let r = c
        .post(
            "/account/password",
            &[
                ("current", "mật khẩu ban đầu 1"),
                ("new_password", "một câu dài dễ nhớ"),
                ("confirm", "một câu dài dễ nhớ"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/login");
    let user = identity::get_user(&app.db, u).await.unwrap().unwrap();
    assert!(!user.must_change_password);
    assert!(user.password_hash.starts_with("$argon2id$"));
    c.login("moi.tao", "một câu dài dễ nhớ", None).await;
    assert_eq!(c.get("/account").await.status, StatusCode::OK);
});

on_both!(
    api_tokens_are_scoped_hashed_and_revocable,
    async |app: &TestApp| {
        let scope = app.scope("unit", "40").await;
        let (id, secret) = tokens::create(
            &app.db,
            &Actor::system("test"),
            "Sở KH&ĐT Nghệ An",
            Role::Reporter,
            scope,
            30,
        )
        .await
        .unwrap();
        assert!(secret.starts_with("egov_"));
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM api_tokens WHERE token_hash = $1",
                &secret
            )
            .await,
            0
        );
        let mut c = app.client();
        c.bearer = Some(secret.clone());
        let me = c.get("/api/v1/me").await.json();
        assert_eq!(me["grants"][0]["role"], "reporter");
        assert_eq!(me["grants"][0]["scope_kind"], "unit");
        // A wrong token is refused with the envelope.
        let mut bad = app.client();
        bad.bearer = Some("egov_not-a-real-token".into());
        let r = bad.get("/api/v1/me").await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (StatusCode::UNAUTHORIZED, "token_invalid")
        );
        tokens::revoke(&app.db, &Actor::system("test"), id)
            .await
            .unwrap();
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        // Expired tokens are refused too.
        let (id2, secret2) = tokens::create(
            &app.db,
            &Actor::system("test"),
            "hết hạn",
            Role::Viewer,
            Scope::National,
            1,
        )
        .await
        .unwrap();
        app.db
            .execute(
                "UPDATE api_tokens SET expires_at = 1 WHERE id = $1",
                platform::params![id2],
            )
            .await
            .unwrap();
        c.bearer = Some(secret2);
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        // Bad token requests are refused with precise errors.
        let e = tokens::create(
            &app.db,
            &Actor::system("test"),
            "",
            Role::Viewer,
            Scope::National,
            1,
        )
        .await
        .unwrap_err();
        assert_eq!(e.problems[0].code, "token_name_invalid");
        let e = tokens::create(
            &app.db,
            &Actor::system("test"),
            "x",
            Role::SystemAdmin,
            Scope::National,
            1,
        )
        .await
        .unwrap_err();
        assert_eq!(e.problems[0].code, "token_role_invalid");
    }
);

on_both!(
    language_follows_profile_cookie_and_header,
    async |app: &TestApp| {
        let mut c = app.client();
        assert!(c.get("/").await.body.contains("<html lang=\"vi\">"));
        c.lang = Some("en-US,en;q=0.9");
        assert!(c.get("/").await.body.contains("<html lang=\"en\">"));
        let r = c.post("/lang", &[("lang", "vi"), ("next", "/units")]).await;
        assert_eq!(r.location(), "/units");
        assert!(c.get("/").await.body.contains("Nền tảng Chính phủ số"));
        // A signed-in user's choice is kept in the profile.
        let (password, _) = app.user("ngon.ngu", Role::Viewer, Scope::National).await;
        let mut u = app.client();
        u.login("ngon.ngu", &password, None).await;
        u.post("/lang", &[("lang", "en"), ("next", "/")]).await;
        let mut fresh = app.client();
        fresh.login("ngon.ngu", &password, None).await;
        assert!(fresh.get("/account").await.body.contains("My account"));
    }
);
