//! A citizen applies online through the pages (apply → form with a mistake → corrected → paper
//! attached → submitted → receipt), follows the dossier, adds papers the desk asks for, rates the
//! returned result; a business files through its representative; others see nothing.

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::config::Config;
use platform::identity::citizen::{self, Representation, VerifiedIdentity};
use services::engine::dossiers::{self as engine, Details, Env};
use services::model::dossier::Status;
use services::model::workflow::Action;

use crate::support::{Client, TestApp};
use testkit::on_both;

/// A citizen signed in (as the provider would have verified them) at `level`, acting for
/// `business` when given.
async fn citizen_client(
    app: &TestApp,
    subject: &str,
    name: &str,
    level: u8,
    business: Option<(&str, &str)>,
) -> (Client, i64) {
    let cfg = Config {
        cookie_secure: false,
        ..Config::default()
    };
    let reps: Vec<Representation> = business
        .iter()
        .map(|(tax, name)| Representation {
            tax_code: (*tax).to_owned(),
            name: (*name).to_owned(),
            role: "Giám đốc".into(),
        })
        .collect();
    let id = VerifiedIdentity {
        issuer: "https://vneid.example.gov.vn".into(),
        subject: subject.into(),
        name: name.into(),
        // A distinct 12-digit number per subject (one account per person).
        personal_id: Some(format!(
            "{:012}",
            subject
                .bytes()
                .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
                % 1_000_000_000_000
        )),
        acr: None,
        assurance: level,
        representations: reps,
    };
    let token = citizen::sign_in(&app.db, &cfg, &id, None, None)
        .await
        .unwrap();
    let session = citizen::lookup(&app.db, &cfg, &token)
        .await
        .unwrap()
        .unwrap();
    if let Some((tax, _)) = business {
        citizen::choose_delegation(&app.db, &session, Some(tax), None)
            .await
            .unwrap();
    }
    let mut c = app.client();
    c.cookies.insert(citizen::COOKIE.into(), token);
    (c, session.user_id)
}

fn id_in(location: &str) -> i64 {
    location
        .trim_start_matches("/services/my/")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{location}"))
}

async fn ubnd(app: &TestApp, code: &str) -> String {
    registry::store::agency_by_any_code(&app.db, code)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

const BIRTH: &[(&str, &str)] = &[
    ("child_full_name", "Nguyễn Minh Khang"),
    ("child_birth_date", "2026-11-20"),
    ("child_sex", "male"),
    ("birth_place", "Bệnh viện Sản Nhi Nghệ An"),
    ("mother_full_name", "Trần Thị Bình"),
    ("mother_id_number", "040190000123"),
    ("applicant_relation", "mother"),
    ("declare", "true"),
    ("applicant_phone", "0912 345 678"),
    ("applicant_email", "binh@example.vn"),
];

on_both!(
    a_citizen_applies_online_follows_adds_papers_and_rates,
    async |app: &TestApp| {
        crate::support::setup(app).await;
        let (mut c, user_id) = citizen_client(app, "cd-binh", "Trần Thị Bình", 2, None).await;
        // The procedure's page offers to apply; without a sign-in, the start asks for one.
        let page = c.get("/services/procedures/1.001193").await;
        assert!(page.body.contains("/services/procedures/1.001193/apply"));
        let mut stranger = app.client();
        let r = stranger.get("/services/procedures/1.001193/apply").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/citizen/login?next="));
        // Where to file: a province's People's Committee; none chosen is a precise error.
        let r = c.get("/services/procedures/1.001193/apply").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Trần Thị Bình"));
        let r = c
            .post("/services/procedures/1.001193/apply", &[("agency", "")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("href=\"#agency\""), "{}", r.body);
        let agency = ubnd(app, "ubnd-40").await;
        let r = c
            .post(
                "/services/procedures/1.001193/apply",
                &[("agency", &agency)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id = id_in(&r.location());
        assert!(r.location().ends_with("/edit"));

        // The form with a mistake: a message per field, linked from the summary; what was
        // typed comes back, and the draft keeps it.
        let mut typed: Vec<(&str, &str)> = BIRTH.to_vec();
        typed.retain(|(k, _)| *k != "mother_id_number");
        typed.push(("mother_id_number", "04019"));
        typed.push(("intent", "continue"));
        let path = format!("/services/my/{id}/edit");
        let r = c.post(&path, &typed).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("href=\"#f-mother_id_number\""),
            "{}",
            r.body
        );
        assert!(
            r.body.contains(">04019<") || r.body.contains("value=\"04019\""),
            "{}",
            r.body
        );
        assert!(r.body.contains("Nguyễn Minh Khang"));
        let d = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.form_data["mother_id_number"], "04019");
        assert_eq!(d.status, None);
        // Saved and returned to later: the typed values are there.
        let again = c.get(&path).await;
        assert!(again.body.contains(">04019<") || again.body.contains("value=\"04019\""));
        // Corrected.
        let mut typed: Vec<(&str, &str)> = BIRTH.to_vec();
        typed.push(("intent", "continue"));
        let r = c.post(&path, &typed).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), format!("/services/my/{id}/review"));
        let d = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.applicant.phone, "0912 345 678");
        assert_eq!(d.form_data["declare"], true);

        // No paper yet: the submission is refused and nothing changes.
        let r = c.post(&format!("/services/my/{id}/submit"), &[]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("href=\"#paper-file\""));
        // An empty file is refused; a real one is kept by its SHA-256.
        let papers = format!("/services/my/{id}/papers");
        let r = c.post_file(&papers, &[], "file", b"").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let scan = b"%PDF-1.4 giay chung sinh".to_vec();
        let r = c.post_file(&papers, &[], "file", &scan).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let files = services::store::dossiers::files(&app.db, id).await.unwrap();
        assert_eq!(files.len(), 1);
        let (_, got) = c.get_bytes(&format!("/services/my/{id}/files/1")).await;
        assert_eq!(got, scan);

        // Submitted: the code, the secret once, the receipt with and without it.
        let r = c.post(&format!("/services/my/{id}/submit"), &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let grab = |body: &str, id: &str| {
            body.split(&format!("id=\"{id}\">"))
                .nth(1)
                .and_then(|s| s.split('<').next())
                .unwrap()
                .to_owned()
        };
        let code = grab(&r.body, "dossier-code");
        let secret = grab(&r.body, "dossier-secret");
        assert_eq!(secret.len(), 8);
        let d = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.status, Some(Status::Registered));
        assert_eq!(d.code.as_deref(), Some(code.as_str()));
        let pdf = c
            .post(
                &format!("/services/my/{id}/receipt"),
                &[("secret", &secret)],
            )
            .await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert!(pdf.bytes.starts_with(b"%PDF"));
        let wrong = c
            .post(
                &format!("/services/my/{id}/receipt"),
                &[("secret", "AAAAAAAA")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, plain) = c.get_bytes(&format!("/services/my/{id}/receipt.pdf")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(plain.starts_with(b"%PDF"));
        // The draft is no longer editable.
        let r = c.get(&path).await;
        assert_eq!(r.location(), format!("/services/my/{id}"));

        // Nobody else sees it.
        let (mut other, _) = citizen_client(app, "cd-khac", "Lê Văn Khác", 2, None).await;
        for p in [
            format!("/services/my/{id}"),
            format!("/services/my/{id}/edit"),
            format!("/services/my/{id}/files/1"),
        ] {
            assert_eq!(other.get(&p).await.status, StatusCode::NOT_FOUND, "{p}");
        }
        assert!(!other.get("/services/my").await.body.contains(&code));
        let mine = c.get("/services/my").await;
        assert!(mine.body.contains(&code), "{}", mine.body);

        // The desk accepts and asks for more papers (an official reads it: the citizen sees so).
        let env = Env::load(&app.db, "").await.unwrap();
        app.user(
            "motcua.test",
            platform::identity::access::Role::Reporter,
            app.scope("agency", "ubnd-40").await,
        )
        .await;
        let official = platform::identity::find_user(&app.db, "motcua.test")
            .await
            .unwrap()
            .unwrap();
        let desk = Actor {
            user_id: Some(official.id),
            name: official.display_name.clone(),
            ip: None,
        };
        let now = platform::db::now_ms();
        engine::viewed(&app.db, &desk, &d).await.unwrap();
        for (action, reason) in [
            (Action::Accept, ""),
            (
                Action::RequestPapers,
                "Thiếu bản sao giấy chứng sinh có chứng thực",
            ),
        ] {
            engine::act(
                &app.db,
                &env,
                &desk,
                id,
                action,
                &Details {
                    reason: reason.into(),
                    ..Default::default()
                },
                now,
            )
            .await
            .unwrap()
            .unwrap();
        }
        let page = c.get(&format!("/services/my/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("data-status=\"5\""));
        assert!(
            page.body
                .contains("Thiếu bản sao giấy chứng sinh có chứng thực")
        );
        assert!(page.body.contains("id=\"accesses\""), "{}", page.body);
        assert!(page.body.contains(&official.display_name));
        // The citizen adds a paper and says so: processing again.
        let r = c.post_file(&papers, &[], "file", b"%PDF-1.4 ban sao").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = c
            .post(&format!("/services/my/{id}/papers-added"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let d = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.status, Some(Status::Processing));
        assert_eq!(
            services::store::dossiers::files(&app.db, id)
                .await
                .unwrap()
                .len(),
            2
        );
        // Not rated before the result is returned.
        let r = c
            .post(&format!("/services/my/{id}/rate"), &[("stars", "5")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        for action in [Action::Approve, Action::Return] {
            engine::act(&app.db, &env, &desk, id, action, &Details::default(), now)
                .await
                .unwrap()
                .unwrap();
        }
        // A rating of 4.5 stars is refused, not rounded; 4 is taken once.
        let r = c
            .post(&format!("/services/my/{id}/rate"), &[("stars", "4.5")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("href=\"#rate-stars\""));
        let r = c
            .post(
                &format!("/services/my/{id}/rate"),
                &[("stars", "4"), ("comment", "Nhanh, đúng hẹn")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = c
            .post(&format!("/services/my/{id}/rate"), &[("stars", "5")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let page = c.get(&format!("/services/my/{id}")).await;
        assert!(
            page.body.contains("id=\"rated-stars\">4 ★"),
            "{}",
            page.body
        );
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM svc_ratings").await, 1);
        let _ = user_id;
    }
);

on_both!(
    a_business_files_through_its_representative_at_level_2_only,
    async |app: &TestApp| {
        crate::support::setup(app).await;
        // At level 1 the form may be filled but not submitted.
        let (mut low, _) = citizen_client(app, "cd-thap", "Phạm Văn Thấp", 1, None).await;
        let r = low.get("/services/procedures/2.001610/apply").await;
        assert!(r.body.contains("id=\"apply-level\""), "{}", r.body);
        let agency = ubnd(app, "ubnd-40").await;
        let r = low
            .post(
                "/services/procedures/2.001610/apply",
                &[("agency", &agency)],
            )
            .await;
        let low_id = id_in(&r.location());
        let r = low
            .post(&format!("/services/my/{low_id}/submit"), &[])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let d = services::store::dossiers::get(&app.db, low_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.status, None, "nothing changed");

        // A representative acting for a company: the applicant is the business.
        let (mut rep, user_id) = citizen_client(
            app,
            "cd-dai-dien",
            "Vũ Văn Đại",
            2,
            Some(("0101234567", "Công ty TNHH Sen Vàng")),
        )
        .await;
        let r = rep
            .post(
                "/services/procedures/2.001610/apply",
                &[("agency", &agency)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id = id_in(&r.location());
        let d = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert!(d.applicant.business);
        assert_eq!(d.applicant.identifier, "0101234567");
        assert_eq!(d.applicant.name, "Công ty TNHH Sen Vàng");
        assert_eq!(d.applicant.user_id, Some(user_id));
        // Control characters are refused at the edge and change nothing.
        let r = rep
            .post(
                &format!("/services/my/{id}/edit"),
                &[("company_name_vi", "Sen\u{7}Vàng"), ("intent", "save")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let after = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.form_data, d.form_data);
        // A contact is needed to go on.
        let r = rep
            .post(
                &format!("/services/my/{id}/edit"),
                &[
                    ("company_name_vi", "Công ty TNHH Sen Vàng"),
                    ("head_office", "Số 1 Lê Lợi, Vinh, Nghệ An"),
                    ("charter_capital_vnd", "500000000"),
                    ("main_business_code", "4711"),
                    ("owner_full_name", "Vũ Văn Đại"),
                    ("owner_id_number", "001090012345"),
                    ("declare", "true"),
                    ("intent", "continue"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("href=\"#applicant-email\""), "{}", r.body);
        // The fee can be paid before submission: without a gateway configured, a clear 503.
        let r = rep.post(&format!("/services/my/{id}/pay"), &[]).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    }
);

on_both!(
    a_citizen_pays_the_fee_online_with_the_draft,
    async |app: &TestApp| {
        crate::support::setup(app).await;
        let g = crate::payments::running(app).await;
        let (c, _) = citizen_client(app, "cd-tra-phi", "Đỗ Văn Phí", 2, None).await;
        let mut c = c.with_router(app.router.clone().layer(axum::Extension(g.config.clone())));
        let agency = ubnd(app, "ubnd-40").await;
        let r = c
            .post(
                "/services/procedures/2.001610/apply",
                &[("agency", &agency)],
            )
            .await;
        let id = id_in(&r.location());
        let review = c.get(&format!("/services/my/{id}/review")).await;
        assert!(review.body.contains("id=\"pay-form\""), "{}", review.body);
        // The page links to the gateway (a form's answer may not leave the site: CSP).
        let r = c.post(&format!("/services/my/{id}/pay"), &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let url = r
            .body
            .split("id=\"to-gateway\"")
            .next()
            .and_then(|s| s.rsplit("href=\"").next())
            .and_then(|s| s.split('"').next())
            .unwrap()
            .replace("&#x2f;", "/")
            .replace("&#x2F;", "/")
            .replace("&#x3d;", "=")
            .replace("&#x3D;", "=")
            .replace("&amp;", "&")
            .replace("&#38;", "&");
        assert!(url.contains("vnp_SecureHash="), "{url}");
        g.pay(&url, "pay").await;
        let d = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert!(d.fee_paid);
        assert_eq!(d.status, None);
        let review = c.get(&format!("/services/my/{id}/review")).await;
        assert!(review.body.contains("id=\"fee-paid\""));
        // Paid: no second payment.
        let r = c.post(&format!("/services/my/{id}/pay"), &[]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
    }
);
