//! The permission matrix: every protected endpoint × every role × own / foreign scope, against an
//! expected table written out by hand (not derived from the code under test). Own scope is
//! Nghệ An (40); foreign is Hà Tĩnh (42).

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::{Client, TestApp};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    SystemAdmin,
    AgencyAdmin,
    Reporter,
    Approver,
    Viewer,
}

const EVERYONE: [Who; 6] = [
    Who::Anonymous,
    Who::SystemAdmin,
    Who::AgencyAdmin,
    Who::Reporter,
    Who::Approver,
    Who::Viewer,
];

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    ListUsers,
    CreateUser,
    ViewUser,
    DisableUser,
    ResetPassword,
    GrantRole,
    ListTokens,
    CreateToken,
    Audit,
    Me,
    Account,
}

const ENDPOINTS: [Endpoint; 11] = [
    Endpoint::ListUsers,
    Endpoint::CreateUser,
    Endpoint::ViewUser,
    Endpoint::DisableUser,
    Endpoint::ResetPassword,
    Endpoint::GrantRole,
    Endpoint::ListTokens,
    Endpoint::CreateToken,
    Endpoint::Audit,
    Endpoint::Me,
    Endpoint::Account,
];

const OK: u16 = 200;
const CREATED: u16 = 201;
const REDIRECT: u16 = 303;
const UNAUTH: u16 = 401;
const FORBID: u16 = 403;

/// The expected status, by hand. `own` = the object lies in Nghệ An, else Hà Tĩnh.
fn expected(e: Endpoint, who: Who, own: bool) -> u16 {
    use Endpoint::*;
    use Who::*;
    let admin_in_scope = who == SystemAdmin || (who == AgencyAdmin && own);
    match (e, who) {
        (Me, Anonymous) => UNAUTH,
        (_, Anonymous) => REDIRECT, // to the sign-in page
        (Me | Account, _) => OK,
        (ListUsers | ListTokens, SystemAdmin | AgencyAdmin) => OK,
        (Audit, SystemAdmin) => OK,
        (CreateUser | CreateToken, _) if admin_in_scope => CREATED,
        // An administrator choosing a scope outside its own on the form: refused on the form,
        // which comes back with the error on the scope field (issue 11 item 13).
        (CreateUser | CreateToken, AgencyAdmin) => 422,
        (ViewUser | ResetPassword, _) if admin_in_scope => OK,
        (DisableUser | GrantRole, _) if admin_in_scope => REDIRECT,
        _ => FORBID,
    }
}

async fn call(app: &TestApp, c: &mut Client, e: Endpoint, own: bool, n: usize) -> u16 {
    let code = if own { "40" } else { "42" };
    let target = async |tag: &str| {
        let scope = app.scope("unit", code).await;
        let name = format!("t.{tag}.{n}");
        app.user(&name, Role::Viewer, scope).await;
        platform::identity::find_user(&app.db, &name)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let r = match e {
        Endpoint::ListUsers => c.get("/admin/users").await,
        Endpoint::CreateUser => {
            let name = format!("new.{n}");
            c.post(
                "/admin/users",
                &[
                    ("username", &name),
                    ("display_name", "Người mới"),
                    ("role", "reporter"),
                    ("scope_kind", "unit"),
                    ("scope_code", code),
                ],
            )
            .await
        }
        Endpoint::ViewUser => {
            let id = target("view").await;
            c.get(&format!("/admin/users/{id}")).await
        }
        Endpoint::DisableUser => {
            let id = target("disable").await;
            c.post(&format!("/admin/users/{id}/disable"), &[]).await
        }
        Endpoint::ResetPassword => {
            let id = target("reset").await;
            c.post(&format!("/admin/users/{id}/reset-password"), &[])
                .await
        }
        Endpoint::GrantRole => {
            let id = target("grant").await;
            c.post(
                &format!("/admin/users/{id}/grants"),
                &[
                    ("role", "approver"),
                    ("scope_kind", "unit"),
                    ("scope_code", code),
                ],
            )
            .await
        }
        Endpoint::ListTokens => c.get("/admin/tokens").await,
        Endpoint::CreateToken => {
            c.post(
                "/admin/tokens",
                &[
                    ("name", "hệ thống"),
                    ("role", "reporter"),
                    ("scope_kind", "unit"),
                    ("scope_code", code),
                    ("days", "30"),
                ],
            )
            .await
        }
        Endpoint::Audit => c.get("/admin/audit").await,
        Endpoint::Me => c.get("/api/v1/me").await,
        Endpoint::Account => c.get("/account").await,
    };
    r.status.as_u16()
}

on_both!(
    every_endpoint_every_role_own_and_foreign_scope,
    async |app: &TestApp| {
        let own = app.scope("unit", "40").await;
        let mut clients = Vec::new();
        for who in EVERYONE {
            let c = match who {
                Who::Anonymous => app.client(),
                Who::SystemAdmin => {
                    app.signed_in("m.sys", Role::SystemAdmin, Scope::National)
                        .await
                }
                Who::AgencyAdmin => {
                    let pc = app.scope("agency", "ubnd-40").await;
                    app.signed_in("m.admin", Role::AgencyAdmin, pc).await
                }
                Who::Reporter => app.signed_in("m.reporter", Role::Reporter, own).await,
                Who::Approver => app.signed_in("m.approver", Role::Approver, own).await,
                Who::Viewer => app.signed_in("m.viewer", Role::Viewer, own).await,
            };
            clients.push((who, c));
        }
        let mut failures = Vec::new();
        let mut n = 0;
        for e in ENDPOINTS {
            for (who, c) in clients.iter_mut() {
                for is_own in [true, false] {
                    n += 1;
                    let got = call(app, c, e, is_own, n).await;
                    let want = expected(e, *who, is_own);
                    if got != want {
                        failures.push(format!(
                            "{e:?} as {who:?} ({}): got {got}, want {want}",
                            if is_own { "own" } else { "foreign" }
                        ));
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "permission matrix mismatches:\n{}",
            failures.join("\n")
        );
    }
);

on_both!(
    agency_admin_sees_only_users_in_scope,
    async |app: &TestApp| {
        let na = app.scope("unit", "40").await;
        let ht = app.scope("unit", "42").await;
        app.user("o.nghean", Role::Reporter, na).await;
        app.user("o.hatinh", Role::Reporter, ht).await;
        let pc = app.scope("agency", "ubnd-40").await;
        let mut c = app.signed_in("qt.na", Role::AgencyAdmin, pc).await;
        let page = c.get("/admin/users").await;
        assert!(page.body.contains("o.nghean"));
        assert!(!page.body.contains("o.hatinh"));
        // Cannot hand out system administration.
        let r = c
            .post(
                "/admin/users",
                &[
                    ("username", "leo.thang"),
                    ("display_name", "X"),
                    ("role", "system_admin"),
                    ("scope_kind", "national"),
                ],
            )
            .await;
        // Refused on the form, which comes back with what was typed (issue 11 item 13).
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("value=\"leo.thang\""), "{}", r.body);
        assert!(
            platform::identity::find_user(&app.db, "leo.thang")
                .await
                .unwrap()
                .is_none()
        );
    }
);

on_both!(
    agency_admin_cannot_touch_grants_of_users_outside_its_scope,
    async |app: &TestApp| {
        let ht = app.scope("unit", "42").await;
        app.user("o.hatinh", Role::Reporter, ht).await;
        let pc = app.scope("agency", "ubnd-40").await;
        let mut c = app.signed_in("qt.na2", Role::AgencyAdmin, pc).await;
        let other = platform::identity::find_user(&app.db, "o.hatinh")
            .await
            .unwrap()
            .unwrap();
        // A role in its own scope (Nghệ An), handed to a user of Hà Tĩnh: refused.
        let r = c
            .post(
                &format!("/admin/users/{}/grants", other.id),
                &[
                    ("role", "viewer"),
                    ("scope_kind", "unit"),
                    ("scope_code", "40"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let dir = registry::RegistryDirectory { db: app.db.clone() };
        let grants = platform::identity::grants_of(&app.db, &dir, other.id)
            .await
            .unwrap();
        assert_eq!(grants.len(), 1);
        let r = c
            .post(
                &format!("/admin/users/{}/grants/{}/revoke", other.id, grants[0].id),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            platform::identity::grants_of(&app.db, &dir, other.id)
                .await
                .unwrap()
                .len(),
            1
        );
    }
);

// ---------------------------------------------------------------------------------------------
// Role rank: no one acts on a role above their own. Callers: a system administrator, a
// *national* agency administrator (every scope, a lower rank) and the agency administrator of
// Nghệ An's People's Committee. Targets: an account (or a new account, or a token) of each role,
// national for the system administrator, Nghệ An for the others. Expected by hand.

#[derive(Clone, Copy, Debug, PartialEq)]
enum Admin {
    System,
    NationalAgency,
    ProvincialAgency,
}

#[derive(Clone, Copy, Debug)]
enum AdminAction {
    ViewUser,
    ResetPassword,
    Disable,
    GrantViewer,
    RevokeGrant,
    CreateUser,
    CreateToken,
}

const ADMIN_ACTIONS: [AdminAction; 7] = [
    AdminAction::ViewUser,
    AdminAction::ResetPassword,
    AdminAction::Disable,
    AdminAction::GrantViewer,
    AdminAction::RevokeGrant,
    AdminAction::CreateUser,
    AdminAction::CreateToken,
];

/// May `who` act on an account (or a token) holding `role`? Written out, not computed by rank.
fn rank_allows(who: Admin, role: Role) -> bool {
    use Role::*;
    match (who, role) {
        (Admin::System, _) => true,
        (Admin::NationalAgency, SystemAdmin) => false,
        (Admin::NationalAgency, AgencyAdmin | Approver | Reporter | Viewer) => true,
        (Admin::ProvincialAgency, SystemAdmin) => false,
        (Admin::ProvincialAgency, AgencyAdmin | Approver | Reporter | Viewer) => true,
    }
}

fn expected_rank(a: AdminAction, who: Admin, role: Role) -> u16 {
    let ok = rank_allows(who, role);
    match a {
        // An API token never carries the system administrator role, whoever asks.
        AdminAction::CreateToken if role == Role::SystemAdmin && ok => 422,
        // A new account's or token's role is a choice on its form: refused on the form (issue
        // 11 item 13), the form coming back with the error on the role field.
        AdminAction::CreateUser | AdminAction::CreateToken if !ok => 422,
        _ if !ok => FORBID,
        AdminAction::ViewUser | AdminAction::ResetPassword => OK,
        AdminAction::Disable | AdminAction::GrantViewer | AdminAction::RevokeGrant => REDIRECT,
        AdminAction::CreateUser | AdminAction::CreateToken => CREATED,
    }
}

/// The scope form fields of a role's scope: national for system administrators, else Nghệ An.
fn scope_fields(role: Role) -> [(&'static str, &'static str); 2] {
    if role == Role::SystemAdmin {
        [("scope_kind", "national"), ("scope_code", "")]
    } else {
        [("scope_kind", "unit"), ("scope_code", "40")]
    }
}

async fn rank_call(
    app: &TestApp,
    c: &mut Client,
    a: AdminAction,
    role: Role,
    n: usize,
) -> (u16, String) {
    let scope = if role == Role::SystemAdmin {
        Scope::National
    } else {
        app.scope("unit", "40").await
    };
    let name = format!("r.{}.{n}", role.as_str().replace('_', "-"));
    let sf = scope_fields(role);
    let r = match a {
        AdminAction::CreateUser => {
            let mut f = vec![
                ("username", name.as_str()),
                ("display_name", "Người mới"),
                ("role", role.as_str()),
            ];
            f.extend(sf);
            let r = c.post("/admin/users", &f).await;
            let made = platform::identity::find_user(&app.db, &name)
                .await
                .unwrap()
                .is_some();
            assert_eq!(made, r.status == StatusCode::CREATED, "{a:?} {role:?}");
            r
        }
        AdminAction::CreateToken => {
            let before = app.count("SELECT COUNT(*) AS n FROM api_tokens").await;
            let mut f = vec![
                ("name", "hệ thống khác"),
                ("role", role.as_str()),
                ("days", "730"),
            ];
            f.extend(sf);
            let r = c.post("/admin/tokens", &f).await;
            let after = app.count("SELECT COUNT(*) AS n FROM api_tokens").await;
            assert_eq!(
                after - before,
                i64::from(r.status == StatusCode::CREATED),
                "{a:?} {role:?}"
            );
            r
        }
        _ => {
            app.user(&name, role, scope).await;
            let u = platform::identity::find_user(&app.db, &name)
                .await
                .unwrap()
                .unwrap();
            let id = u.id;
            let r = match a {
                AdminAction::ViewUser => c.get(&format!("/admin/users/{id}")).await,
                AdminAction::ResetPassword => {
                    c.post(&format!("/admin/users/{id}/reset-password"), &[])
                        .await
                }
                AdminAction::Disable => c.post(&format!("/admin/users/{id}/disable"), &[]).await,
                AdminAction::GrantViewer => {
                    c.post(
                        &format!("/admin/users/{id}/grants"),
                        &[
                            ("role", "viewer"),
                            ("scope_kind", "unit"),
                            ("scope_code", "40"),
                        ],
                    )
                    .await
                }
                AdminAction::RevokeGrant => {
                    let dir = registry::RegistryDirectory { db: app.db.clone() };
                    let g = platform::identity::grants_of(&app.db, &dir, id)
                        .await
                        .unwrap();
                    c.post(&format!("/admin/users/{id}/grants/{}/revoke", g[0].id), &[])
                        .await
                }
                _ => unreachable!(),
            };
            // Refused: the account is exactly as it was (password, state, grants).
            if r.status == StatusCode::FORBIDDEN {
                let now = platform::identity::get_user(&app.db, id)
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(now.password_hash, u.password_hash, "{a:?} {role:?}");
                assert!(now.is_active && !now.must_change_password, "{a:?} {role:?}");
                let dir = registry::RegistryDirectory { db: app.db.clone() };
                let grants = platform::identity::grants_of(&app.db, &dir, id)
                    .await
                    .unwrap();
                assert_eq!(grants.len(), 1, "{a:?} {role:?}");
                assert!(!r.body.contains("new-password"), "no temporary password");
            }
            r
        }
    };
    (r.status.as_u16(), r.body)
}

on_both!(role_rank_matrix_of_administrators, async |app: &TestApp| {
    let pc = app.scope("agency", "ubnd-40").await;
    let mut callers = vec![
        (
            Admin::System,
            app.signed_in("rk.sys", Role::SystemAdmin, Scope::National)
                .await,
        ),
        (
            Admin::NationalAgency,
            app.signed_in("rk.natadmin", Role::AgencyAdmin, Scope::National)
                .await,
        ),
        (
            Admin::ProvincialAgency,
            app.signed_in("rk.qt40", Role::AgencyAdmin, pc).await,
        ),
    ];
    let mut failures = Vec::new();
    let mut n = 0;
    for a in ADMIN_ACTIONS {
        for (who, c) in callers.iter_mut() {
            for role in Role::ALL {
                n += 1;
                let (got, body) = rank_call(app, c, a, role, n).await;
                let want = expected_rank(a, *who, role);
                if got != want {
                    failures.push(format!(
                        "{a:?} by {who:?} on {role:?}: got {got}, want {want}"
                    ));
                }
                // A refusal because of rank says so, in the caller's language (Vietnamese).
                if !rank_allows(*who, role)
                    && got == want
                    && *who == Admin::NationalAgency
                    && !body.contains("vai trò cao hơn vai trò của mình")
                {
                    failures.push(format!("{a:?} by {who:?} on {role:?}: no rank message"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "role rank mismatches:\n{}",
        failures.join("\n")
    );
    // The list of users shows no account above the caller.
    let mut nat = callers.remove(1).1;
    let page = nat.get("/admin/users").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("rk.qt40") && !page.body.contains("rk.sys"));
    // Nor can it offer a role above the caller's own.
    assert!(!page.body.contains("value=\"system_admin\""));
});

// ---------------------------------------------------------------------------------------------
// API tokens work on the JSON API only, never on the cookie/CSRF forms and pages — even when the
// client sets its own CSRF cookie and field (the double-submit check alone cannot tell).

on_both!(
    api_tokens_are_refused_by_every_html_form_and_page,
    async |app: &TestApp| {
        use platform::audit::Actor;
        let (sys_pw, _) = app.user("tk.sys", Role::SystemAdmin, Scope::National).await;
        let sys = platform::identity::find_user(&app.db, "tk.sys")
            .await
            .unwrap()
            .unwrap();
        // The token: national, agency administrator, 730 days.
        let (_, secret) = platform::identity::tokens::create(
            &app.db,
            &Actor::system("t"),
            "tích hợp",
            Role::AgencyAdmin,
            Scope::National,
            730,
        )
        .await
        .unwrap();
        let mut c = app.client();
        c.bearer = Some(secret);
        // The client makes up its own CSRF cookie and sends the same value as the field.
        c.cookies.insert("egov_csrf".into(), "x".repeat(43));
        let audit_before = app.audit_count().await;
        let tokens_before = app.count("SELECT COUNT(*) AS n FROM api_tokens").await;
        let users_before = app.count("SELECT COUNT(*) AS n FROM users").await;

        type Fields = Vec<(&'static str, &'static str)>;
        let attempts: Vec<(&str, String, Fields)> = vec![
            (
                "POST",
                format!("/admin/users/{}/reset-password", sys.id),
                vec![],
            ),
            ("POST", format!("/admin/users/{}/disable", sys.id), vec![]),
            (
                "POST",
                format!("/admin/users/{}/grants", sys.id),
                vec![("role", "viewer"), ("scope_kind", "national")],
            ),
            (
                "POST",
                "/admin/users".into(),
                vec![
                    ("username", "tk.new"),
                    ("display_name", "X"),
                    ("role", "viewer"),
                    ("scope_kind", "national"),
                ],
            ),
            (
                "POST",
                "/admin/tokens".into(),
                vec![
                    ("name", "x"),
                    ("role", "agency_admin"),
                    ("scope_kind", "national"),
                    ("days", "730"),
                ],
            ),
            ("GET", "/admin/users".into(), vec![]),
            ("GET", format!("/admin/users/{}", sys.id), vec![]),
            ("GET", "/admin/tokens".into(), vec![]),
            ("POST", "/lang".into(), vec![("lang", "en")]),
            (
                "POST",
                "/reporting/40/202509".into(),
                vec![("action", "save")],
            ),
        ];
        for (method, path, fields) in attempts {
            let r = if method == "POST" {
                c.post(&path, &fields).await
            } else {
                c.get(&path).await
            };
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{method} {path}: {}",
                r.body
            );
            assert!(
                r.body.contains("Khóa API chỉ dùng được với API JSON"),
                "{method} {path}: {}",
                r.body
            );
        }
        // Nothing changed: the system administrator's password and state, users, tokens, audit.
        let after = platform::identity::get_user(&app.db, sys.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.password_hash, sys.password_hash);
        assert!(after.is_active);
        assert_eq!(app.audit_count().await, audit_before);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM api_tokens").await,
            tokens_before
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM users").await,
            users_before
        );
        // The token still works where it belongs: the JSON API.
        let me = c.get("/api/v1/me").await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.body);
        assert_eq!(me.json()["grants"][0]["role"], "agency_admin");
        // And the system administrator still signs in with the old password.
        let mut s = app.client();
        let r = s
            .post(
                "/login",
                &[("username", "tk.sys"), ("password", &sys_pw), ("next", "/")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // A session, by contrast, works on both: pages and the JSON API.
        let mut v = app
            .signed_in("tk.viewer", Role::Viewer, Scope::National)
            .await;
        assert_eq!(v.get("/api/v1/me").await.status, StatusCode::OK);
        assert_eq!(v.get("/account").await.status, StatusCode::OK);
    }
);

// ---------------------------------------------------------------------------------------------
// Administrative actions need a session that completed the second factor: an official granted
// an administrator role after signing in with a password only cannot administer from that
// session.

on_both!(
    administration_needs_a_session_with_the_second_factor,
    async |app: &TestApp| {
        use platform::audit::Actor;
        let na = app.scope("unit", "40").await;
        let pc = app.scope("agency", "ubnd-40").await;
        let mut c = app.signed_in("mfa.later", Role::Viewer, na).await;
        let u = platform::identity::find_user(&app.db, "mfa.later")
            .await
            .unwrap()
            .unwrap();
        // Made an administrator while signed in with a password only.
        platform::identity::add_grant(&app.db, &Actor::system("t"), u.id, Role::AgencyAdmin, pc)
            .await
            .unwrap();
        app.user("mfa.target", Role::Viewer, na).await;
        let target = platform::identity::find_user(&app.db, "mfa.target")
            .await
            .unwrap()
            .unwrap();
        let users_before = app.count("SELECT COUNT(*) AS n FROM users").await;
        let r = c.get("/admin/users").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("xác thực hai lớp"), "{}", r.body);
        let r = c
            .post(
                "/admin/users",
                &[
                    ("username", "mfa.new"),
                    ("display_name", "X"),
                    ("role", "reporter"),
                    ("scope_kind", "unit"),
                    ("scope_code", "40"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = c
            .post(&format!("/admin/users/{}/reset-password", target.id), &[])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = c
            .post(
                "/admin/tokens",
                &[
                    ("name", "x"),
                    ("role", "viewer"),
                    ("scope_kind", "unit"),
                    ("scope_code", "40"),
                    ("days", "30"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM users").await,
            users_before
        );
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM api_tokens").await, 0);
        let after = platform::identity::get_user(&app.db, target.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.password_hash, target.password_hash);
        // Signed in again, the second factor is due (enrolment first): the same rules as any
        // administrator; once done, administration works.
        let mut fresh = app.client();
        let r = fresh
            .post(
                "/login",
                &[
                    ("username", "mfa.later"),
                    ("password", "Mật khẩu thử nghiệm 2026"),
                    ("next", "/admin/users"),
                ],
            )
            .await;
        assert_eq!(r.location(), "/account/totp");
        assert_eq!(
            fresh.get("/admin/users").await.status,
            StatusCode::SEE_OTHER
        );
        fresh.get("/account/totp").await;
        let sealed = platform::identity::get_user(&app.db, u.id)
            .await
            .unwrap()
            .unwrap()
            .totp_secret
            .unwrap();
        let secret = crate::support::test_totp_key().open(u.id, &sealed).unwrap();
        let code = platform::identity::totp::current(&secret).unwrap();
        let r = fresh.post("/account/totp", &[("code", &code)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(fresh.get("/admin/users").await.status, StatusCode::OK);
    }
);

// ---------------------------------------------------------------------------------------------
// The same rules in the domain functions (`platform::identity::manage`), whatever the way in.

on_both!(
    domain_functions_check_rank_scope_and_credential,
    async |app: &TestApp| {
        use platform::audit::Actor;
        use platform::identity::manage::{self, Caller, Credential};
        let dir = registry::RegistryDirectory { db: app.db.clone() };
        let na = app.scope("unit", "40").await;
        let ht = app.scope("unit", "42").await;
        app.user("d.sys", Role::SystemAdmin, Scope::National).await;
        app.user("d.nat", Role::AgencyAdmin, Scope::National).await;
        app.user("d.na", Role::AgencyAdmin, na).await;
        app.user("d.viewer", Role::Viewer, na).await;
        let id = async |name: &str| {
            platform::identity::find_user(&app.db, name)
                .await
                .unwrap()
                .unwrap()
                .id
        };
        let grants = async |name: &str| {
            platform::identity::grants_of(&app.db, &dir, id(name).await)
                .await
                .unwrap()
        };
        let (sys, nat, adm_na, viewer) = (
            id("d.sys").await,
            id("d.nat").await,
            id("d.na").await,
            id("d.viewer").await,
        );
        fn caller<'a>(
            name: &str,
            uid: i64,
            grants: &'a [platform::identity::access::Grant],
            credential: Credential,
        ) -> Caller<'a> {
            Caller {
                actor: Actor {
                    user_id: Some(uid),
                    name: name.into(),
                    ip: None,
                },
                grants,
                credential,
            }
        }
        let g_nat = grants("d.nat").await;
        let g_na = grants("d.na").await;
        let (g_nat, g_na) = (g_nat.as_slice(), g_na.as_slice());
        let two_fa = Credential::Session { two_factor: true };
        let nat_c = caller("d.nat", nat, g_nat, two_fa);
        fn code<T>(r: Result<T, platform::error::AppError>) -> String {
            match r {
                Ok(_) => "ok".to_owned(),
                Err(e) => e.problems[0].code.to_owned(),
            }
        }
        let new = |u: &str| platform::identity::NewUser {
            username: u.into(),
            display_name: "Người mới".into(),
            email: None,
            password: "Mật khẩu thử nghiệm 2026".into(),
            locale: None,
            must_change_password: true,
            is_demo: false,
        };
        // A national agency administrator: not over system administrators.
        assert_eq!(
            code(manage::reset_password(&app.db, &dir, &nat_c, sys).await),
            "role_above_own"
        );
        assert_eq!(
            code(manage::set_active(&app.db, &dir, &nat_c, sys, false).await),
            "role_above_own"
        );
        assert_eq!(
            code(manage::view_user(&app.db, &dir, &nat_c, sys).await),
            "role_above_own"
        );
        assert_eq!(
            code(
                manage::create_user(
                    &app.db,
                    &dir,
                    &nat_c,
                    new("d.new.sys"),
                    Role::SystemAdmin,
                    Scope::National
                )
                .await
            ),
            "role_above_own"
        );
        assert_eq!(
            code(
                manage::add_grant(
                    &app.db,
                    &dir,
                    &nat_c,
                    viewer,
                    Role::SystemAdmin,
                    Scope::National
                )
                .await
            ),
            "role_above_own"
        );
        let sys_grant = grants("d.sys").await[0].id;
        assert_eq!(
            code(manage::revoke_grant(&app.db, &dir, &nat_c, sys, sys_grant).await),
            "role_above_own"
        );
        // …but over its peers and those below, everywhere.
        assert_eq!(
            code(manage::reset_password(&app.db, &dir, &nat_c, adm_na).await),
            "ok"
        );
        assert_eq!(
            code(manage::create_token(&app.db, &dir, &nat_c, "x", Role::AgencyAdmin, ht, 30).await),
            "ok"
        );
        // A provincial administrator: its own scope only.
        let na_c = caller("d.na", adm_na, g_na, two_fa);
        assert_eq!(
            code(manage::create_token(&app.db, &dir, &na_c, "x", Role::Viewer, ht, 30).await),
            "forbidden"
        );
        assert_eq!(
            code(
                manage::create_token(
                    &app.db,
                    &dir,
                    &na_c,
                    "x",
                    Role::AgencyAdmin,
                    Scope::National,
                    730
                )
                .await
            ),
            "forbidden"
        );
        assert_eq!(
            code(manage::create_token(&app.db, &dir, &na_c, "x", Role::Reporter, na, 30).await),
            "ok"
        );
        assert_eq!(
            code(manage::set_active(&app.db, &dir, &na_c, nat, false).await),
            "forbidden"
        );
        // A token minted by the national administrator for Hà Tĩnh is not the province's to
        // revoke.
        let ht_token = platform::identity::tokens::list(&app.db)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.role == "agency_admin")
            .unwrap();
        assert_eq!(
            code(manage::revoke_token(&app.db, &dir, &na_c, ht_token.id).await),
            "forbidden"
        );
        // Credentials: a token never administers; a session without the second factor neither.
        for (credential, want) in [
            (Credential::Token, "admin_needs_session"),
            (
                Credential::Session { two_factor: false },
                "two_factor_required",
            ),
        ] {
            let c = caller("d.nat", nat, g_nat, credential);
            assert_eq!(
                code(manage::reset_password(&app.db, &dir, &c, viewer).await),
                want
            );
            assert_eq!(
                code(manage::create_user(&app.db, &dir, &c, new("d.new2"), Role::Viewer, na).await),
                want
            );
            assert_eq!(
                code(manage::create_token(&app.db, &dir, &c, "x", Role::Viewer, na, 30).await),
                want
            );
            assert_eq!(
                code(manage::revoke_token(&app.db, &dir, &c, ht_token.id).await),
                want
            );
        }
        assert!(
            platform::identity::find_user(&app.db, "d.new2")
                .await
                .unwrap()
                .is_none()
        );
        // The system administrator's password never changed.
        assert!(
            !platform::identity::get_user(&app.db, sys)
                .await
                .unwrap()
                .unwrap()
                .must_change_password
        );
    }
);

// The catalogue is administered too: a system administrator's role granted to a password-only
// session does not let it import indicators or targets.
on_both!(
    catalogue_administration_needs_the_second_factor,
    async |app: &TestApp| {
        use axum::body::Body;
        use http_body_util::BodyExt;
        use platform::audit::Actor;
        use tower::ServiceExt;
        reporting::engine::reference::load_default(&app.db, &Actor::system("t"))
            .await
            .unwrap();
        let mut c = app
            .signed_in("cat.later", Role::Viewer, Scope::National)
            .await;
        let u = platform::identity::find_user(&app.db, "cat.later")
            .await
            .unwrap()
            .unwrap();
        platform::identity::add_grant(
            &app.db,
            &Actor::system("t"),
            u.id,
            Role::SystemAdmin,
            Scope::National,
        )
        .await
        .unwrap();
        let (_, csv) = c.get_bytes("/api/v1/indicators?format=csv").await;
        let cookies: Vec<String> = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for path in [
            "/api/v1/indicators/import?dry_run=true",
            "/api/v1/targets/import?dry_run=true",
        ] {
            let req = axum::http::Request::builder()
                .method("POST")
                .uri(path)
                .header(axum::http::header::HOST, "localhost")
                .header(axum::http::header::CONTENT_TYPE, "text/csv")
                .header(axum::http::header::COOKIE, cookies.join("; "))
                .body(Body::from(csv.clone()))
                .unwrap();
            let res = app.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            let body = String::from_utf8_lossy(&body);
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
            assert!(body.contains("two_factor_required"), "{path}: {body}");
        }
    }
);
