//! Opinion forms end to end through the pages: drafted by the secretariat, issued by the chair
//! only, answered with passkeys, changed before the deadline and frozen after, synthesised over
//! the whole membership, concluded; every answer verifiable, and tampering found.

use axum::http::StatusCode;
use platform::identity::access::Role;

use super::*;
use crate::support::*;

async fn form(app: &TestApp, sec: &mut Client) -> i64 {
    let lead = registry::store::agency_by_any_code(&app.db, "btc")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let r = sec
        .post(
            "/cabinet/bodies/cp/forms",
            &[
                ("title", "Dự thảo Nghị định về quản lý nợ công"),
                (
                    "question",
                    "Đề nghị cho ý kiến về dự thảo.\nXem tờ trình kèm theo.",
                ),
                ("lead_agency", &lead),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id_of(&r)
}

on_both!(
    an_opinion_form_is_issued_answered_synthesised_and_verified,
    async |app: &TestApp| {
        setup(app).await;
        let scope = app.scope("agency", "vpcp").await;
        let mut sec = official(app, "thuky", Role::Reporter, scope).await;
        let mut members = seat(app, "cp", "tv", 5).await;
        let id = form(app, &mut sec).await;

        // The draft with its dossier; members do not see a draft.
        let r = sec
            .post_file(
                &format!("/cabinet/forms/{id}/papers"),
                &[("kind", "submission")],
                "file",
                b"To trinh",
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            members[1]
                .client
                .get(&format!("/cabinet/forms/{id}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = sec.post(&format!("/cabinet/forms/{id}/submit"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // Only the chair issues: not the secretariat, not another member.
        let r = sec.post(&format!("/cabinet/forms/{id}/issue"), &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = members[0]
            .client
            .post(&format!("/cabinet/forms/{id}/issue"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = members[2].client.get(&format!("/cabinet/forms/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("1/PLYK-CP"), "{}", page.body);
        assert!(page.body.contains("answer-form"));
        // Each member (and no one else) got a notice.
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM cab_notices WHERE kind = 'form_issued'")
                .await,
            5
        );

        // Answers: three agree, then another opinion, then the fifth member.
        for m in members.iter_mut().take(3) {
            let r = answer(m, id, "agree", "").await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let opinion = "Đề nghị bổ sung Điều 5 về trách nhiệm của địa phương.";
        // Another opinion needs its text.
        let r = answer(&mut members[3], id, "other", "").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = answer(&mut members[3], id, "other", opinion).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // A member changes their mind before the deadline: version 2.
        let r = answer(&mut members[2], id, "disagree", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = answer(&mut members[2], id, "agree", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
        app.count_where("SELECT COUNT(*) AS n FROM cab_answers WHERE version = 3 AND form_id = CAST($1 AS BIGINT)", &id.to_string()).await,
        1
    );

        // A ceremony is used once: replaying a finished confirmation is refused.
        let r = members[4]
            .client
            .post(
                &format!("/cabinet/forms/{id}/challenge"),
                &[("answer", "agree")],
            )
            .await;
        let j = r.json();
        let cred = members[4].key.assert(&j["options"]).unwrap().to_string();
        let fields = [
            ("answer", "agree"),
            ("ceremony", j["ceremony"].as_str().unwrap()),
            ("credential", cred.as_str()),
        ];
        // Someone else's passkey answer in a member's name does not pass: another member's client
        // with member 4's ceremony is refused.
        let stolen = members[1]
            .client
            .post(&format!("/cabinet/forms/{id}/answer"), &fields)
            .await;
        assert_eq!(
            stolen.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            stolen.body
        );
        // (The ceremony was not consumed by the refused attempt's rollback? It was taken in a
        // transaction that rolled back, so the rightful member may still use it.)
        let ok = members[4]
            .client
            .post(&format!("/cabinet/forms/{id}/answer"), &fields)
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let again = members[4]
            .client
            .post(&format!("/cabinet/forms/{id}/answer"), &fields)
            .await;
        assert_eq!(
            again.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            again.body
        );
        assert!(
            again.body.contains("cab_ceremony") || again.body.contains("hết hạn"),
            "{}",
            again.body
        );
        // Member 4 takes it back? No: answers are final once given, only changed. Remove it in the
        // database to model "no answer" for the synthesis below would be tampering; instead the
        // synthesis counts 4 agree now.

        let syn = members[0]
            .client
            .get(&format!("/cabinet/forms/{id}/synthesis"))
            .await;
        assert_eq!(syn.status, StatusCode::OK);
        assert!(
            syn.body.contains(r#"data-count="agree">4<"#),
            "{}",
            syn.body
        );
        assert!(
            syn.body.contains(r#"data-count="other">1<"#),
            "{}",
            syn.body
        );
        assert!(syn.body.contains(r#"data-count="none">0<"#), "{}", syn.body);
        assert!(syn.body.contains(r#"data-passed="true""#), "{}", syn.body);
        assert!(
            syn.body.contains(opinion),
            "the other opinion is quoted verbatim"
        );
        let (status, pdf) = members[0]
            .client
            .get_bytes(&format!("/cabinet/forms/{id}/synthesis.pdf"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(pdf.starts_with(b"%PDF"));

        // Every answer's evidence holds.
        let report = cabinet::engine::verify::form(&app.db, id, Some(ORIGIN))
            .await
            .unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.checked, 5);
        // The wrong origin is caught.
        let report = cabinet::engine::verify::form(&app.db, id, Some("https://evil.example"))
            .await
            .unwrap();
        assert!(!report.ok());

        // The chair concludes; the resolution is numbered.
        let r = members[0]
            .client
            .post(
                &format!("/cabinet/forms/{id}/conclude"),
                &[("conclusion", "Thống nhất ban hành Nghị định.")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = members[1].client.get(&format!("/cabinet/forms/{id}")).await;
        assert!(page.body.contains("1/NQ-CP"), "{}", page.body);

        // Tampering with a stored answer is found: the canonical text no longer matches, and the
        // evidence no longer matches what the audit chain sealed.
        app.db
        .execute(
            "UPDATE cab_answers SET answer = 'disagree' WHERE form_id = $1 AND answer = 'agree' AND member_id = (SELECT MIN(member_id) FROM cab_answers WHERE form_id = $1)",
            platform::params![id],
        )
        .await
        .unwrap();
        let report = cabinet::engine::verify::form(&app.db, id, Some(ORIGIN))
            .await
            .unwrap();
        assert!(!report.ok());
        assert!(
            report.problems.iter().any(|p| p.contains("does not match")),
            "{:?}",
            report.problems
        );
    }
);

on_both!(
    answers_are_frozen_after_the_deadline_and_outsiders_see_nothing,
    async |app: &TestApp| {
        setup(app).await;
        let scope = app.scope("agency", "vpcp").await;
        let mut sec = official(app, "thuky", Role::Reporter, scope).await;
        let mut members = seat(app, "cp", "tv", 3).await;
        let id = form(app, &mut sec).await;
        sec.post(&format!("/cabinet/forms/{id}/submit"), &[]).await;
        members[0]
            .client
            .post(&format!("/cabinet/forms/{id}/issue"), &[])
            .await;
        let r = answer(&mut members[1], id, "agree", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // An official of another agency: not even the form's existence.
        let other = app.scope("agency", "byt").await;
        let mut outsider = official(app, "nguoingoai", Role::Approver, other).await;
        assert_eq!(
            outsider.get(&format!("/cabinet/forms/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            outsider.get("/cabinet/bodies/cp").await.status,
            StatusCode::NOT_FOUND
        );

        // Past the deadline: the given answer cannot change; a late first answer is still taken.
        app.db
            .execute(
                "UPDATE cab_forms SET deadline = '2000-01-03' WHERE id = $1",
                platform::params![id],
            )
            .await
            .unwrap();
        let r = answer(&mut members[1], id, "disagree", "").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(
            r.body.contains("cab_frozen") || r.body.contains("hết hạn"),
            "{}",
            r.body
        );
        let r = answer(&mut members[2], id, "agree", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let syn = members[0]
            .client
            .get(&format!("/cabinet/forms/{id}/synthesis"))
            .await;
        assert!(
            syn.body.contains("trả lời sau hạn"),
            "the late answer is marked: {}",
            syn.body
        );

        // The hourly job closes the form and reminds the chair, who has not answered, once.
        let run = cabinet::engine::jobs::run(&app.db, platform::db::now_ms())
            .await
            .unwrap();
        assert_eq!(run.closed, 1);
        assert_eq!(run.reminded, 1);
        let run = cabinet::engine::jobs::run(&app.db, platform::db::now_ms())
            .await
            .unwrap();
        assert_eq!(run, cabinet::engine::jobs::Run::default());
    }
);

on_both!(
    a_ministry_and_a_province_run_their_own_bodies_and_no_one_elses,
    async |app: &TestApp| {
        setup(app).await;
        for (code, agency, prefix) in [("ld-btc", "btc", "btc"), ("ubnd-40", "ubnd-40", "na")] {
            let scope = app.scope("agency", agency).await;
            let mut sec = official(app, &format!("tk{prefix}"), Role::Reporter, scope).await;
            let mut members = seat(app, code, prefix, 3).await;
            let lead = registry::store::agency_by_any_code(&app.db, agency)
                .await
                .unwrap()
                .unwrap()
                .id
                .to_string();
            // Their own body: a form end to end.
            let r = sec
                .post(
                    &format!("/cabinet/bodies/{code}/forms"),
                    &[
                        ("title", "Kế hoạch công tác"),
                        ("question", "Cho ý kiến."),
                        ("lead_agency", &lead),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            let id = id_of(&r);
            sec.post(&format!("/cabinet/forms/{id}/submit"), &[]).await;
            let r = members[0]
                .client
                .post(&format!("/cabinet/forms/{id}/issue"), &[])
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            for m in members.iter_mut() {
                let r = answer(m, id, "agree", "").await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            }
            let syn = sec.get(&format!("/cabinet/forms/{id}/synthesis")).await;
            assert!(
                syn.body.contains(r#"data-count="agree">3<"#),
                "{}",
                syn.body
            );
            // The Government's body is not theirs: not visible, nothing can be drafted there.
            assert_eq!(
                sec.get("/cabinet/bodies/cp").await.status,
                StatusCode::NOT_FOUND
            );
            let r = sec
                .post(
                    "/cabinet/bodies/cp/forms",
                    &[("title", "X"), ("question", "Y"), ("lead_agency", &lead)],
                )
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
            // A member of this body is nobody in the Government's.
            assert_eq!(
                members[1].client.get("/cabinet/bodies/cp").await.status,
                StatusCode::NOT_FOUND
            );
        }
    }
);
