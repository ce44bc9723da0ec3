//! Video-conference sessions: scheduled with every field's error named, a point confirmed by
//! its own agency and refused to another or a lower one, attendance after the start, cancelled,
//! and today's sessions on the wall.

use axum::http::StatusCode;
use operations::model::conference::{hhmm, ymd};
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::*;

const HEADER: &str = "code,kind,category,name,unit_code,place,latitude,longitude,url\n";

async fn id_of(app: &TestApp, code: &str) -> i64 {
    app.db
        .fetch_one(
            "SELECT id FROM sites WHERE code = $1",
            platform::params![code],
        )
        .await
        .unwrap()
        .get("id")
        .unwrap()
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    app.count_where(
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
        action,
    )
    .await
}

/// Three conference points (Hà Nội, Nghệ An, Hà Tĩnh) loaded by a system administrator.
async fn points(app: &TestApp, admin: &mut testkit::Client) -> (i64, i64, i64) {
    let file = format!(
        "{HEADER}DC-TW,conference,other,Điểm cầu Trung ương,01,Phòng họp số 1,,,https://hop.gov.vn/tw\n\
         DC-NA,conference,other,Điểm cầu Nghệ An,40,,,,https://hop.gov.vn/na\n\
         DC-HT,conference,other,Điểm cầu Hà Tĩnh,42,,,,https://hop.gov.vn/ht\n"
    );
    let r = admin
        .post_file("/operations/sites/import", &[], "file", file.as_bytes())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (
        id_of(app, "DC-TW").await,
        id_of(app, "DC-NA").await,
        id_of(app, "DC-HT").await,
    )
}

/// A session today that started an hour ago (or starts in an hour) and lasts two hours, if
/// the day allows; its start and end as typed.
fn today_slot(started: bool) -> (String, String, String) {
    let now = platform::db::now_ms();
    let (day_start, _) = operations::model::conference::day_of(now);
    // Keep within the day (Vietnam time): a started session from the hour before, at the
    // earliest midnight (so just after midnight it has started too), a coming one by 23:30.
    let start = if started {
        (now - 3_600_000).max(day_start)
    } else {
        (now + 60_000).min(day_start + 86_400_000 - 1_800_000)
    };
    let start = start - start % 60_000;
    let end = (start + 2 * 3_600_000).min(day_start + 86_400_000 - 300_000);
    let end = if end <= start { start + 60_000 } else { end };
    (ymd(start), hhmm(start), hhmm(end))
}

on_both!(
    a_session_is_scheduled_confirmed_by_its_points_and_its_attendance_recorded,
    async |app: &TestApp| {
        setup(app).await;
        let mut admin = app
            .signed_in("qt.hop", Role::SystemAdmin, Scope::National)
            .await;
        let (tw, na, ht) = points(app, &mut admin).await;
        // Every field's error named, nothing written.
        let r = admin
            .post(
                "/operations/conferences",
                &[
                    ("title", ""),
                    ("day", "2026-02-30"),
                    ("start", "9h"),
                    ("end", "08:00"),
                    ("chair", ""),
                    ("host", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        for (field, text) in [
            ("title", "Chưa nhập “Tên phiên họp”"),
            ("day", "Ngày “2026-02-30” không hợp lệ"),
            ("start", "Giờ “9h” không hợp lệ"),
            ("chair", "Chưa nhập “Chủ trì”"),
            ("points", "Chọn ít nhất một điểm cầu"),
        ] {
            let beside = format!("<p class=\"field-error\" id=\"{field}-error\">");
            let at = r
                .body
                .find(&beside)
                .unwrap_or_else(|| panic!("{field}: {}", r.body));
            assert!(r.body[at..at + 300].contains(text), "{field}");
            assert!(
                r.body.contains(&format!("<a href=\"#{field}\">")),
                "{field}"
            );
        }
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM conference_sessions")
                .await,
            0
        );
        // Scheduled today, started an hour ago: the host and two points.
        let (day, start, end) = today_slot(true);
        let na_field = format!("point_{na}");
        let ht_field = format!("point_{ht}");
        let host = tw.to_string();
        let r = admin
            .post(
                "/operations/conferences",
                &[
                    ("title", "Hội nghị trực tuyến về giải ngân vốn đầu tư công"),
                    ("day", &day),
                    ("start", &start),
                    ("end", &end),
                    ("chair", "Thủ tướng Chính phủ"),
                    ("host", &host),
                    (&na_field, "1"),
                    (&ht_field, "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id: i64 = r
            .location()
            .trim_start_matches("/operations/conferences/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // Open walls hear of it (their block of today's sessions follows the topic); the
        // refused form above announced nothing.
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM live_events WHERE topic = $1",
                "conferences"
            )
            .await,
            1
        );
        let list = admin.get("/operations/conferences").await;
        assert!(
            list.body.contains("giải ngân vốn đầu tư công"),
            "{}",
            list.body
        );
        assert!(list.body.contains("0/3 điểm cầu đã xác nhận"));
        // Nghệ An's approver confirms Nghệ An's point.
        let na_scope = app.scope("unit", "40").await;
        let mut na_official = app.signed_in("pd.nghean", Role::Approver, na_scope).await;
        let page = na_official
            .get(&format!("/operations/conferences/{id}"))
            .await;
        assert!(
            page.body.contains(&format!("form=\"confirm-{na}\"")),
            "its button: {}",
            page.body
        );
        assert!(
            !page.body.contains(&format!("form=\"confirm-{ht}\"")),
            "not Hà Tĩnh's"
        );
        let r = na_official
            .post(
                &format!("/operations/conferences/{id}/points/{na}/confirm"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // …but not Hà Tĩnh's, nor may a viewer of Nghệ An, nor a commune's official.
        let r = na_official
            .post(
                &format!("/operations/conferences/{id}/points/{ht}/confirm"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let na_scope = app.scope("unit", "40").await;
        let mut viewer = app.signed_in("xem.nghean", Role::Viewer, na_scope).await;
        assert_eq!(
            viewer
                .post(
                    &format!("/operations/conferences/{id}/points/{ht}/confirm"),
                    &[]
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // Hà Tĩnh's own viewer or reporter: a lower role, refused too.
        for role in [Role::Viewer, Role::Reporter] {
            let ht_scope = app.scope("unit", "42").await;
            let mut lower = app
                .signed_in(&format!("thap.{}", role.as_str()), role, ht_scope)
                .await;
            assert_eq!(
                lower
                    .post(
                        &format!("/operations/conferences/{id}/points/{ht}/confirm"),
                        &[]
                    )
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );
        }
        assert_eq!(audited(app, "conference.confirm").await, 1);
        let page = admin.get(&format!("/operations/conferences/{id}")).await;
        assert!(
            page.body.contains("1/3 điểm cầu đã xác nhận"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Đã xác nhận: pd.nghean"));
        // Attendance, after the start, by the operator.
        let a_na = format!("attended_{na}");
        let a_ht = format!("attended_{ht}");
        let r = admin
            .post(
                &format!("/operations/conferences/{id}/attendance"),
                &[(&a_na, "yes"), (&a_ht, "no")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let attended = app
            .count("SELECT COUNT(*) AS n FROM conference_points WHERE attended = TRUE")
            .await;
        assert_eq!(attended, 1);
        assert_eq!(audited(app, "conference.attendance").await, 1);
        assert_eq!(
            na_official
                .post(
                    &format!("/operations/conferences/{id}/attendance"),
                    &[(&a_na, "no")]
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // The wall shows today's session with its confirmations (to officials).
        let wall = admin.get("/operations/wall").await;
        assert_eq!(wall.status, StatusCode::OK, "{}", wall.body);
        assert!(
            wall.body.contains("id=\"wall-conferences\""),
            "{}",
            wall.body
        );
        assert!(wall.body.contains("giải ngân vốn đầu tư công"));
        assert!(wall.body.contains("1/3 điểm cầu đã xác nhận"));
        assert!(wall.body.contains(&format!("<td>{start}–{end}</td>")));
        let public = app.client().get("/operations/wall").await;
        assert!(!public.body.contains("giải ngân"), "not on the public wall");
        // Cancelled: audited, off the wall.
        let r = admin
            .post(&format!("/operations/conferences/{id}/cancel"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(audited(app, "conference.cancel").await, 1);
        let wall = admin.get("/operations/wall").await;
        assert!(!wall.body.contains("giải ngân"), "off the wall");
        assert_eq!(audited(app, "conference.create").await, 1);
        app.assert_trail_intact().await;
    }
);

on_both!(
    a_session_is_edited_and_only_national_administrators_schedule,
    async |app: &TestApp| {
        let mut admin = app
            .signed_in("qt.hop2", Role::SystemAdmin, Scope::National)
            .await;
        let (tw, na, _) = points(app, &mut admin).await;
        let (day, start, end) = today_slot(false);
        let na_field = format!("point_{na}");
        let tw_field = format!("point_{tw}");
        let r = admin
            .post(
                "/operations/conferences",
                &[
                    ("title", "Giao ban"),
                    ("day", &day),
                    ("start", &start),
                    ("end", &end),
                    ("chair", "Phó Thủ tướng"),
                    ("host", ""),
                    (&na_field, "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id = app
            .count("SELECT MAX(id) AS n FROM conference_sessions")
            .await;
        // Attendance before the start is refused.
        if start.as_str() > hhmm(platform::db::now_ms()).as_str() {
            let a = format!("attended_{na}");
            let r = admin
                .post(
                    &format!("/operations/conferences/{id}/attendance"),
                    &[(&a, "yes")],
                )
                .await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        }
        // Edit: another title, Trung ương joins too; an end before the start is refused.
        let r = admin
            .post(
                &format!("/operations/conferences/{id}"),
                &[
                    ("title", "Giao ban tuần"),
                    ("day", &day),
                    ("start", &start),
                    ("end", "00:00"),
                    ("chair", "Phó Thủ tướng"),
                    ("host", ""),
                    (&na_field, "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Giờ kết thúc phải sau giờ bắt đầu."));
        let r = admin
            .post(
                &format!("/operations/conferences/{id}"),
                &[
                    ("title", "Giao ban tuần"),
                    ("day", &day),
                    ("start", &start),
                    ("end", &end),
                    ("chair", "Phó Thủ tướng"),
                    ("host", ""),
                    (&na_field, "1"),
                    (&tw_field, "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = admin.get(&format!("/operations/conferences/{id}")).await;
        assert!(page.body.contains("Giao ban tuần"));
        assert!(page.body.contains("0/2 điểm cầu đã xác nhận"));
        assert_eq!(audited(app, "conference.update").await, 1);
        // A province's administrator does not schedule.
        let na_scope = app.scope("unit", "40").await;
        let mut na_admin = app
            .signed_in("qt.na.hop", Role::AgencyAdmin, na_scope)
            .await;
        assert_eq!(
            na_admin
                .post(
                    "/operations/conferences",
                    &[
                        ("title", "X"),
                        ("day", &day),
                        ("start", &start),
                        ("end", &end),
                        ("chair", "Y"),
                        ("host", ""),
                        (&na_field, "1")
                    ]
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert!(
            !na_admin
                .get("/operations/conferences")
                .await
                .body
                .contains("id=\"conference-form\"")
        );
        // In English.
        let mut en = app
            .signed_in("qt.hop.en", Role::SystemAdmin, Scope::National)
            .await;
        en.lang = Some("en");
        assert!(
            en.get("/operations/conferences")
                .await
                .body
                .contains("0/2 points confirmed")
        );
    }
);
