//! The agency's registers (issue 13, Decree 30/2020): numbering per agency per year from 01,
//! atomic under concurrent clerks, the incoming lifecycle with its status codes, due dates in
//! working days on the holiday calendar, attachments judged by their bytes, search.

use documents::engine::registers::{self as reg, RegisterError, SearchForm};
use documents::model::agency::AgencyId;
use documents::model::document::{Draft, Organization, Signer};
use documents::model::register::{DraftForm, IncomingAction};
use documents::model::status::{Priority, StatusCode};
use documents::store::registers::{self as store, Register};
use platform::audit::Actor;
use time::macros::date;

use crate::on_both;
use crate::support::TestApp;

fn id(s: &str) -> AgencyId {
    AgencyId::parse(s).unwrap()
}

fn clerk() -> Actor {
    Actor::system("clerk@test")
}

fn form(doc_type: &str, subject: &str) -> DraftForm {
    DraftForm {
        doc_type: doc_type.into(),
        subject: subject.into(),
        summary: "Nội dung tóm tắt".into(),
        signer_name: "Nguyễn Văn A".into(),
        signer_position: "Chủ tịch".into(),
        recipients: "000.00.00.G09".into(),
        urgency: "0".into(),
        due_date: String::new(),
    }
}

async fn count(app: &TestApp, table: &'static str) -> i64 {
    let sql = match table {
        "doc_outgoing" => "SELECT COUNT(*) AS n FROM doc_outgoing",
        "doc_incoming" => "SELECT COUNT(*) AS n FROM doc_incoming",
        "doc_incoming_history" => "SELECT COUNT(*) AS n FROM doc_incoming_history",
        _ => "SELECT COUNT(*) AS n FROM doc_register_files",
    };
    app.db
        .fetch_one(sql, vec![])
        .await
        .unwrap()
        .get::<i64>("n")
        .unwrap()
}

/// Agencies connected to the axis (the directory recipients are chosen from).
async fn connect(app: &TestApp, codes: &[&str]) {
    use documents::store::agencies::{self, AgencyState};
    let mut tx = app.db.begin().await.unwrap();
    for c in codes {
        agencies::insert(
            &mut tx,
            &id(c),
            &format!("Cơ quan {c}"),
            None,
            None,
            AgencyState::Active,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn office(app: &TestApp, agency: &str, abbr: &str) {
    reg::set_office(&app.db, &id(agency), abbr, &clerk())
        .await
        .unwrap();
}

/// A document sent by `from` to `to`, as the axis delivers it.
fn document(
    from: &str,
    to: &str,
    number: &str,
    subject: &str,
    priority: Priority,
) -> documents::model::document::Document {
    let org = |i: &str, n: &str| Organization {
        organ_id: Some(id(i)),
        organ_name: Some(n.into()),
        ..Default::default()
    };
    let mut d = Draft {
        from: Some(org(from, "Ủy ban nhân dân tỉnh Nghệ An")),
        to: vec![org(to, "Bộ Tài chính")],
        code_number: Some(number.into()),
        code_notation: Some("QĐ-UBND".into()),
        promulgation_date: Some(date!(2026 - 11 - 30)),
        type_name: Some("Quyết định".into()),
        subject: Some(subject.into()),
        signer: Signer {
            full_name: Some("Lê Văn B".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    d.other.priority = Some(priority);
    d.check().unwrap()
}

on_both!(
    numbers_run_from_01_per_agency_and_year_with_decree_30_notations,
    async |app: &TestApp| {
        connect(app, &["G09", "H41"]).await;
        let h41 = id("H41");
        let today = date!(2026 - 12 - 02);
        let a = reg::draft(
            &app.db,
            &h41,
            &form("2", "Quyết định về A"),
            &clerk(),
            today,
        )
        .await
        .unwrap();
        // No abbreviation yet: no number, nothing written.
        assert!(matches!(
            reg::number(&app.db, &h41, a, &clerk(), today).await,
            Err(RegisterError::NoOffice)
        ));
        office(app, "H41", "UBND").await;
        let b = reg::draft(&app.db, &h41, &form("Công văn", "Về B"), &clerk(), today)
            .await
            .unwrap();
        let na = reg::number(&app.db, &h41, a, &clerk(), today)
            .await
            .unwrap();
        let nb = reg::number(&app.db, &h41, b, &clerk(), today)
            .await
            .unwrap();
        assert_eq!(na.code, "01/QĐ-UBND");
        assert_eq!(na.document_id, "H41,2026/12/02,01/QĐ-UBND");
        assert_eq!(nb.code, "02/UBND");
        // A draft is numbered once.
        let again = reg::number(&app.db, &h41, a, &clerk(), today)
            .await
            .unwrap_err();
        assert!(matches!(&again, RegisterError::Invalid(p) if p[0].code == "already_numbered"));
        // Another agency counts on its own; a new year starts again from 01.
        office(app, "G09", "BTC").await;
        let mut f = form("2", "Bộ Tài chính");
        f.recipients = "H41".into();
        let c = reg::draft(&app.db, &id("G09"), &f, &clerk(), today)
            .await
            .unwrap();
        assert_eq!(
            reg::number(&app.db, &id("G09"), c, &clerk(), today)
                .await
                .unwrap()
                .code,
            "01/QĐ-BTC"
        );
        let next_year = date!(2027 - 01 - 01);
        let d = reg::draft(&app.db, &h41, &form("2", "Năm mới"), &clerk(), next_year)
            .await
            .unwrap();
        assert_eq!(
            reg::number(&app.db, &h41, d, &clerk(), next_year)
                .await
                .unwrap()
                .code,
            "01/QĐ-UBND"
        );
        // Another agency's draft is not found through H41.
        assert!(matches!(
            reg::number(&app.db, &h41, c, &clerk(), today).await,
            Err(RegisterError::NotFound)
        ));
    }
);

on_both!(
    two_clerks_numbering_at_once_never_get_the_same_number,
    async |app: &TestApp| {
        connect(app, &["G09", "H41"]).await;
        let h41 = id("H41");
        let today = date!(2026 - 12 - 02);
        office(app, "H41", "UBND").await;
        let mut drafts = Vec::new();
        for i in 0..16 {
            drafts.push(
                reg::draft(
                    &app.db,
                    &h41,
                    &form("7", &format!("Thông báo {i}")),
                    &clerk(),
                    today,
                )
                .await
                .unwrap(),
            );
        }
        let mut tasks = Vec::new();
        for d in drafts.clone() {
            let db = app.db.clone();
            let h41 = h41.clone();
            tasks.push(tokio::spawn(async move {
                reg::number(&db, &h41, d, &clerk(), today)
                    .await
                    .unwrap()
                    .number
            }));
        }
        let mut got = Vec::new();
        for t in tasks {
            got.push(t.await.unwrap());
        }
        got.sort_unstable();
        assert_eq!(got, (1..=16).collect::<Vec<i64>>());
        // Two clerks numbering the same draft at once: one number, one refusal.
        let d = reg::draft(&app.db, &h41, &form("7", "Cùng một bản"), &clerk(), today)
            .await
            .unwrap();
        let (x, y) = tokio::join!(
            {
                let db = app.db.clone();
                let h = h41.clone();
                tokio::spawn(async move { reg::number(&db, &h, d, &clerk(), today).await })
            },
            {
                let db = app.db.clone();
                let h = h41.clone();
                tokio::spawn(async move { reg::number(&db, &h, d, &clerk(), today).await })
            }
        );
        let results = [x.unwrap(), y.unwrap()];
        let ok: Vec<i64> = results
            .iter()
            .filter_map(|r| r.as_ref().ok().map(|n| n.number))
            .collect();
        assert_eq!(ok, [17], "{results:?}");
        // The refused one gave its number back: the next draft gets 18.
        let e = reg::draft(&app.db, &h41, &form("7", "Sau"), &clerk(), today)
            .await
            .unwrap();
        assert_eq!(
            reg::number(&app.db, &h41, e, &clerk(), today)
                .await
                .unwrap()
                .number,
            18
        );
    }
);

on_both!(
    a_bad_draft_is_refused_field_by_field_and_writes_nothing,
    async |app: &TestApp| {
        let mut f = form("99", "");
        f.recipients = "H41, nope".into();
        f.due_date = "2026-13-01".into();
        let before = count(app, "doc_outgoing").await;
        let err = reg::draft(&app.db, &id("H41"), &f, &clerk(), date!(2026 - 12 - 02))
            .await
            .unwrap_err();
        let RegisterError::Invalid(problems) = err else {
            panic!("{err:?}")
        };
        let fields: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.path.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("doc_type", "unknown_doc_type"),
                ("subject", "required"),
                ("recipients", "recipient_is_sender"),
                ("recipients", "bad_agency_id"),
                ("due_date", "due_date_invalid"),
            ]
        );
        assert_eq!(count(app, "doc_outgoing").await, before);
        // A well-formed identifier that is not connected to the axis (or not active) is refused.
        connect(app, &["G09"]).await;
        let mut f = form("2", "Gửi cơ quan lạ");
        f.recipients = "G09, G01".into();
        let err = reg::draft(&app.db, &id("H41"), &f, &clerk(), date!(2026 - 12 - 02))
            .await
            .unwrap_err();
        let RegisterError::Invalid(p) = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            (p.len(), p[0].code.as_str(), p[0].args[0].1.as_str()),
            (1, "unknown_recipient", "G01")
        );
        assert_eq!(count(app, "doc_outgoing").await, before);
    }
);

on_both!(
    outgoing_documents_are_sent_through_the_hook_then_revoked_in_order,
    async |app: &TestApp| {
        connect(app, &["G09", "H41"]).await;
        let h41 = id("H41");
        let today = date!(2026 - 12 - 02);
        office(app, "H41", "UBND").await;
        let a = reg::draft(&app.db, &h41, &form("2", "A"), &clerk(), today)
            .await
            .unwrap();
        // A draft cannot be sent before it has a number.
        let e = reg::mark_sent(&app.db, &h41, a, Some(7), &clerk())
            .await
            .unwrap_err();
        assert!(
            matches!(&e, RegisterError::Invalid(p) if p[0].code == "outgoing_transition_invalid")
        );
        reg::number(&app.db, &h41, a, &clerk(), today)
            .await
            .unwrap();
        reg::mark_sent(&app.db, &h41, a, Some(7), &clerk())
            .await
            .unwrap();
        assert!(reg::revoke(&app.db, &h41, a, " ", &clerk()).await.is_err());
        reg::revoke(&app.db, &h41, a, "Sai trích yếu", &clerk())
            .await
            .unwrap();
        let o = store::outgoing(&app.db, "H41", a).await.unwrap().unwrap();
        assert_eq!(o.state, "revoked");
        assert_eq!(o.package_id, Some(7));
        assert_eq!(o.revoke_reason.as_deref(), Some("Sai trích yếu"));
        let trail = platform::audit::search(
            &app.db,
            &platform::audit::Filter {
                object_type: Some("doc_outgoing".into()),
                object_id: Some(a.to_string()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
        let mut actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        actions.sort_unstable();
        assert_eq!(
            actions,
            [
                "documents.outgoing_drafted",
                "documents.outgoing_numbered",
                "documents.outgoing_revoked",
                "documents.outgoing_sent"
            ]
        );
    }
);

on_both!(
    the_incoming_lifecycle_returns_each_status_and_refuses_impossible_moves,
    async |app: &TestApp| {
        let g09 = id("G09");
        let today = date!(2026 - 08 - 31); // a Monday
        let mut tx = app.db.begin().await.unwrap();
        reporting::store::holidays::upsert_in(&mut tx, "2026-09-02", "Quốc khánh")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let cal = reporting::query::holiday_calendar(&app.db).await.unwrap();
        let doc = document("H41", "G09", "15", "Về việc triển khai", Priority::Normal);
        let r = reg::receive(&app.db, &g09, &doc, Some(42), &clerk())
            .await
            .unwrap();
        assert!(r.new);
        assert_eq!(r.status, StatusCode::Arrived);
        // The same document again (a resend): the same entry, nothing new.
        let again = reg::receive(&app.db, &g09, &doc, Some(43), &clerk())
            .await
            .unwrap();
        assert_eq!((again.id, again.new), (r.id, false));
        assert_eq!(count(app, "doc_incoming").await, 1);
        let act = |a: IncomingAction, days: Option<u32>| {
            let db = app.db.clone();
            let g09 = g09.clone();
            let cal = cal.clone();
            async move { reg::act(&db, &g09, r.id, &a, days, &cal, &clerk(), today).await }
        };
        // Closing before registering is impossible: an error, nothing written.
        let history_before = count(app, "doc_incoming_history").await;
        let e = act(IncomingAction::Close, None).await.unwrap_err();
        assert!(matches!(&e, RegisterError::Invalid(p) if p[0].code == "transition_invalid"));
        assert_eq!(count(app, "doc_incoming_history").await, history_before);
        let reg1 = act(IncomingAction::Register, None).await.unwrap();
        assert_eq!(
            (reg1.status, reg1.incoming_number),
            (StatusCode::Accepted, Some(1))
        );
        let assigned = act(
            IncomingAction::Assign {
                to: "Phòng Tổng hợp".into(),
            },
            Some(3),
        )
        .await
        .unwrap();
        assert_eq!(assigned.status, StatusCode::Assigned);
        // Tue 1, (Wed 2 is a holiday), Thu 3, Fri 4.
        assert_eq!(assigned.due_date.as_deref(), Some("2026-09-04"));
        assert_eq!(
            act(IncomingAction::Handle, None).await.unwrap().status,
            StatusCode::InProgress
        );
        assert_eq!(
            act(IncomingAction::Close, None).await.unwrap().status,
            StatusCode::Done
        );
        let e = act(
            IncomingAction::Reject {
                reason: "muộn".into(),
            },
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(&e, RegisterError::Invalid(p) if p[0].code == "transition_invalid"));
        let h = store::history(&app.db, r.id).await.unwrap();
        let codes: Vec<&str> = h.iter().map(|i| i.status.as_str()).collect();
        assert_eq!(codes, ["01", "03", "04", "05", "06"]);
        assert_eq!(h[2].note.as_deref(), Some("Phòng Tổng hợp"));
        assert!(h.iter().all(|i| i.actor == "clerk@test"));
        let e = store::incoming(&app.db, "G09", r.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.package_id, Some(42));
        assert_eq!(e.assignee.as_deref(), Some("Phòng Tổng hợp"));
        // Another agency does not see it, and cannot act on it.
        assert!(
            store::incoming(&app.db, "H41", r.id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            reg::act(
                &app.db,
                &id("H41"),
                r.id,
                &IncomingAction::Register,
                None,
                &cal,
                &clerk(),
                today
            )
            .await,
            Err(RegisterError::NotFound)
        ));
        // A rejection needs a reason and answers 02.
        let other = document("H41", "G09", "16", "Khác", Priority::Normal);
        let r2 = reg::receive(&app.db, &g09, &other, None, &clerk())
            .await
            .unwrap();
        let e = reg::act(
            &app.db,
            &g09,
            r2.id,
            &IncomingAction::Reject { reason: " ".into() },
            None,
            &cal,
            &clerk(),
            today,
        )
        .await
        .unwrap_err();
        assert!(matches!(&e, RegisterError::Invalid(p) if p[0].path == "reason"));
        let rej = reg::act(
            &app.db,
            &g09,
            r2.id,
            &IncomingAction::Reject {
                reason: "Sai nơi nhận".into(),
            },
            None,
            &cal,
            &clerk(),
            today,
        )
        .await
        .unwrap();
        assert_eq!(rej.status, StatusCode::Rejected);
    }
);

on_both!(
    the_registers_are_searched_without_diacritics_and_bounded,
    async |app: &TestApp| {
        let g09 = id("G09");
        for (n, subject, p) in [
            ("15", "Về việc triển khai Nghị định 30", Priority::Normal),
            ("16", "Báo cáo tình hình Đắk Lắk", Priority::Immediate),
            ("17", "Kế hoạch 100% số hóa", Priority::Normal),
        ] {
            reg::receive(
                &app.db,
                &g09,
                &document("H41", "G09", n, subject, p),
                None,
                &clerk(),
            )
            .await
            .unwrap();
        }
        // Another agency's entry never shows in G09's register.
        reg::receive(
            &app.db,
            &id("H42"),
            &document("H41", "H42", "15", "Về việc triển khai", Priority::Normal),
            None,
            &clerk(),
        )
        .await
        .unwrap();
        let search = |f: SearchForm| {
            let db = app.db.clone();
            let g09 = g09.clone();
            async move { reg::search_incoming(&db, &g09, &f).await }
        };
        let all = search(SearchForm::default()).await.unwrap();
        assert_eq!(all.0.len(), 3);
        // Urgent first.
        assert_eq!(all.0[0].number, "16");
        let by_subject = search(SearchForm {
            subject: "TRIEN khai nghi dinh".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(
            by_subject
                .0
                .iter()
                .map(|e| e.number.as_str())
                .collect::<Vec<_>>(),
            ["15"]
        );
        let dak = search(SearchForm {
            subject: "dak lak".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(dak.0.len(), 1);
        // LIKE's wildcards are plain characters.
        let pct = search(SearchForm {
            subject: "100%".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(pct.0.len(), 1);
        let none = search(SearchForm {
            subject: "%".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(none.0.len(), 1);
        let by_number = search(SearchForm {
            number: "16".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(by_number.0.len(), 1);
        let by_notation = search(SearchForm {
            notation: "qd-ubnd".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(by_notation.0.len(), 3);
        let by_sender = search(SearchForm {
            party: "nghe an".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(by_sender.0.len(), 3);
        let by_type = search(SearchForm {
            doc_type: "Quyết định".into(),
            from: "2026-11-30".into(),
            to: "2026-11-30".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(by_type.0.len(), 3);
        let out_of_range = search(SearchForm {
            from: "2026-12-01".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert!(out_of_range.0.is_empty());
        let e = search(SearchForm {
            number: "x".into(),
            from: "2026-12-02".into(),
            to: "2026-12-01".into(),
            page: "0".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
        let RegisterError::Invalid(p) = e else {
            panic!()
        };
        let fields: Vec<&str> = p.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(fields, ["number", "to", "page"]);
        // Pages are bounded.
        let s = store::Search {
            limit: 1_000_000,
            ..Default::default()
        };
        let (rows, more) = store::search_incoming(&app.db, "G09", &s).await.unwrap();
        assert!(rows.len() <= store::PAGE_MAX as usize && !more);
        let s = store::Search {
            limit: 2,
            ..Default::default()
        };
        let (rows, more) = store::search_incoming(&app.db, "G09", &s).await.unwrap();
        assert_eq!((rows.len(), more), (2, true));
    }
);

on_both!(
    attachments_are_pdf_docx_or_xlsx_by_their_bytes,
    async |app: &TestApp| {
        connect(app, &["G09", "H41"]).await;
        let h41 = id("H41");
        let dir = std::env::temp_dir().join(format!("egov-reg-files-{}", std::process::id()));
        let files = platform::files::FileStore::new(&dir);
        let a = reg::draft(
            &app.db,
            &h41,
            &form("2", "A"),
            &clerk(),
            date!(2026 - 12 - 02),
        )
        .await
        .unwrap();
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
        let (f, _) = reg::attach(
            &app.db,
            &files,
            &h41,
            Register::Outgoing,
            a,
            "Dự thảo.pdf",
            pdf,
            &clerk(),
        )
        .await
        .unwrap();
        use sha2::Digest;
        assert_eq!(f.file_key, hex::encode(sha2::Sha256::digest(pdf)));
        assert_eq!(files.get(&f.file_key).await.unwrap(), pdf);
        let before = count(app, "doc_register_files").await;
        let e = reg::attach(
            &app.db,
            &files,
            &h41,
            Register::Outgoing,
            a,
            "virus.pdf",
            b"MZ\x90\x00",
            &clerk(),
        )
        .await
        .unwrap_err();
        assert!(matches!(&e, RegisterError::Invalid(p) if p[0].code == "attachment_type"));
        // Another agency cannot attach to H41's entry.
        assert!(matches!(
            reg::attach(
                &app.db,
                &files,
                &id("G09"),
                Register::Outgoing,
                a,
                "x.pdf",
                pdf,
                &clerk()
            )
            .await,
            Err(RegisterError::NotFound)
        ));
        assert_eq!(count(app, "doc_register_files").await, before);
        let _ = std::fs::remove_dir_all(&dir);
    }
);

/// The agency's electronic identifier (Decision 20/2020 form) of a registry agency.
async fn edoc(app: &TestApp, code: &str) -> String {
    let a = registry::store::agency_by_any_code(&app.db, code)
        .await
        .unwrap()
        .unwrap();
    id(&a.edoc_2020.or(a.edoc_qcvn).unwrap()).short()
}

on_both!(
    the_pages_serve_the_callers_agency_only_and_check_every_field,
    async |app: &TestApp| {
        use platform::identity::access::Role;
        let na = edoc(app, "ubnd-40").await;
        let ht = edoc(app, "ubnd-79").await;
        office(app, &na, "UBND").await;
        connect(app, &[na.as_str(), ht.as_str()]).await;
        let s40 = app.scope("agency", "ubnd-40").await;
        let s42 = app.scope("agency", "ubnd-79").await;
        let mut clerk = app.signed_in("vanthu40", Role::Reporter, s40).await;
        let mut leader = app.signed_in("lanhdao40", Role::Approver, s40).await;
        let mut other = app.signed_in("vanthu79", Role::Reporter, s42).await;
        let mut viewer = app.signed_in("xem40", Role::Viewer, s40).await;

        let page = clerk.get("/documents/outgoing").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("Sổ văn bản đi"));
        assert!(page.body.contains("draft-form"));
        // A viewer of the agency holds no register.
        assert_eq!(viewer.get("/documents/outgoing").await.status, 404);

        // Every bad field beside its field and in the summary; nothing written.
        let bad = clerk
            .post(
                "/documents/outgoing",
                &[
                    ("doc_type", "2"),
                    ("subject", ""),
                    ("signer_name", "Nguyễn Văn A"),
                    ("signer_position", "Chủ tịch"),
                    ("recipients", &format!("{na}, zzz")),
                    ("urgency", "9"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        for id in ["subject", "recipients", "urgency"] {
            assert!(
                bad.body.contains(&format!("id=\"{id}-error\"")),
                "{id}: {}",
                bad.body
            );
            assert!(bad.body.contains(&format!("href=\"#{id}\"")), "{id}");
        }
        assert!(bad.body.contains("Trích yếu: bắt buộc"), "{}", bad.body);
        assert_eq!(count(app, "doc_outgoing").await, 0);

        let ok = clerk
            .post(
                "/documents/outgoing",
                &[
                    ("doc_type", "2"),
                    ("subject", "Về việc phê duyệt kế hoạch"),
                    ("signer_name", "Nguyễn Văn A"),
                    ("signer_position", "Chủ tịch"),
                    ("recipients", &ht),
                    ("urgency", "1"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let at = ok.location();
        let id: i64 = at
            .trim_start_matches("/documents/outgoing/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // Another agency's clerk: not found, and cannot number it.
        assert_eq!(
            other.get(&format!("/documents/outgoing/{id}")).await.status,
            404
        );
        assert_eq!(
            other
                .post(&format!("/documents/outgoing/{id}/number"), &[])
                .await
                .status,
            404
        );
        // A leader does not number (the clerk does).
        assert_eq!(
            leader
                .post(&format!("/documents/outgoing/{id}/number"), &[])
                .await
                .status,
            403
        );
        let n = clerk
            .post(&format!("/documents/outgoing/{id}/number"), &[])
            .await;
        assert_eq!(n.status, 303, "{}", n.body);
        let one = clerk.get(&format!("/documents/outgoing/{id}")).await;
        assert!(one.body.contains("01/QĐ-UBND"), "{}", one.body);
        let twice = clerk
            .post(&format!("/documents/outgoing/{id}/number"), &[])
            .await;
        assert_eq!(twice.status, 422);
        assert!(twice.body.contains("đã được cấp số"));
        // Attachments: judged by their bytes; clerks of the agency only.
        let xlsx = b"PK\x03\x04 ... [Content_Types].xml ... xl/workbook.xml ...";
        let up = format!("/documents/outgoing/{id}/upload");
        assert_eq!(other.post_file(&up, &[], "file", xlsx).await.status, 404);
        assert_eq!(leader.post_file(&up, &[], "file", xlsx).await.status, 403);
        let files_before = count(app, "doc_register_files").await;
        let wrong = clerk
            .post_file(&up, &[], "file", b"%PDF-1.7 named .xlsx")
            .await;
        assert_eq!(wrong.status, 422, "{}", wrong.body);
        assert!(wrong.body.contains("id=\"file-error\""));
        assert_eq!(count(app, "doc_register_files").await, files_before);
        let good = clerk.post_file(&up, &[], "file", xlsx).await;
        assert_eq!(good.status, 303, "{}", good.body);
        let one = clerk.get(&format!("/documents/outgoing/{id}")).await;
        assert!(one.body.contains("bao-cao.xlsx"), "{}", one.body);
        let found = clerk.get("/documents/outgoing?subject=phe%20duyet").await;
        assert!(found.body.contains("01/QĐ-UBND"));
        let bad_search = clerk.get("/documents/outgoing?from=2026-13-01").await;
        assert_eq!(bad_search.status, 422);
        assert!(bad_search.body.contains("id=\"q-from-error\""));

        // Incoming: urgent first, flagged; the actions by role; impossible moves refused.
        let me = id_of(&na);
        let normal = document(&ht, &na, "7", "Thường lệ", Priority::Normal);
        let urgent = document(&ht, &na, "8", "Hỏa tốc về bão", Priority::Immediate);
        let r1 = reg::receive(&app.db, &me, &normal, None, &clerk_actor())
            .await
            .unwrap();
        let r2 = reg::receive(&app.db, &me, &urgent, None, &clerk_actor())
            .await
            .unwrap();
        let list = clerk.get("/documents/incoming").await;
        assert_eq!(list.status, 200);
        let (p1, p2) = (
            list.body
                .find(&format!("id=\"incoming-{}\"", r1.id))
                .unwrap(),
            list.body
                .find(&format!("id=\"incoming-{}\"", r2.id))
                .unwrap(),
        );
        assert!(p2 < p1, "urgent first");
        assert!(list.body.contains("Hỏa tốc"));
        let theirs = other.get("/documents/incoming").await;
        assert_eq!(theirs.status, 200);
        assert!(!theirs.body.contains("Hỏa tốc về bão"));
        assert_eq!(
            other
                .get(&format!("/documents/incoming/{}", r2.id))
                .await
                .status,
            404
        );
        let path = |a: &str| format!("/documents/incoming/{}/{a}", r2.id);
        assert_eq!(
            clerk
                .post(&path("assign"), &[("assignee", "Phòng KT")])
                .await
                .status,
            403
        );
        assert_eq!(other.post(&path("register"), &[]).await.status, 404);
        let done = clerk.post(&path("register"), &[]).await;
        assert_eq!(done.status, 303);
        assert!(done.location().ends_with("?done=03"));
        let empty = leader.post(&path("assign"), &[("assignee", " ")]).await;
        assert_eq!(empty.status, 422);
        assert!(empty.body.contains("id=\"assignee-error\""));
        let days = leader
            .post(
                &path("assign"),
                &[("assignee", "Phòng KT"), ("handling_days", "abc")],
            )
            .await;
        assert_eq!(days.status, 422);
        assert!(days.body.contains("id=\"handling_days-error\""));
        let ok = leader
            .post(
                &path("assign"),
                &[("assignee", "Phòng KT"), ("handling_days", "3")],
            )
            .await;
        assert!(ok.location().ends_with("?done=04"), "{}", ok.body);
        let early = clerk.post(&path("close"), &[]).await;
        assert_eq!(early.status, 422);
        assert!(early.body.contains("04"), "{}", early.body);
        let one = clerk.get(&format!("/documents/incoming/{}", r2.id)).await;
        assert!(one.body.contains("Phòng KT"));
        assert!(one.body.contains("data-status=\"04\""));
        assert_eq!(clerk.post(&path("explode"), &[]).await.status, 404);
    }
);

fn id_of(s: &str) -> AgencyId {
    id(s)
}

fn clerk_actor() -> Actor {
    clerk()
}
