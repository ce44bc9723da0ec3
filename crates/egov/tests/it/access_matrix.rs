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
        assert_eq!(r.status, StatusCode::FORBIDDEN);
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
