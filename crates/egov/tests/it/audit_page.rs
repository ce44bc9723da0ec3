//! The audit page as an auditor reads it (issue 11, item 17): reports named one way, as people
//! know them (template code, the unit's name and statistical code, the period), also in entries
//! written before names were recorded; a change as field, before → after with numbers written
//! for the reader's language, the recorded JSON kept; and a language switch is no change of record.

use platform::audit::{self, Actor, Change};
use platform::identity::access::{Role, Scope};
use platform::params;
use reporting::Period;
use reporting::model::status::Action;
use reporting::model::template::MONTHLY_PROVINCIAL;

use crate::on_both;
use crate::support::TestApp;

/// Nghệ An's August 2025 report: RETAIL_SALES 1234.5, submitted and approved by the system.
/// Returns Nghệ An's internal id.
async fn approved_report(app: &TestApp) -> i64 {
    let actor = Actor::system("t");
    reporting::engine::reference::load_default(&app.db, &actor)
        .await
        .unwrap();
    let t = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
        .await
        .unwrap()
        .unwrap();
    let entries: Vec<reporting::engine::save::Entry> = t
        .indicators
        .iter()
        .map(|i| reporting::engine::save::Entry {
            indicator: i.code.clone(),
            raw: if i.code == "RETAIL_SALES" {
                "1234.5".to_owned()
            } else {
                "100".to_owned()
            },
            explanation: None,
            lang: "en",
        })
        .collect();
    let nghe_an = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
        .await
        .unwrap()
        .unwrap()
        .id;
    let s = reporting::http::save::save(
        &app.db,
        &actor,
        &t,
        nghe_an,
        &Period::parse("202508").unwrap(),
        &entries,
        None,
        Action::Submit,
        None,
    )
    .await
    .unwrap();
    reporting::engine::decide::decide(
        &app.db,
        &actor,
        s.submission.id,
        s.submission.version,
        true,
        None,
    )
    .await
    .unwrap();
    nghe_an
}

async fn audit_count(app: &TestApp) -> i64 {
    app.db
        .fetch_one("SELECT COUNT(*) AS n FROM audit_log", params![])
        .await
        .unwrap()
        .get("n")
        .unwrap()
}

on_both!(
    audit_page_names_reports_by_codes_people_know,
    async |app: &TestApp| {
        let nghe_an = approved_report(app).await;
        // Stored by the unit's statistical code (40), not its internal id.
        let ids: Vec<String> = app
            .db
            .fetch_all(
                "SELECT object_id FROM audit_log WHERE object_type = 'report' ORDER BY seq",
                params![],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("object_id").unwrap())
            .collect();
        assert_eq!(
            ids,
            ["BC-KTXH-THANG/40/202508", "BC-KTXH-THANG/40/202508"],
            "submit and approve name the report alike"
        );
        // Entries an older version wrote (the unit's internal id, a decision without template)
        // still read as the same report.
        let mut tx = app.db.begin().await.unwrap();
        for object_id in [
            format!("{nghe_an}/202508"),
            format!("BC-KTXH-THANG/{nghe_an}/202508"),
        ] {
            audit::append(
                &mut tx,
                &Actor::system("t"),
                Change {
                    action: "report.return",
                    object_type: "report",
                    object_id,
                    before: Some(serde_json::json!({"status": "submitted"})),
                    after: Some(
                        serde_json::json!({"status": "returned", "reason": "Thiếu số liệu"}),
                    ),
                },
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        assert!(matches!(
            audit::verify(&app.db).await.unwrap(),
            audit::Verdict::Intact { .. }
        ));

        let mut admin = app
            .signed_in("kiem.toan", Role::SystemAdmin, Scope::National)
            .await;
        let page = admin.get("/admin/audit?object_type=report").await;
        let name = "<td>Báo cáo BC-KTXH-THANG · Nghệ An (40) · Tháng 8/2025</td>";
        assert_eq!(
            page.body.matches(name).count(),
            4,
            "every entry of the report named one way: {}",
            page.body
        );
        assert!(!page.body.contains("<td>report "), "{}", page.body);
        assert!(page.body.contains("<td>Phê duyệt báo cáo</td>"));

        // Filtering by the id people know finds the new entries.
        let page = admin
            .get("/admin/audit?object_type=report&object_id=BC-KTXH-THANG%2F40%2F202508")
            .await;
        assert_eq!(page.body.matches(name).count(), 2, "{}", page.body);
    }
);

on_both!(
    audit_page_shows_changes_as_before_and_after,
    async |app: &TestApp| {
        approved_report(app).await;
        let mut admin = app
            .signed_in("kiem.toan", Role::SystemAdmin, Scope::National)
            .await;
        let page = admin.get("/admin/audit?object_type=report").await;
        // The figure as a Vietnamese reader writes it, nothing before.
        assert!(
            page.body
                .contains(r#"<th scope="row">RETAIL_SALES</th><td>—</td><td>1.234,5</td>"#),
            "{}",
            page.body
        );
        // The approval: status by its label.
        assert!(
            page.body.contains(
                r#"<th scope="row">Trạng thái</th><td>Chờ phê duyệt</td><td>Đã phê duyệt</td>"#
            ),
            "{}",
            page.body
        );
        // People are named by their user name, roles by their labels.
        let users = admin.get("/admin/audit?object_type=user").await;
        assert!(
            users.body.contains("<td>Người dùng kiem.toan</td>"),
            "{}",
            users.body
        );
        let role = platform::i18n::t(platform::i18n::Lang::Vi, "role.system_admin");
        assert!(
            users.body.contains(&format!("<td>—</td><td>{role}</td>")),
            "{}",
            users.body
        );
        // Digests are bookkeeping: in the recorded JSON only, folded for auditors.
        let (visible, raw) = page.body.split_once("<details").unwrap();
        assert!(!visible.contains("approved_digests"));
        assert!(raw.contains("approved_digests") && raw.contains("Bản ghi gốc"));

        admin.post("/lang", &[("lang", "en"), ("next", "/")]).await;
        let page = admin.get("/admin/audit?object_type=report").await;
        assert!(
            page.body
                .contains("<td>Report BC-KTXH-THANG · Nghệ An (40) · August 2025</td>"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains(r#"<th scope="row">RETAIL_SALES</th><td>—</td><td>1,234.5</td>"#),
            "{}",
            page.body
        );
    }
);

on_both!(
    a_language_switch_writes_no_audit_entry,
    async |app: &TestApp| {
        let (password, _) = app.user("ngon.ngu", Role::Viewer, Scope::National).await;
        let mut u = app.client();
        u.login("ngon.ngu", &password, None).await;
        let before = audit_count(app).await;
        let r = u.post("/lang", &[("lang", "en"), ("next", "/")]).await;
        assert_eq!(r.location(), "/");
        u.post("/lang", &[("lang", "vi"), ("next", "/")]).await;
        u.post("/lang", &[("lang", "en"), ("next", "/")]).await;
        app.client()
            .post("/lang", &[("lang", "en"), ("next", "/")])
            .await;
        assert_eq!(
            audit_count(app).await,
            before,
            "a preference, not a change of record"
        );
        // The preference is still kept in the profile.
        let user = platform::identity::find_user(&app.db, "ngon.ngu")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.locale.as_deref(), Some("en"));
    }
);

on_both!(
    register_entries_and_offices_are_named_on_the_audit_page,
    async |app: &TestApp| {
        use documents::engine::registers as reg;
        use documents::model::agency::AgencyId;
        use documents::model::register::DraftForm;
        use documents::store::agencies::{self, AgencyState};
        let actor = Actor::system("vanthu");
        let h41 = AgencyId::parse("H41").unwrap();
        let mut tx = app.db.begin().await.unwrap();
        for (id, name) in [
            ("H41", "UBND tỉnh Nghệ An"),
            ("H29", "UBND TP. Hồ Chí Minh"),
        ] {
            agencies::insert(
                &mut tx,
                &AgencyId::parse(id).unwrap(),
                name,
                None,
                None,
                AgencyState::Active,
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        reg::set_office(&app.db, &h41, "UBND", &actor)
            .await
            .unwrap();
        let form = DraftForm {
            doc_type: "2".into(),
            subject: "Về việc phê duyệt kế hoạch chuyển đổi số năm 2027".into(),
            summary: String::new(),
            signer_name: "Nguyễn Văn A".into(),
            signer_position: "Chủ tịch".into(),
            recipients: "H29".into(),
            urgency: "0".into(),
            due_date: String::new(),
        };
        let today = reg::today_vn();
        let id = reg::draft(&app.db, &h41, &form, &actor, today)
            .await
            .unwrap();
        let mut admin = app
            .signed_in("kiem.toan", Role::SystemAdmin, Scope::National)
            .await;
        let page = admin.get("/admin/audit?object_type=doc_outgoing").await;
        assert!(
            page.body.contains(&format!(
                "Văn bản đi dự thảo số {id} (H41): Về việc phê duyệt kế hoạch"
            )),
            "{}",
            page.body
        );
        let n = reg::number(&app.db, &h41, id, &actor, today).await.unwrap();
        let page = admin.get("/admin/audit?object_type=doc_outgoing").await;
        let named = format!("Văn bản đi {} (H41): Về việc", n.code);
        assert!(page.body.contains(&named), "{named}: {}", page.body);
        let page = admin.get("/admin/audit?object_type=doc_office").await;
        assert!(page.body.contains("Văn thư cơ quan H41"), "{}", page.body);
    }
);
