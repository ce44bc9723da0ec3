//! Sessions end to end through the pages: agenda, marks, attendance and the quorum, items adopted
//! together, a named poll with idempotent ballots that closes itself with the last one, a secret
//! poll with no link from voter to choice, verification and tampering.

use axum::http::StatusCode;
use platform::identity::access::Role;

use super::*;
use crate::support::*;

async fn planned(sec: &mut Client) -> i64 {
    let r = sec
        .post(
            "/cabinet/bodies/cp/sessions",
            &[
                ("kind", "regular"),
                ("title", "Phiên họp thường kỳ"),
                ("starts_at", "2030-01-07T08:00"),
                ("place", "Hà Nội"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id_of(&r)
}

async fn item(app: &TestApp, sec: &mut Client, s: i64, title: &str) -> i64 {
    let r = sec
        .post(
            &format!("/cabinet/sessions/{s}/items"),
            &[("title", title), ("minutes", "20")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    cabinet::store::sessions::items(&app.db, s)
        .await
        .unwrap()
        .iter()
        .find(|i| i.title == title)
        .unwrap()
        .id
}

on_both!(
    a_session_opens_with_a_quorum_and_a_poll_counts_every_ballot_once,
    async |app: &TestApp| {
        setup(app).await;
        let scope = app.scope("agency", "vpcp").await;
        let mut sec = official(app, "thuky", Role::Reporter, scope).await;
        let mut members = seat(app, "cp", "tv", 6).await;
        let s = planned(&mut sec).await;
        let a = item(app, &mut sec, s, "Tình hình kinh tế – xã hội").await;
        let b = item(app, &mut sec, s, "Dự thảo Nghị quyết").await;
        // An invited guest is listed; they hold no seat, so no poll will list them.
        let r = sec
            .post(
                &format!("/cabinet/sessions/{s}/invitees"),
                &[
                    ("name", "GS. Nguyễn Văn Khách"),
                    ("organisation", "Viện Kinh tế"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = sec
            .post(&format!("/cabinet/sessions/{s}/papers-sent"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // Marks before the session: one objection on item a.
        for (i, m) in members.iter_mut().enumerate() {
            let mark = if i == 2 { "objection" } else { "no_objection" };
            let r = m
                .client
                .post(
                    &format!("/cabinet/sessions/{s}/marks"),
                    &[("item", &a.to_string()), ("mark", mark), ("comment", "")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            let r = m
                .client
                .post(
                    &format!("/cabinet/sessions/{s}/marks"),
                    &[("item", &b.to_string()), ("mark", "no_objection")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }

        // Attendance: 3 of 6 present is short of 2/3 (4).
        let ids: Vec<i64> = {
            let body = cabinet::store::bodies::by_code(&app.db, "cp")
                .await
                .unwrap()
                .unwrap();
            cabinet::store::bodies::in_office(
                &app.db,
                body.id,
                &cabinet::model::iso(cabinet::model::vn_day(platform::db::now_ms())),
            )
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect()
        };
        for (i, id) in ids.iter().enumerate() {
            let presence = match i {
                0..=1 => "room",
                2 => "remote",
                3 => "substitute",
                _ => "absent",
            };
            let sub = if i == 3 { "thuky" } else { "" };
            let r = sec
                .post(
                    &format!("/cabinet/sessions/{s}/attendance"),
                    &[
                        ("member", &id.to_string()),
                        ("presence", presence),
                        ("substitute", sub),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let r = sec.post(&format!("/cabinet/sessions/{s}/open"), &[]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        // The page shows the substitute for whom they stand.
        let page = sec.get(&format!("/cabinet/sessions/{s}")).await;
        assert!(page.body.contains("Người dùng thuky"), "{}", page.body);
        assert!(
            page.body.contains("GS. Nguyễn Văn Khách — Viện Kinh tế"),
            "{}",
            page.body
        );
        let r = sec
            .post(
                &format!("/cabinet/sessions/{s}/attendance"),
                &[("member", &ids[4].to_string()), ("presence", "remote")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = sec.post(&format!("/cabinet/sessions/{s}/open"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let items = cabinet::store::sessions::items(&app.db, s).await.unwrap();
        assert_eq!(
            items.iter().find(|i| i.id == b).unwrap().status.code(),
            "adopted_together"
        );
        assert_eq!(
            items.iter().find(|i| i.id == a).unwrap().status.code(),
            "pending"
        );

        // A named poll: the present members (0, 1, 2, 4) vote; the substitute does not.
        let r = sec
            .post(
                &format!("/cabinet/sessions/{s}/polls"),
                &[
                    ("question", "Thông qua Nghị quyết?"),
                    ("item", &a.to_string()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let poll: i64 = app
            .db
            .fetch_one("SELECT MAX(id) AS n FROM cab_polls", platform::params![])
            .await
            .unwrap()
            .get("n")
            .unwrap();
        assert_eq!(
            cabinet::store::polls::get(&app.db, poll)
                .await
                .unwrap()
                .unwrap()
                .eligible,
            4
        );
        let r = members[3]
            .client
            .post(
                &format!("/cabinet/polls/{poll}/challenge"),
                &[("choice", "yes"), ("client_id", "client-absent-3")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "an absent member does not vote: {}",
            r.body
        );
        let r = vote(&mut members[0], poll, "yes", "client-0000-a").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // The same ballot sent again (a retry): counted once.
        let r = vote(&mut members[0], poll, "yes", "client-0000-a").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // Another ballot from the same member: refused.
        let r = vote(&mut members[0], poll, "no", "client-0000-b").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        let p = cabinet::store::polls::get(&app.db, poll)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.cast, 1);
        for (i, choice) in [(1, "yes"), (2, "no")] {
            let r = vote(&mut members[i], poll, choice, &format!("client-000{i}-a")).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        // The last eligible ballot closes the poll and counts it: 3 yes of 6 is not more than half.
        let r = vote(&mut members[4], poll, "yes", "client-0004-a").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let p = cabinet::store::polls::get(&app.db, poll)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.status.code(), p.yes, p.no, p.abstain, p.passed),
            ("closed", Some(3), Some(1), Some(0), Some(false))
        );
        let page = members[1]
            .client
            .get(&format!("/cabinet/polls/{poll}"))
            .await;
        assert!(
            page.body.contains(r#"data-passed="false""#),
            "{}",
            page.body
        );
        let report = cabinet::engine::verify::poll(&app.db, poll, Some(ORIGIN))
            .await
            .unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.checked, 4);

        // A secret poll: the choice is stored apart, with no member.
        let r = sec
            .post(
                &format!("/cabinet/sessions/{s}/polls"),
                &[("question", "Bỏ phiếu kín?"), ("secret", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let secret: i64 = app
            .db
            .fetch_one("SELECT MAX(id) AS n FROM cab_polls", platform::params![])
            .await
            .unwrap()
            .get("n")
            .unwrap();
        for i in [0usize, 1, 2, 4] {
            let r = vote(&mut members[i], secret, "yes", &format!("secret-000{i}")).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let p = cabinet::store::polls::get(&app.db, secret)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((p.yes, p.passed), (Some(4), Some(true)));
        assert_eq!(app.count_where("SELECT COUNT(*) AS n FROM cab_ballots WHERE poll_id = CAST($1 AS BIGINT) AND choice <> ''", &secret.to_string()).await, 0);
        let report = cabinet::engine::verify::poll(&app.db, secret, Some(ORIGIN))
            .await
            .unwrap();
        assert!(report.ok(), "{:?}", report.problems);

        // Tampering: a ballot's choice changed in the database is found, and so is a secret choice
        // slipped in.
        app.db
            .execute(
                "UPDATE cab_ballots SET choice = 'yes' WHERE poll_id = $1 AND choice = 'no'",
                platform::params![poll],
            )
            .await
            .unwrap();
        let report = cabinet::engine::verify::poll(&app.db, poll, Some(ORIGIN))
            .await
            .unwrap();
        assert!(!report.ok());
        app.db.execute("INSERT INTO cab_secret_ballots (token, poll_id, choice) VALUES ('forged', $1, 'no')", platform::params![secret]).await.unwrap();
        let report = cabinet::engine::verify::poll(&app.db, secret, Some(ORIGIN))
            .await
            .unwrap();
        assert!(!report.ok());
        assert!(
            report.problems.iter().any(|p| p.contains("secret choices")),
            "{:?}",
            report.problems
        );

        // The session closes with its minutes and resolution.
        let r = sec
            .post(
                &format!("/cabinet/sessions/{s}/close"),
                &[("minutes", "Biên bản phiên họp.")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = members[2]
            .client
            .get(&format!("/cabinet/sessions/{s}"))
            .await;
        assert!(page.body.contains("1/NQ-CP"), "{}", page.body);
    }
);
