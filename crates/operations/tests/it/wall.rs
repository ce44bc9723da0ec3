//! Issue 12: wall mode, display tokens and configurable dashboards.

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};
use testkit::Client;

use crate::on_both;
use crate::support::TestApp;

/// The text between `start` and the next `end` in `body`.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let i = body
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {body}"))
        + start.len();
    let j = body[i..].find(end).unwrap() + i;
    &body[i..j]
}

async fn admin(app: &TestApp) -> Client {
    app.signed_in("qt.tuong", Role::SystemAdmin, Scope::National)
        .await
}

/// An administrator creates a display; returns its id and the one-time token from the page.
async fn create_display(admin: &mut Client, app: &TestApp, access: &str) -> (i64, String) {
    let r = admin
        .post(
            "/operations/admin/displays",
            &[
                ("name", "Màn hình tường — Phòng họp A"),
                ("playlist", ""),
                ("access", access),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = between(&r.body, "id=\"activation-code\">", "<").to_owned();
    assert!(token.starts_with("egovd_"), "{token}");
    assert!(r.body.contains(&format!("/wall/activate?token={token}")));
    let id = app
        .db
        .fetch_one("SELECT MAX(id) AS n FROM displays", platform::params![])
        .await
        .unwrap()
        .get("n")
        .unwrap();
    (id, token)
}

/// A fresh browser on the wall activates with the token.
async fn activate(app: &TestApp, token: &str) -> Client {
    let mut wall = app.client();
    let r = wall.get(&format!("/wall/activate?token={token}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(token), "the form carries the token");
    let r = wall.post("/wall/activate", &[("token", token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/wall");
    let cookie = r
        .headers
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("egov_display="))
        .expect("a display cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(cookie.contains("Max-Age="), "long-lived: {cookie}");
    wall
}

on_both!(
    a_display_token_activates_once_survives_a_restart_and_ends_at_revoke,
    async |app: &TestApp| {
        let mut admin = admin(app).await;
        let audit_before = app.audit_count().await;
        let (id, token) = create_display(&mut admin, app, "public").await;
        // Stored as its SHA-256 only.
        let hash = platform::identity::sessions::token_hash(&token);
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM displays WHERE activation_hash = $1",
                &hash
            )
            .await,
            1
        );
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM displays WHERE activation_hash = $1 OR name = $1",
                &token
            )
            .await,
            0
        );
        // Shown once: the admin page does not show it again.
        let again = admin.get("/operations/admin").await;
        assert_eq!(again.status, StatusCode::OK);
        assert!(!again.body.contains(&token));
        assert!(again.body.contains("Màn hình tường — Phòng họp A"));

        let mut wall = activate(app, &token).await;
        let r = wall.get("/wall").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("class=\"wall\""));
        assert!(r.body.contains("Màn hình tường — Phòng họp A"));
        assert!(r.body.contains("data-next=\"/wall?step=1\""), "{}", r.body);

        // Once only: another browser cannot use the same token.
        let mut thief = app.client();
        let r = thief.post("/wall/activate", &[("token", &token)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Mã kích hoạt không đúng"), "{}", r.body);
        assert!(!thief.cookies.contains_key("egov_display"));

        // After a restart (another node on the same database) the screen is still signed in.
        let other = app.another_node().await;
        let mut after = other.client();
        after.cookies = wall.cookies.clone();
        let r = after.get("/wall").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("data-next=\"/wall?step=1\""));

        // View-only: every unsafe request from the display is refused, with a valid CSRF field.
        for path in [
            "/wall/activate",
            "/lang",
            "/logout",
            "/operations/admin/dashboards",
            "/reporting/40/202601",
        ] {
            let r = wall.post(path, &[("token", &token), ("lang", "en")]).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
            assert!(r.body.contains("chỉ được xem"), "{path}: {}", r.body);
        }
        let r = wall
            .request("DELETE", "/api/v1/operations/overview", None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.error_code(), "display_read_only");
        // Nor may it administer anything it could read.
        let r = wall.get("/operations/admin").await;
        assert_ne!(r.status, StatusCode::OK);

        // Revoked: its sessions end at once, on every node.
        let r = admin
            .post(&format!("/operations/admin/displays/{id}/revoke"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        for c in [&mut wall, &mut after] {
            let r = c.get("/wall").await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
            assert_eq!(r.location(), "/operations/wall");
        }
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM display_sessions")
                .await,
            0
        );
        // Audited: create, activate, revoke.
        for action in ["display.create", "display.activate", "display.revoke"] {
            assert_eq!(
                app.count_where(
                    "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
                    action
                )
                .await,
                1,
                "{action}"
            );
        }
        assert!(app.audit_count().await >= audit_before + 3);
        other.close().await;
    }
);

on_both!(
    only_an_administrator_makes_displays_and_dashboards,
    async |app: &TestApp| {
        let mut viewer = app
            .signed_in("xem.tuong", Role::Viewer, Scope::National)
            .await;
        let r = viewer.get("/operations/admin").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let nav = "<li><a href=\"/operations/admin\"";
        assert!(!viewer.get("/operations").await.body.contains(nav));
        let mut admin = admin(app).await;
        assert!(admin.get("/operations").await.body.contains(nav));
        let r = viewer
            .post(
                "/operations/admin/displays",
                &[("name", "X"), ("playlist", ""), ("access", "national")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM displays").await, 0);
        let mut anonymous = app.client();
        let r = anonymous.get("/operations/admin").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
);

async fn create_dashboard(
    app: &TestApp,
    admin: &mut Client,
    name: &str,
    audience: &str,
    widgets: &str,
) -> i64 {
    let r = admin
        .post(
            "/operations/admin/dashboards",
            &[("name", name), ("audience", audience), ("widgets", widgets)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.db
        .fetch_one(
            "SELECT MAX(id) AS n FROM ops_dashboards",
            platform::params![],
        )
        .await
        .unwrap()
        .get("n")
        .unwrap()
}

on_both!(
    a_dashboard_is_shown_to_its_audience_only,
    async |app: &TestApp| {
        let mut admin = admin(app).await;
        let officials = create_dashboard(
            app,
            &mut admin,
            "Nội bộ",
            "signed_in",
            r#"[{"kind":"kpi"}]"#,
        )
        .await;
        let approvers = create_dashboard(
            app,
            &mut admin,
            "Phê duyệt",
            "role:approver",
            r#"[{"kind":"compliance"}]"#,
        )
        .await;
        let (_, public_token) = create_display(&mut admin, app, "public").await;
        let (_, national_token) = create_display(&mut admin, app, "national").await;
        let mut public_wall = activate(app, &public_token).await;
        let mut national_wall = activate(app, &national_token).await;
        let mut anonymous = app.client();

        // The shipped overview dashboard is public.
        for c in [&mut anonymous, &mut public_wall, &mut national_wall] {
            let r = c.get("/operations/dashboards/1").await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert!(r.body.contains("Tổng quan quốc gia"));
        }
        let path = format!("/operations/dashboards/{officials}");
        let r = anonymous.get(&path).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "a visitor is asked to sign in"
        );
        assert!(r.location().starts_with("/login?next="));
        assert_eq!(public_wall.get(&path).await.status, StatusCode::FORBIDDEN);
        // Nor is a public display sent to a sign-in step it cannot take.
        assert_eq!(
            public_wall.get("/operations/admin").await.status,
            StatusCode::FORBIDDEN
        );
        let r = national_wall.get(&path).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Nội bộ"));
        assert_eq!(admin.get(&path).await.status, StatusCode::OK);
        // A role's dashboard: the national display is a viewer, not an approver.
        let path = format!("/operations/dashboards/{approvers}");
        assert_eq!(national_wall.get(&path).await.status, StatusCode::FORBIDDEN);
        let mut approver = app
            .signed_in("pheduyet.tuong", Role::Approver, Scope::National)
            .await;
        assert_eq!(approver.get(&path).await.status, StatusCode::OK);
        // Outside the operations center a display is an anonymous visitor.
        let r = national_wall.get("/reporting/worklist").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/login"));
        // The wall leaves out what its audience may not see: the public wall rotates over the
        // public dashboards of a playlist holding the officials' one too.
        let r = admin
            .post(
                "/operations/admin/playlists",
                &[
                    ("name", "Phòng họp A"),
                    ("entries", &format!("{officials} 10\n1 20")),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let playlist: i64 = app
            .db
            .fetch_one(
                "SELECT MAX(id) AS n FROM ops_playlists",
                platform::params![],
            )
            .await
            .unwrap()
            .get("n")
            .unwrap();
        let r = anonymous
            .get(&format!("/operations/wall?playlist={playlist}"))
            .await;
        assert!(r.body.contains("data-seconds=\"20\""), "{}", r.body);
        assert!(r.body.contains("1/1"));
        let r = admin
            .get(&format!("/operations/wall?playlist={playlist}"))
            .await;
        assert!(r.body.contains("data-seconds=\"10\""));
        assert!(r.body.contains("1/2"));
    }
);

on_both!(
    the_wall_rotates_through_its_playlist,
    async |app: &TestApp| {
        let mut c = app.client();
        let r = c.get("/operations/wall").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("<body class=\"wall\">"));
        assert!(
            !r.body.contains("site-header"),
            "no site header on the wall"
        );
        assert!(
            r.body
                .contains("<script src=\"/assets/wall.js\" defer></script>")
        );
        assert!(
            r.body
                .contains("data-live-topics=\"data,reports,conferences\"")
        );
        // The shipped playlist: the overview for 30 s, then the compliance board for 20 s.
        assert!(r.body.contains("Tổng quan quốc gia"));
        assert!(
            r.body
                .contains("data-next=\"/operations/wall?step=1\" data-seconds=\"30\""),
            "{}",
            r.body
        );
        assert!(
            r.body.contains(
                "<meta http-equiv=\"refresh\" content=\"30;url=/operations/wall?step=1\">"
            )
        );
        let r = c.get("/operations/wall?step=1").await;
        assert!(r.body.contains("Bảng tuân thủ báo cáo"));
        assert!(
            r.body
                .contains("data-next=\"/operations/wall?step=0\" data-seconds=\"20\"")
        );
        // The script is served.
        let r = c.get("/assets/wall.js").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("data-seconds"));
        // A playlist of its own.
        let mut admin = admin(app).await;
        let r = admin
            .post(
                "/operations/admin/playlists",
                &[("name", "Sáng thứ Hai"), ("entries", "2 15\n1 45\n")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = admin.get("/operations/admin").await;
        let id = between(&r.body, "/operations/wall?playlist=", "\"");
        let id = r
            .body
            .match_indices("/operations/wall?playlist=")
            .map(|(i, m)| {
                let rest = &r.body[i + m.len()..];
                rest[..rest.find('"').unwrap()].parse::<i64>().unwrap()
            })
            .max()
            .unwrap_or_else(|| id.parse().unwrap());
        let r = c.get(&format!("/operations/wall?playlist={id}")).await;
        assert!(r.body.contains("Bảng tuân thủ báo cáo"));
        assert!(
            r.body.contains(&format!(
                "data-next=\"/operations/wall?playlist={id}&#38;step=1\" data-seconds=\"15\""
            )),
            "{}",
            r.body
        );
        // Edited: the wall follows the new steps.
        let r = admin
            .get(&format!("/operations/admin/playlists/{id}"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("2 15\n1 45"), "{}", r.body);
        let r = admin
            .post(
                &format!("/operations/admin/playlists/{id}"),
                &[("name", "Sáng thứ Hai"), ("entries", "1 5\n1 8\n2 9")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = c
            .get(&format!("/operations/wall?playlist={id}&step=2"))
            .await;
        assert!(r.body.contains("data-seconds=\"9\""), "{}", r.body);
        assert!(r.body.contains("3/3"));
        let r = admin
            .post(
                &format!("/operations/admin/playlists/{id}"),
                &[("name", "Sáng thứ Hai"), ("entries", "1 5\n1 abc")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Dòng 2 (“1 abc”)"), "{}", r.body);
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
                "playlist.update"
            )
            .await,
            1
        );
        // In English too.
        c.lang = Some("en");
        let r = c
            .get(&format!("/operations/wall?playlist={id}&step=1"))
            .await;
        assert!(r.body.contains("National overview"));
        assert!(r.body.contains("data-seconds=\"8\""));
    }
);

on_both!(
    dashboards_and_playlists_are_checked_and_audited,
    async |app: &TestApp| {
        let mut admin = admin(app).await;
        let before = app.count("SELECT COUNT(*) AS n FROM ops_dashboards").await;
        let r = admin
            .post(
                "/operations/admin/dashboards",
                &[
                    ("name", "Bảng thử"),
                    ("audience", "public"),
                    ("widgets", r#"[{"kind":"kpi"},{"kind":"pie"}]"#),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("Thành phần thứ 2: loại “pie” không có"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("href=\"#d-widgets\""),
            "linked to its field"
        );
        assert!(r.body.contains("Bảng thử"), "what was typed is kept");
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM ops_dashboards").await,
            before,
            "nothing written"
        );
        admin.lang = Some("en");
        let r = admin
            .post(
                "/operations/admin/dashboards",
                &[
                    ("name", ""),
                    ("audience", "everyone"),
                    ("widgets", r#"[{"kind":"ranking","limit":2.5}]"#),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body
                .contains("A dashboard&#39;s name must have 1 to 100 characters")
                || r.body
                    .contains("A dashboard's name must have 1 to 100 characters"),
            "{}",
            r.body
        );
        assert!(r.body.contains("Audience “everyone” is not valid"));
        assert!(r.body.contains("Widget 1: parameter “limit” is invalid"));
        let r = admin
            .post(
                "/operations/admin/playlists",
                &[("name", "P"), ("entries", "1 30\n999 20")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("There is no dashboard number 999"));
        let r = admin
            .post(
                "/operations/admin/playlists",
                &[("name", "P"), ("entries", "1 30\n2 4")],
            )
            .await;
        assert!(
            r.body
                .contains("Line 2: 4 seconds is outside 5–3600 seconds")
        );
        // A good one, then edited.
        let id = create_dashboard(
            app,
            &mut admin,
            "Bảng A",
            "public",
            r#"[{"kind":"ranking","limit":5}]"#,
        )
        .await;
        let r = admin
            .get(&format!("/operations/admin/dashboards/{id}"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let r = admin
            .post(
                &format!("/operations/admin/dashboards/{id}"),
                &[
                    ("name", "Bảng B"),
                    ("audience", "role:viewer"),
                    ("widgets", r#"[{"kind":"compliance"}]"#),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let mut anonymous = app.client();
        assert_eq!(
            anonymous
                .get(&format!("/operations/dashboards/{id}"))
                .await
                .status,
            StatusCode::SEE_OTHER,
            "no longer public"
        );
        for action in ["dashboard.create", "dashboard.update"] {
            assert_eq!(
                app.count_where(
                    "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
                    action
                )
                .await,
                1,
                "{action}"
            );
        }
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
                "playlist.create"
            )
            .await,
            0,
            "the refused playlists wrote nothing"
        );
    }
);
