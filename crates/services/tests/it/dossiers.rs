//! Dossiers through the one-stop desk: a draft submitted online, the desk's actions with the
//! clock standing still while papers and fees are awaited, the result returned; codes unique
//! under concurrency; illegal steps refused; every change on the timeline, in the audit chain,
//! in the sync outbox and told to the applicant.

use platform::audit::Actor;
use platform::identity::access::{Role, Scope};
use services::engine::dossiers::{self as engine, Details, Env, Filing, Refused};
use services::model::dossier::{Applicant, Status};
use services::model::workflow::Action;
use testkit::on_both;

use crate::support::{TestApp, setup};

pub const DAY: i64 = 86_400_000;
/// Thursday 2026-12-03, 10:00 in Hà Nội.
pub const T0: i64 = 1_796_266_800_000;

pub async fn citizen(app: &TestApp, name: &str) -> Actor {
    app.user(name, Role::Viewer, Scope::National).await;
    let u = platform::identity::find_user(&app.db, name)
        .await
        .unwrap()
        .unwrap();
    Actor {
        user_id: Some(u.id),
        name: u.display_name,
        ip: None,
    }
}

pub async fn agency(app: &TestApp, code: &str) -> i64 {
    registry::store::agency_by_any_code(&app.db, code)
        .await
        .unwrap()
        .unwrap()
        .id
}

pub fn filing(actor: &Actor, agency_id: i64) -> Filing {
    Filing {
        applicant: Applicant {
            user_id: actor.user_id,
            business: false,
            identifier: "001090000045".into(),
            name: "Nguyễn Văn An".into(),
            phone: "0912345678".into(),
            email: "an@example.vn".into(),
            address: "Vinh, Nghệ An".into(),
        },
        agency_id,
        summary: "Đăng ký thành lập doanh nghiệp".into(),
        form_data: serde_json::json!({"company_name_vi": "Công ty TNHH An Bình"}),
        lang: platform::i18n::Lang::Vi,
    }
}

on_both!(
    a_dossier_goes_from_draft_to_result_with_its_clock,
    async |app: &TestApp| {
        setup(app).await;
        let env = Env::load(&app.db, "https://dvc.example.vn").await.unwrap();
        let v = services::query::published_version(&app.db, "2.001610")
            .await
            .unwrap()
            .unwrap();
        let an = citizen(app, "cong.dan.an").await;
        let desk = Actor {
            user_id: None,
            name: "Cán bộ một cửa".into(),
            ip: None,
        };
        let ag = agency(app, "ubnd-40").await;
        let id = engine::save_draft(&app.db, &env, &an, &v, None, &filing(&an, ag), T0)
            .await
            .unwrap()
            .unwrap();
        // A level 1 identity cannot submit a procedure that demands level 2.
        assert_eq!(
            engine::submit(&app.db, &env, &an, &v, id, 1, T0)
                .await
                .unwrap(),
            Err(Refused::AssuranceTooLow)
        );
        // Someone else cannot submit another's draft.
        let other = citizen(app, "cong.dan.binh").await;
        assert_eq!(
            engine::submit(&app.db, &env, &other, &v, id, 2, T0)
                .await
                .unwrap(),
            Err(Refused::NotDraft)
        );
        let s = engine::submit(&app.db, &env, &an, &v, id, 2, T0)
            .await
            .unwrap()
            .unwrap();
        assert!(s.code.ends_with("-261203-0001"), "{}", s.code);
        assert_eq!(s.secret.len(), 8);
        let d = engine::act(
            &app.db,
            &env,
            &desk,
            id,
            Action::Accept,
            &Details::default(),
            T0,
        )
        .await
        .unwrap()
        .unwrap();
        // Accepted Thursday 3 December, 3 working days: Fri 4, Mon 7, Tue 8.
        assert_eq!(d.due_date.unwrap().to_string(), "2026-12-08");
        assert_eq!(
            engine::act(
                &app.db,
                &env,
                &desk,
                id,
                Action::RequestPapers,
                &Details::default(),
                T0
            )
            .await
            .unwrap(),
            Err(Refused::ReasonNeeded)
        );
        let why = Details {
            reason: "Thiếu bản sao điều lệ công ty".into(),
            ..Default::default()
        };
        let d = engine::act(
            &app.db,
            &env,
            &desk,
            id,
            Action::RequestPapers,
            &why,
            T0 + DAY,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(d.status, Some(Status::AdditionRequested));
        assert_eq!(d.stopped_on.unwrap().to_string(), "2026-12-04");
        // Papers added the next Tuesday: Mon 7 and Tue 8 passed while the clock stood still.
        let d = engine::act(
            &app.db,
            &env,
            &an,
            id,
            Action::PapersAdded,
            &Details::default(),
            T0 + 5 * DAY,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(d.due_date.unwrap().to_string(), "2026-12-10");
        assert_eq!(d.stopped_on, None);
        engine::act(
            &app.db,
            &env,
            &desk,
            id,
            Action::RequestFees,
            &Details::default(),
            T0 + 5 * DAY,
        )
        .await
        .unwrap()
        .unwrap();
        let d = engine::fees_paid(&app.db, &env, id, T0 + 5 * DAY)
            .await
            .unwrap()
            .unwrap();
        assert!(d.fee_paid);
        assert_eq!(d.status, Some(Status::Processing));
        let d = engine::act(
            &app.db,
            &env,
            &desk,
            id,
            Action::Approve,
            &Details::default(),
            T0 + 6 * DAY,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(d.on_time, Some(true));
        // Withdrawing a processed dossier is not possible.
        assert!(matches!(
            engine::act(
                &app.db,
                &env,
                &an,
                id,
                Action::Withdraw,
                &Details {
                    reason: "x".into(),
                    ..Default::default()
                },
                T0 + 6 * DAY
            )
            .await
            .unwrap(),
            Err(Refused::NotNow(_))
        ));
        let d = engine::act(
            &app.db,
            &env,
            &desk,
            id,
            Action::Return,
            &Details::default(),
            T0 + 6 * DAY,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(d.status, Some(Status::Returned));
        // The timeline: draft, submit, accept, papers, added, fees, paid, approve, return.
        let steps: Vec<String> = services::store::dossiers::events(&app.db, id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            steps,
            [
                "draft",
                "submit",
                "accept",
                "request_papers",
                "papers_added",
                "request_fees",
                "fees_paid",
                "approve",
                "return"
            ]
        );
        // Each national step queued a sync record; the six the applicant is told of (not the
        // returns to processing, 4) were e-mailed and texted.
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM svc_sync_outbox").await,
            8
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM notifications WHERE channel = 'email'")
                .await,
            6
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM notifications WHERE channel = 'sms'")
                .await,
            6
        );
        assert_eq!(
        app.count_where("SELECT COUNT(*) AS n FROM audit_log WHERE object_id = $1 AND object_type = 'svc_dossier'", &id.to_string()).await,
        8
    );
        // The public lookup's secret.
        let (_, hash) = services::store::dossiers::by_code(&app.db, &s.code)
            .await
            .unwrap()
            .unwrap();
        assert!(engine::secret_matches(
            hash.as_deref(),
            &s.secret.to_lowercase()
        ));
        assert!(!engine::secret_matches(hash.as_deref(), "AAAAAAAA"));
    }
);

on_both!(
    concurrent_submissions_get_distinct_codes,
    async |app: &TestApp| {
        setup(app).await;
        let env = Env::load(&app.db, "").await.unwrap();
        let v = services::query::published_version(&app.db, "2.001610")
            .await
            .unwrap()
            .unwrap();
        let ag = agency(app, "ubnd-40").await;
        let mut drafts = Vec::new();
        for i in 0..8 {
            let who = citizen(app, &format!("cong.dan.{i}")).await;
            let id = engine::save_draft(&app.db, &env, &who, &v, None, &filing(&who, ag), T0)
                .await
                .unwrap()
                .unwrap();
            drafts.push((who, id));
        }
        let mut tasks = Vec::new();
        for (who, id) in drafts {
            let (db, env, v) = (app.db.clone(), env.clone(), v.clone());
            tasks.push(tokio::spawn(async move {
                engine::submit(&db, &env, &who, &v, id, 2, T0)
                    .await
                    .unwrap()
                    .unwrap()
                    .code
            }));
        }
        let mut codes = Vec::new();
        for t in tasks {
            codes.push(t.await.unwrap());
        }
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 8, "{codes:?}");
        assert!(codes.iter().any(|c| c.ends_with("-0008")));
    }
);

on_both!(
    a_paper_dossier_is_recorded_accepted_and_can_be_refused_only_when_new,
    async |app: &TestApp| {
        setup(app).await;
        let env = Env::load(&app.db, "").await.unwrap();
        let v = services::query::published_version(&app.db, "2.001610")
            .await
            .unwrap()
            .unwrap();
        let desk = Actor {
            user_id: None,
            name: "Cán bộ một cửa".into(),
            ip: None,
        };
        let ag = agency(app, "ubnd-40").await;
        let f = Filing {
            applicant: Applicant {
                name: "Trần Thị Bình".into(),
                ..Default::default()
            },
            agency_id: ag,
            ..Default::default()
        };
        let s = engine::record_at_desk(
            &app.db,
            &env,
            &desk,
            &v,
            services::model::dossier::Channel::Desk,
            &f,
            T0,
        )
        .await
        .unwrap();
        let d = services::store::dossiers::get(&app.db, s.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.status, Some(Status::Accepted));
        assert!(d.due_date.is_some());
        let why = Details {
            reason: "Sai thẩm quyền".into(),
            ..Default::default()
        };
        assert!(matches!(
            engine::act(&app.db, &env, &desk, s.id, Action::Refuse, &why, T0)
                .await
                .unwrap(),
            Err(Refused::NotNow(_))
        ));
        let d = engine::act(&app.db, &env, &desk, s.id, Action::Stop, &why, T0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.status, Some(Status::Stopped));
        // No contacts: nothing is queued for the applicant, but the portal hears of each step.
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM notifications").await,
            0
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM svc_sync_outbox").await,
            2
        );
    }
);

on_both!(
    anyone_looks_a_dossier_up_by_code_and_secret_only,
    async |app: &TestApp| {
        setup(app).await;
        let env = Env::load(&app.db, "").await.unwrap();
        let v = services::query::published_version(&app.db, "2.001610")
            .await
            .unwrap()
            .unwrap();
        let an = citizen(app, "cong.dan.tra.cuu").await;
        let ag = agency(app, "ubnd-40").await;
        let id = engine::save_draft(&app.db, &env, &an, &v, None, &filing(&an, ag), T0)
            .await
            .unwrap()
            .unwrap();
        let s = engine::submit(&app.db, &env, &an, &v, id, 2, T0)
            .await
            .unwrap()
            .unwrap();
        let mut c = app.client();
        let ok = c
            .get(&format!(
                "/api/v1/services/lookup?code={}&secret={}",
                s.code.to_lowercase(),
                s.secret
            ))
            .await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(ok.json()["status"], 1);
        assert_eq!(ok.json()["status_name"], "Mới đăng ký");
        // A wrong secret and an unknown code get the same answer.
        let wrong = c
            .get(&format!(
                "/api/v1/services/lookup?code={}&secret=AAAAAAAA",
                s.code
            ))
            .await;
        let unknown = c
            .get(&format!(
                "/api/v1/services/lookup?code=000.00.00.H99-261203-0001&secret={}",
                s.secret
            ))
            .await;
        assert_eq!((wrong.status.as_u16(), unknown.status.as_u16()), (404, 404));
        assert_eq!(wrong.body, unknown.body);
        assert_eq!(c.get("/api/v1/services/lookup?code=x").await.status, 422);
        let page = c
            .get(&format!(
                "/services/lookup?code={}&secret={}",
                s.code, s.secret
            ))
            .await;
        assert!(page.body.contains(r#"data-status="1""#), "{}", page.body);
        let missed = c
            .get(&format!("/services/lookup?code={}&secret=WRONG", s.code))
            .await;
        assert!(missed.body.contains("lookup-missed") && !missed.body.contains("lookup-result"));
    }
);

on_both!(
    the_desk_lists_its_own_agency_dossiers_by_appointment,
    async |app: &TestApp| {
        setup(app).await;
        let env = Env::load(&app.db, "").await.unwrap();
        let v = services::query::published_version(&app.db, "2.001610")
            .await
            .unwrap()
            .unwrap();
        let ag = agency(app, "ubnd-40").await;
        let other = agency(app, "ubnd-42").await;
        let desk = Actor::system("một cửa");
        for (i, a) in [ag, ag, other].into_iter().enumerate() {
            let f = Filing {
                applicant: Applicant {
                    name: format!("Người nộp {i}"),
                    identifier: "001090000045".into(),
                    ..Default::default()
                },
                agency_id: a,
                ..Default::default()
            };
            engine::record_at_desk(
                &app.db,
                &env,
                &desk,
                &v,
                services::model::dossier::Channel::Desk,
                &f,
                T0 + i as i64,
            )
            .await
            .unwrap();
        }
        let scope = app.scope("agency", "ubnd-40").await;
        let mut c = app.signed_in("motcua.nghean", Role::Reporter, scope).await;
        let page = c.get("/services/desk?status=2").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(
            page.body.matches("<tr data-id=").count(),
            2,
            "only its own agency's"
        );
        assert!(
            page.body.contains("0010******45") && !page.body.contains("001090000045"),
            "identity numbers masked"
        );
        assert!(page.body.contains("Người nộp 0") && !page.body.contains("Người nộp 2"));
        // Another agency's desk is refused; a bad status or keyset is a precise error.
        assert_eq!(
            c.get(&format!("/services/desk?agency={other}"))
                .await
                .status,
            403
        );
        assert_eq!(c.get("/services/desk?status=11").await.status, 422);
        assert_eq!(c.get("/services/desk?status=2&after=x").await.status, 422);
        let empty = c.get("/services/desk").await;
        assert!(empty.body.contains("desk-empty"), "{}", empty.body);
    }
);
