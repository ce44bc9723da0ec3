//! The one-stop desk's dossier page: an official of the handling agency opens a dossier (the read
//! is audited), takes exactly the actions its status allows, a leader approves, the desk returns
//! the result document; forms 01–05 as PDFs; a late dossier gets an apology with a new date;
//! another agency's official, a viewer and a wrong step are refused and change nothing.

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};
use services::engine::dossiers::{self as engine, Env};
use services::model::dossier::Status;
use services::model::workflow::Action;
use testkit::on_both;

use crate::dossiers::{DAY, agency, citizen, filing};
use crate::support::{TestApp, setup};

async fn submitted(app: &TestApp, who: &str, at: i64) -> (i64, String) {
    let env = Env::load(&app.db, "").await.unwrap();
    let v = services::query::published_version(&app.db, "2.001610")
        .await
        .unwrap()
        .unwrap();
    let an = citizen(app, who).await;
    let ag = agency(app, "ubnd-40").await;
    let id = engine::save_draft(&app.db, &env, &an, &v, None, &filing(&an, ag), at)
        .await
        .unwrap()
        .unwrap();
    let s = engine::submit(&app.db, &env, &an, &v, id, 2, at)
        .await
        .unwrap()
        .unwrap();
    (id, s.code)
}

async fn status_of(app: &TestApp, id: i64) -> Option<Status> {
    services::store::dossiers::get(&app.db, id)
        .await
        .unwrap()
        .unwrap()
        .status
}

on_both!(
    the_desk_processes_a_dossier_from_its_page,
    async |app: &TestApp| {
        setup(app).await;
        let now = platform::db::now_ms();
        let (id, code) = submitted(app, "cong.dan.desk", now).await;
        let nghe_an = app.scope("agency", "ubnd-40").await;
        let mut desk = app
            .signed_in("motcua.nghean", Role::Reporter, nghe_an)
            .await;
        let mut leader = app
            .signed_in("lanhdao.nghean", Role::Approver, nghe_an)
            .await;
        let mut stranger = app
            .signed_in(
                "motcua.hatinh",
                Role::Reporter,
                app.scope("agency", "ubnd-42").await,
            )
            .await;
        let page = format!("/services/desk/{id}");
        let act = format!("/services/desk/{id}/act");

        // The worklist links the dossier; its page shows what the status allows.
        let list = desk.get("/services/desk?status=1").await;
        assert!(
            list.body.contains(&format!("href=\"{page}\"")),
            "{}",
            list.body
        );
        let before = app
            .count_where(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'services.dossier_viewed' AND object_id = $1",
                &id.to_string(),
            )
            .await;
        let r = desk.get(&page).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains(&code));
        assert!(r.body.contains("id=\"act-accept\"") && r.body.contains("id=\"act-refuse\""));
        assert!(!r.body.contains("id=\"act-approve\""));
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'services.dossier_viewed' AND object_id = $1",
                &id.to_string(),
            )
            .await,
            before + 1,
            "the read is audited"
        );
        // Another agency's official does not see it at all.
        assert_eq!(stranger.get(&page).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            stranger.post(&act, &[("action", "accept")]).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(status_of(app, id).await, Some(Status::Registered));

        // Accepted; asking for papers needs a reason, given precisely.
        let r = desk.post(&act, &[("action", "accept")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(status_of(app, id).await, Some(Status::Accepted));
        let r = desk
            .post(&act, &[("action", "request_papers"), ("reason", " ")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("href=\"#reason-request_papers\""),
            "{}",
            r.body
        );
        assert_eq!(status_of(app, id).await, Some(Status::Accepted));
        let r = desk
            .post(
                &act,
                &[
                    ("action", "request_papers"),
                    ("reason", "Thiếu điều lệ công ty"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let (s, pdf) = desk
            .get_bytes(&format!("/services/desk/{id}/forms/02"))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(pdf.starts_with(b"%PDF"));
        // The desk records the papers brought in person, then hands the dossier on.
        let r = desk.post(&act, &[("action", "papers_added")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = desk
            .post(
                &act,
                &[
                    ("action", "transfer"),
                    ("holder_note", "Phòng Đăng ký kinh doanh"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(status_of(app, id).await, Some(Status::Processing));
        // The desk official may not approve: the leader does.
        assert_eq!(
            desk.post(&act, &[("action", "approve")]).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(status_of(app, id).await, Some(Status::Processing));
        let r = leader.post(&act, &[("action", "approve")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(status_of(app, id).await, Some(Status::Processed));
        // A step the status does not allow is refused and changes nothing.
        let r = desk.post(&act, &[("action", "accept")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r = desk.post(&act, &[("action", "fly")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(status_of(app, id).await, Some(Status::Processed));
        // The result document is returned: kept by its SHA-256, the applicant gets it.
        let ret = format!("/services/desk/{id}/return");
        let r = desk.post_file(&ret, &[], "file", b"").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let signed = b"%PDF-1.7 giay chung nhan dang ky doanh nghiep (da ky so)".to_vec();
        let r = desk.post_file(&ret, &[], "file", &signed).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let d = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.status, Some(Status::Returned));
        assert!(d.result_sha256.is_some());
        let files = services::store::dossiers::files(&app.db, id).await.unwrap();
        let n = files.iter().position(|f| f.result).unwrap() + 1;
        let (_, got) = desk
            .get_bytes(&format!("/services/desk/{id}/files/{n}"))
            .await;
        assert_eq!(got, signed);
        // The control sheet lists every holder and step.
        let (s, pdf) = desk
            .get_bytes(&format!("/services/desk/{id}/forms/05"))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(pdf.starts_with(b"%PDF"));
        let page = desk.get(&page).await;
        assert!(page.body.contains("id=\"no-actions\""), "{}", page.body);
        assert!(page.body.contains("Phòng Đăng ký kinh doanh"));
        // Form 06 lists it, on the page and in the workbook; the monitoring counts it on time.
        let reg = desk.get("/services/desk/register").await;
        assert_eq!(reg.status, StatusCode::OK, "{}", reg.body);
        assert!(reg.body.contains(&code));
        let (s, xlsx) = desk.get_bytes("/services/desk/register?format=xlsx").await;
        assert_eq!(s, StatusCode::OK);
        {
            use calamine::Reader;
            let mut wb: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
            let range = wb.worksheet_range("mau-06").unwrap();
            let codes: Vec<String> = range.rows().skip(4).map(|r| r[1].to_string()).collect();
            assert!(codes.contains(&code), "{codes:?}");
        }
        assert_eq!(
            desk.get("/services/desk/register?from=2026-12-31&to=2026-01-01")
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let m = desk.get("/services/monitoring").await;
        assert_eq!(m.status, StatusCode::OK, "{}", m.body);
        let total = m
            .body
            .split("id=\"monitoring-total\"")
            .nth(1)
            .unwrap_or_default();
        assert!(total.contains("100,0 %"), "{total}");
        // Another agency's official sees neither the register nor the counts of this one.
        let theirs = stranger.get("/services/desk/register").await;
        assert!(!theirs.body.contains(&code));
        assert!(
            stranger
                .get("/services/monitoring")
                .await
                .body
                .contains("id=\"monitoring-empty\"")
        );
        // A viewer of the agency reads but never acts.
        let mut viewer = app.signed_in("xem.nghean", Role::Viewer, nghe_an).await;
        assert_eq!(
            viewer.get(&format!("/services/desk/{id}")).await.status,
            StatusCode::OK
        );
        let (id2, _) = submitted(app, "cong.dan.desk2", now).await;
        let r = viewer
            .post(
                &format!("/services/desk/{id2}/act"),
                &[("action", "accept")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(status_of(app, id2).await, Some(Status::Registered));
        let _ = Scope::National;
    }
);

on_both!(
    a_late_dossier_gets_an_apology_with_a_new_date,
    async |app: &TestApp| {
        setup(app).await;
        let now = platform::db::now_ms();
        // Submitted and accepted three weeks ago: its 3 working days are long past.
        let then = now - 21 * DAY;
        let (id, _) = submitted(app, "cong.dan.tre", then).await;
        let env = Env::load(&app.db, "").await.unwrap();
        engine::act(
            &app.db,
            &env,
            &platform::audit::Actor::system("một cửa"),
            id,
            Action::Accept,
            &Default::default(),
            then,
        )
        .await
        .unwrap()
        .unwrap();
        let nghe_an = app.scope("agency", "ubnd-40").await;
        let mut desk = app.signed_in("motcua.tre", Role::Reporter, nghe_an).await;
        let page = desk.get(&format!("/services/desk/{id}")).await;
        assert!(page.body.contains("id=\"act-apology\""), "{}", page.body);
        let apology = format!("/services/desk/{id}/apology");
        let old = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap()
            .due_date
            .unwrap();
        // A date before the old appointment is refused, precisely.
        let r = desk
            .post(
                &apology,
                &[
                    ("new_date", &old.to_string()),
                    ("reason", "Chờ ý kiến Sở Tài chính"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("href=\"#new-date\""));
        let new = (time::OffsetDateTime::now_utc().date() + time::Duration::days(7)).to_string();
        let r = desk
            .post(&apology, &[("new_date", &new), ("reason", "")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = desk
            .post(
                &apology,
                &[("new_date", &new), ("reason", "Chờ ý kiến Sở Tài chính")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let d = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.due_date.unwrap().to_string(), new);
        let (s, pdf) = desk
            .get_bytes(&format!("/services/desk/{id}/forms/04"))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(pdf.starts_with(b"%PDF"));
        // No longer late: no second apology.
        let r = desk
            .post(
                &apology,
                &[("new_date", "2099-01-05"), ("reason", "Lần nữa")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        // The applicant is told of the new date (by e-mail and text message).
        let due = d.due_date.unwrap();
        let shown = format!(
            "%{:02}/{:02}/{}%",
            due.day(),
            u8::from(due.month()),
            due.year()
        );
        assert!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM notifications WHERE body LIKE $1",
                &shown
            )
            .await
                >= 1
        );
    }
);

#[test]
fn the_on_time_rate_is_never_rounded_up() {
    use platform::i18n::Lang;
    use services::http::register::rate;
    assert_eq!(rate(Lang::Vi, 2, 1), "66,6 %");
    assert_eq!(rate(Lang::En, 999, 1), "99.9 %");
    assert_eq!(rate(Lang::En, 1999, 1), "99.9 %");
    assert_eq!(rate(Lang::Vi, 0, 0), "");
    assert_eq!(rate(Lang::Vi, 3, 0), "100,0 %");
}

on_both!(the_desk_records_a_paper_dossier, async |app: &TestApp| {
    setup(app).await;
    let nghe_an = app.scope("agency", "ubnd-40").await;
    let mut desk = app.signed_in("motcua.giay", Role::Reporter, nghe_an).await;
    assert_eq!(desk.get("/services/desk/new").await.status, StatusCode::OK);
    let mut form = vec![
        ("procedure", "1.001193"),
        ("channel", "1"),
        ("name", "Hồ Văn Giấy"),
        ("identifier", "04019000"),
        ("phone", "0238 3844 555"),
    ];
    let r = desk.post("/services/desk/new", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("href=\"#identifier\""), "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM svc_dossiers").await, 0);
    form[3] = ("identifier", "040190001234");
    let r = desk.post("/services/desk/new", &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let grab = |id: &str| {
        r.body
            .split(&format!("id=\"{id}\">"))
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap()
            .to_owned()
    };
    let (code, secret) = (grab("dossier-code"), grab("dossier-secret"));
    let (d, _) = services::store::dossiers::by_code(&app.db, &code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.status, Some(Status::Accepted));
    assert_eq!(d.channel, services::model::dossier::Channel::Desk);
    assert!(d.due_date.is_some());
    let pdf = desk
        .post(
            &format!("/services/desk/{}/receipt", d.id),
            &[("secret", &secret)],
        )
        .await;
    assert!(pdf.bytes.starts_with(b"%PDF"));
    // Anyone can look it up with the receipt's code and secret.
    let mut anyone = app.client();
    let r = anyone
        .get(&format!(
            "/api/v1/services/lookup?code={code}&secret={secret}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], 2);
    // A viewer records nothing.
    let mut viewer = app.signed_in("xem.giay", Role::Viewer, nghe_an).await;
    assert_eq!(
        viewer.post("/services/desk/new", &form).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM svc_dossiers").await, 1);
});

on_both!(
    officials_are_reminded_of_due_dossiers_once_a_day,
    async |app: &TestApp| {
        use services::engine::reminders;
        setup(app).await;
        let now = platform::db::now_ms();
        let nghe_an = app.scope("agency", "ubnd-40").await;
        app.user("motcua.nhac", Role::Reporter, nghe_an).await;
        let u = platform::identity::find_user(&app.db, "motcua.nhac")
            .await
            .unwrap()
            .unwrap();
        app.db
            .execute(
                "UPDATE users SET email = 'nhac@ubnd.nghean.gov.vn' WHERE id = $1",
                platform::params![u.id],
            )
            .await
            .unwrap();
        let holder = platform::audit::Actor {
            user_id: Some(u.id),
            name: u.display_name.clone(),
            ip: None,
        };
        let env = Env::load(&app.db, "").await.unwrap();
        // Late (accepted three weeks ago by the official), due far ahead (accepted today, 3
        // working days), and late with no holder.
        let mut ids = Vec::new();
        for (who, at, by) in [
            ("cd.nhac1", now - 21 * DAY, holder.clone()),
            ("cd.nhac2", now, holder.clone()),
            (
                "cd.nhac3",
                now - 21 * DAY,
                platform::audit::Actor::system("một cửa"),
            ),
        ] {
            let (id, _) = submitted(app, who, at).await;
            engine::act(
                &app.db,
                &env,
                &by,
                id,
                Action::Accept,
                &Default::default(),
                at,
            )
            .await
            .unwrap()
            .unwrap();
            ids.push(id);
        }
        let before = app
            .count("SELECT COUNT(*) AS n FROM notifications WHERE recipient = 'nhac@ubnd.nghean.gov.vn'")
            .await;
        let r = reminders::remind(&app.db, now).await.unwrap();
        assert_eq!((r.queued, r.already, r.unreachable), (1, 0, 1), "{r:?}");
        let body: String = app
            .db
            .fetch_one(
                "SELECT body FROM notifications WHERE recipient = 'nhac@ubnd.nghean.gov.vn' ORDER BY id DESC LIMIT 1",
                platform::params![],
            )
            .await
            .unwrap()
            .get("body")
            .unwrap();
        let late_code = services::store::dossiers::get(&app.db, ids[0])
            .await
            .unwrap()
            .unwrap()
            .code
            .unwrap();
        assert!(
            body.contains(&late_code) && body.contains("quá hạn"),
            "{body}"
        );
        // Again the same day: nothing more.
        let r = reminders::remind(&app.db, now + 3_600_000).await.unwrap();
        assert_eq!((r.queued, r.already), (0, 1));
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM notifications WHERE recipient = 'nhac@ubnd.nghean.gov.vn'")
                .await,
            before + 1
        );
    }
);
