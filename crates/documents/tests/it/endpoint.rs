//! Agency endpoints connected to an axis: agency A (G22, RSA key) and B (H41, ECDSA key) run
//! their endpoints (`engine::endpoint`) in the same test app that serves the axis, over loopback
//! HTTP with the platform's client. A sends, B receives into its incoming register, B registers
//! and assigns, A sees 01 → 03 → 04; the axis unreachable (connection refused) keeps the
//! package queued and it goes later, once.

use documents::client::AgencyKey;
use documents::engine::endpoint::{self, Endpoint};
use documents::engine::registers as reg;
use documents::model::agency::AgencyId;
use documents::model::register::{DraftForm, IncomingAction};
use documents::store::agencies::AgencyState;
use documents::store::outbox;
use platform::audit::Actor;
use platform::db::now_ms;
use platform::files::FileStore;

use crate::on_both;
use crate::support::*;

fn id(s: &str) -> AgencyId {
    AgencyId::parse(s).unwrap()
}

fn clerk() -> Actor {
    Actor::system("clerk@test")
}

async fn n(app: &TestApp, sql: &'static str) -> i64 {
    app.db
        .fetch_one(sql, vec![])
        .await
        .unwrap()
        .get::<i64>("n")
        .unwrap()
}

/// A port nothing listens on: connecting is refused.
async fn dead_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

on_both!(
    two_agencies_exchange_a_document_and_its_statuses_through_the_axis,
    async |app: &TestApp| {
        agency(
            app,
            "G22",
            "Văn phòng Chính phủ",
            RSA_CRT,
            AgencyState::Active,
        )
        .await;
        agency(app, "H41", "UBND tỉnh Nghệ An", EC_CRT, AgencyState::Active).await;
        reg::set_office(&app.db, &id("G22"), "VPCP", &clerk())
            .await
            .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let base = testkit::serve(app.router.clone(), async move {
            let _ = stopped.await;
        })
        .await;
        let dir = files_root(&app.url).join("endpoint");
        let files = FileStore::new(&dir);
        let a = Endpoint::new(
            id("G22"),
            AgencyKey::from_pkcs8("G22", RSA_KEY, RSA_CRT).unwrap(),
            &base,
            files.clone(),
        );
        let b = Endpoint::new(
            id("H41"),
            AgencyKey::from_pkcs8("H41", EC_KEY, EC_CRT).unwrap(),
            &base,
            files.clone(),
        );
        let a_down = Endpoint {
            axis_url: dead_url().await,
            ..a.clone()
        };

        // A drafts, numbers and sends.
        let today = reg::today_vn();
        let form = DraftForm {
            doc_type: "Công văn".into(),
            subject: "V/v triển khai liên thông văn bản".into(),
            summary: "Đề nghị triển khai.".into(),
            signer_name: "Nguyễn Văn A".into(),
            signer_position: "Phó Chủ nhiệm".into(),
            recipients: "H41".into(),
            urgency: "1".into(),
            due_date: String::new(),
        };
        let out = reg::draft(&app.db, &id("G22"), &form, &clerk(), today)
            .await
            .unwrap();
        let numbered = reg::number(&app.db, &id("G22"), out, &clerk(), today)
            .await
            .unwrap();
        let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
        let (sent_file, _) = reg::attach(
            &app.db,
            &files,
            &id("G22"),
            documents::store::registers::Register::Outgoing,
            out,
            "cong-van.pdf",
            pdf,
            &clerk(),
        )
        .await
        .unwrap();
        endpoint::send(&app.db, &files, &id("G22"), out, &clerk())
            .await
            .unwrap();
        // A second click queues nothing more.
        endpoint::send(&app.db, &files, &id("G22"), out, &clerk())
            .await
            .unwrap();
        assert_eq!(n(app, "SELECT COUNT(*) AS n FROM doc_outbox").await, 1);

        // The axis is down: refused, kept, tried later.
        let now = now_ms();
        let d = endpoint::deliver(&app.db, &a_down, now).await.unwrap();
        assert_eq!((d.accepted, d.retried), (0, 1));
        let row = &outbox::for_outgoing(&app.db, "G22", out).await.unwrap()[0];
        assert_eq!((row.state.as_str(), row.attempts), ("queued", 1));
        assert!(row.next_at > now, "backoff");
        assert!(
            row.last_error.as_deref().unwrap().contains("refused"),
            "{row:?}"
        );
        assert_eq!(n(app, "SELECT COUNT(*) AS n FROM doc_packages").await, 0);
        // Not due yet: nothing sent even though the axis is back.
        let d = endpoint::deliver(&app.db, &a, now).await.unwrap();
        assert_eq!(d, endpoint::Delivered::default());
        // Once due, it goes, and the register marks the document sent.
        let later = now + endpoint::backoff_ms(1);
        let d = endpoint::deliver(&app.db, &a, later).await.unwrap();
        assert_eq!(d.accepted, 1);
        let o = documents::store::registers::outgoing(&app.db, "G22", out)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(o.state, "sent");
        assert_eq!(n(app, "SELECT COUNT(*) AS n FROM doc_packages").await, 1);

        // B fetches: one entry at 01, acknowledged; fetching again takes nothing.
        let f = endpoint::fetch(&app.db, &b).await.unwrap();
        assert_eq!(
            (f.documents, f.acknowledged, f.refused, f.failed),
            (1, 1, 0, 0)
        );
        let f = endpoint::fetch(&app.db, &b).await.unwrap();
        assert_eq!(f, endpoint::Fetched::default());
        let (entry, document_id): (i64, String) = {
            let r = app
                .db
                .fetch_one(
                    "SELECT id, document_id FROM doc_incoming WHERE agency_code = 'H41'",
                    vec![],
                )
                .await
                .unwrap();
            (r.get("id").unwrap(), r.get("document_id").unwrap())
        };
        assert_eq!(document_id, numbered.document_id);
        // The attachment came with it, the same bytes.
        let got = documents::store::registers::files(
            &app.db,
            documents::store::registers::Register::Incoming,
            entry,
        )
        .await
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].name.as_str(), got[0].file_key.as_str()),
            ("cong-van.pdf", sent_file.file_key.as_str())
        );

        // B registers (03) and assigns (04); each queues its status; 01 was queued at arrival.
        let cal = reporting::query::holiday_calendar(&app.db).await.unwrap();
        for action in [
            IncomingAction::Register,
            IncomingAction::Assign {
                to: "Phòng Tổng hợp".into(),
            },
        ] {
            reg::act(
                &app.db,
                &id("H41"),
                entry,
                &action,
                None,
                &cal,
                &clerk(),
                today,
            )
            .await
            .unwrap();
        }
        let d = endpoint::deliver(&app.db, &b, now_ms()).await.unwrap();
        assert_eq!((d.accepted, d.rejected, d.retried), (3, 0, 0));
        let f = endpoint::fetch(&app.db, &a).await.unwrap();
        assert_eq!((f.statuses, f.acknowledged), (3, 3));
        let timeline = outbox::timeline(&app.db, "G22", out).await.unwrap();
        let codes: Vec<(&str, &str)> = timeline
            .iter()
            .map(|t| (t.recipient.as_str(), t.status.as_str()))
            .collect();
        assert_eq!(codes, [("H41", "01"), ("H41", "03"), ("H41", "04")]);

        // A lost answer: the document's package sent again gets the first outcome, and nothing
        // new reaches B.
        app.db
            .execute(
                "UPDATE doc_outbox SET state = 'queued', next_at = 0 WHERE kind = 'document'",
                vec![],
            )
            .await
            .unwrap();
        let d = endpoint::deliver(&app.db, &a, now_ms()).await.unwrap();
        assert_eq!(d.accepted, 1);
        assert_eq!(
            n(
                app,
                "SELECT COUNT(*) AS n FROM doc_packages WHERE kind = 'document'"
            )
            .await,
            1
        );
        let f = endpoint::fetch(&app.db, &b).await.unwrap();
        assert_eq!(f, endpoint::Fetched::default());
        assert_eq!(n(app, "SELECT COUNT(*) AS n FROM doc_incoming").await, 1);
        let _ = stop.send(());
        let _ = std::fs::remove_dir_all(dir);
    }
);

on_both!(
    a_clerk_sends_from_the_outgoing_page_and_follows_each_recipients_status,
    async |app: &TestApp| {
        use platform::identity::access::Role;
        let edoc = |code: &'static str| async move {
            let a = registry::store::agency_by_any_code(&app.db, code)
                .await
                .unwrap()
                .unwrap();
            id(&a.edoc_2020.or(a.edoc_qcvn).unwrap())
        };
        let na = edoc("ubnd-40").await;
        let ht = edoc("ubnd-79").await;
        for (a, crt) in [(&na, RSA_CRT), (&ht, EC_CRT)] {
            agency(app, &a.short(), "Cơ quan", crt, AgencyState::Active).await;
        }
        reg::set_office(&app.db, &na, "UBND", &clerk())
            .await
            .unwrap();
        let s40 = app.scope("agency", "ubnd-40").await;
        let s79 = app.scope("agency", "ubnd-79").await;
        let mut vanthu = app.signed_in("vanthu40", Role::Reporter, s40).await;
        let mut leader = app.signed_in("lanhdao40", Role::Approver, s40).await;
        let mut other = app.signed_in("vanthu79", Role::Reporter, s79).await;
        let today = reg::today_vn();
        let form = DraftForm {
            doc_type: "Công văn".into(),
            subject: "V/v liên thông".into(),
            summary: String::new(),
            signer_name: "Nguyễn Văn A".into(),
            signer_position: "Chủ tịch".into(),
            recipients: ht.short(),
            urgency: "0".into(),
            due_date: String::new(),
        };
        let out = reg::draft(&app.db, &na, &form, &clerk(), today)
            .await
            .unwrap();
        let path = format!("/documents/outgoing/{out}");
        // A draft cannot be sent: number it first.
        let page = vanthu.get(&path).await;
        assert!(!page.body.contains("send-form"), "{}", page.body);
        let refused = vanthu.post(&format!("{path}/send"), &[]).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert_eq!(n(app, "SELECT COUNT(*) AS n FROM doc_outbox").await, 0);
        reg::number(&app.db, &na, out, &clerk(), today)
            .await
            .unwrap();
        let page = vanthu.get(&path).await;
        assert!(page.body.contains("id=\"send-form\""), "{}", page.body);
        assert!(
            page.body.contains("Chưa có trạng thái nào"),
            "{}",
            page.body
        );
        // Another agency's clerk: not found; the leader: not a clerk's action.
        assert_eq!(other.post(&format!("{path}/send"), &[]).await.status, 404);
        assert_eq!(leader.post(&format!("{path}/send"), &[]).await.status, 403);
        assert_eq!(n(app, "SELECT COUNT(*) AS n FROM doc_outbox").await, 0);
        let sent = vanthu.post(&format!("{path}/send"), &[]).await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        assert_eq!(sent.location(), format!("{path}?done=queued"));
        let page = vanthu.get(&path).await;
        assert!(page.body.contains("Đang chờ gửi"), "{}", page.body);
        assert!(!page.body.contains("id=\"send-form\""));
        // Sending twice queues one package.
        vanthu.post(&format!("{path}/send"), &[]).await;
        assert_eq!(n(app, "SELECT COUNT(*) AS n FROM doc_outbox").await, 1);
        assert_eq!(
            n(
                app,
                "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'documents.deliver'"
            )
            .await,
            1
        );
        // A status recorded from the axis shows on the timeline.
        let mut tx = app.db.begin().await.unwrap();
        outbox::add_status(
            &mut tx,
            &outbox::NewStatus {
                agency_code: &na.short(),
                outgoing_id: out,
                recipient: &ht.short(),
                status: "03",
                description: Some("Đã vào sổ văn bản đến"),
                staff: Some("Trần Thị B"),
                at: now_ms(),
                package_id: 7,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let page = vanthu.get(&path).await;
        assert!(page.body.contains("id=\"timeline\""), "{}", page.body);
        assert!(page.body.contains("Trần Thị B"));
        assert!(page.body.contains("Đã vào sổ"));
    }
);

/// The endpoint's configuration: all four keys or none; PEM or DER files; a precise error.
#[test]
fn the_endpoint_configuration_is_all_or_nothing_and_says_what_is_wrong() {
    use platform::config::Config;
    let keys = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/keys");
    let none = Config::default();
    let files = platform::files::FileStore::new(std::env::temp_dir().join("egov-unused-files"));
    assert!(endpoint::from_config(&none, &files).unwrap().is_none());
    let half = Config {
        axis_url: Some("https://truc.example.gov.vn".into()),
        ..Config::default()
    };
    let e = endpoint::from_config(&half, &files).err().unwrap();
    assert!(e.contains("go together"), "{e}");
    let full = |agency: &str, url: &str, key: &str, crt: &str| Config {
        axis_url: Some(url.into()),
        axis_agency: Some(agency.into()),
        axis_key_file: Some(keys.join(key)),
        axis_certificate_file: Some(keys.join(crt)),
        ..Config::default()
    };
    let pem = full(
        "000.00.00.G22",
        "https://truc.example.gov.vn/",
        "rsa.key.pem",
        "rsa.crt.pem",
    );
    let ep = endpoint::from_config(&pem, &files).unwrap().unwrap();
    assert_eq!(ep.agency.short(), "G22");
    assert_eq!(ep.axis_url, "https://truc.example.gov.vn");
    let der = full("H41", "http://127.0.0.1:9", "ec.key.der", "ec.crt.der");
    assert!(endpoint::from_config(&der, &files).unwrap().is_some());
    let bad = endpoint::from_config(&full("G2", "http://x", "ec.key.der", "ec.crt.der"), &files);
    assert!(bad.err().unwrap().starts_with("axis_agency"));
    let bad = endpoint::from_config(&full("G22", "ftp://x", "ec.key.der", "ec.crt.der"), &files);
    assert!(bad.err().unwrap().starts_with("axis_url"));
    let bad = endpoint::from_config(
        &full("G22", "http://x", "missing.der", "ec.crt.der"),
        &files,
    );
    assert!(bad.err().unwrap().starts_with("axis_key_file"));
    // A key that is not the certificate's.
    let bad = endpoint::from_config(
        &full("G22", "http://x", "rsa.key.der", "ec.crt.der"),
        &files,
    );
    assert!(bad.is_err());
}

on_both!(
    a_package_its_recipient_cannot_take_goes_back_to_the_sender_as_status_02,
    async |app: &TestApp| {
        agency(
            app,
            "G22",
            "Văn phòng Chính phủ",
            RSA_CRT,
            AgencyState::Active,
        )
        .await;
        agency(app, "H41", "UBND tỉnh Nghệ An", EC_CRT, AgencyState::Active).await;
        reg::set_office(&app.db, &id("G22"), "VPCP", &clerk())
            .await
            .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let base = testkit::serve(app.router.clone(), async move {
            let _ = stopped.await;
        })
        .await;
        let dir = files_root(&app.url).join("endpoint-refusal");
        let files = FileStore::new(&dir);
        let a = Endpoint::new(
            id("G22"),
            AgencyKey::from_pkcs8("G22", RSA_KEY, RSA_CRT).unwrap(),
            &base,
            files.clone(),
        );
        let b = Endpoint::new(
            id("H41"),
            AgencyKey::from_pkcs8("H41", EC_KEY, EC_CRT).unwrap(),
            &base,
            files.clone(),
        );
        let today = reg::today_vn();
        let form = DraftForm {
            doc_type: "Công văn".into(),
            subject: "V/v rà soát danh bạ chứng thư số".into(),
            summary: "Đề nghị rà soát.".into(),
            signer_name: "Nguyễn Văn A".into(),
            signer_position: "Phó Chủ nhiệm".into(),
            recipients: "H41".into(),
            urgency: "1".into(),
            due_date: String::new(),
        };
        let out = reg::draft(&app.db, &id("G22"), &form, &clerk(), today)
            .await
            .unwrap();
        let numbered = reg::number(&app.db, &id("G22"), out, &clerk(), today)
            .await
            .unwrap();
        endpoint::send(&app.db, &files, &id("G22"), out, &clerk())
            .await
            .unwrap();
        assert_eq!(
            endpoint::deliver(&app.db, &a, now_ms())
                .await
                .unwrap()
                .accepted,
            1
        );

        // B's directory holds another certificate for G22 than the one that signed: B refuses
        // the package, answers 02 with the reason, and acknowledges it so it leaves the queue.
        let set_fingerprint = |fp: String| {
            let db = app.db.clone();
            async move {
                db.execute(
                    "UPDATE doc_agencies SET fingerprint = $1 WHERE code = 'G22'",
                    platform::params![fp],
                )
                .await
                .unwrap();
            }
        };
        set_fingerprint("aa".repeat(32)).await;
        let f = endpoint::fetch(&app.db, &b).await.unwrap();
        assert_eq!(
            (f.documents, f.refused, f.acknowledged, f.failed),
            (0, 1, 1, 0)
        );
        assert_eq!(n(app, "SELECT COUNT(*) AS n FROM doc_incoming").await, 0);
        assert_eq!(
            endpoint::fetch(&app.db, &b).await.unwrap(),
            endpoint::Fetched::default()
        );
        let queued = app
            .db
            .fetch_one(
                "SELECT status_code, document_id, description FROM doc_outbox \
                  WHERE agency_code = 'H41' AND kind = 'status'",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(queued.get::<String>("status_code").unwrap(), "02");
        assert_eq!(
            queued.get::<String>("document_id").unwrap(),
            numbered.document_id
        );
        let description: String = queued.get("description").unwrap();
        assert!(
            description.contains("Không tiếp nhận")
                && description.contains("Not accepted")
                && description.contains("G22"),
            "{description}"
        );
        assert_eq!(
            n(
                app,
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'documents.package_refused'"
            )
            .await,
            1
        );

        // The 02 reaches A's timeline with its reason.
        set_fingerprint(hex::encode(ring::digest::digest(
            &ring::digest::SHA256,
            RSA_CRT,
        )))
        .await;
        let d = endpoint::deliver(&app.db, &b, now_ms()).await.unwrap();
        assert_eq!((d.accepted, d.rejected), (1, 0));
        let f = endpoint::fetch(&app.db, &a).await.unwrap();
        assert_eq!((f.statuses, f.acknowledged), (1, 1));
        let timeline = outbox::timeline(&app.db, "G22", out).await.unwrap();
        assert_eq!(timeline.len(), 1, "{timeline:?}");
        assert_eq!(
            (timeline[0].recipient.as_str(), timeline[0].status.as_str()),
            ("H41", "02")
        );
        assert_eq!(
            timeline[0].description.as_deref(),
            Some(description.as_str())
        );
        let _ = stop.send(());
        let _ = std::fs::remove_dir_all(dir);
    }
);

on_both!(
    a_sender_asks_a_document_back_and_revokes_another_through_the_axis,
    async |app: &TestApp| {
        agency(
            app,
            "G22",
            "Văn phòng Chính phủ",
            RSA_CRT,
            AgencyState::Active,
        )
        .await;
        agency(app, "H41", "UBND tỉnh Nghệ An", EC_CRT, AgencyState::Active).await;
        reg::set_office(&app.db, &id("G22"), "VPCP", &clerk())
            .await
            .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let base = testkit::serve(app.router.clone(), async move {
            let _ = stopped.await;
        })
        .await;
        let dir = files_root(&app.url).join("endpoint-withdraw");
        let files = FileStore::new(&dir);
        let a = Endpoint::new(
            id("G22"),
            AgencyKey::from_pkcs8("G22", RSA_KEY, RSA_CRT).unwrap(),
            &base,
            files.clone(),
        );
        let b = Endpoint::new(
            id("H41"),
            AgencyKey::from_pkcs8("H41", EC_KEY, EC_CRT).unwrap(),
            &base,
            files.clone(),
        );
        let today = reg::today_vn();
        let mut sent = Vec::new();
        for subject in [
            "V/v báo cáo số liệu quý IV",
            "V/v tổ chức hội nghị trực tuyến",
        ] {
            let form = DraftForm {
                doc_type: "Công văn".into(),
                subject: subject.into(),
                summary: String::new(),
                signer_name: "Nguyễn Văn A".into(),
                signer_position: "Phó Chủ nhiệm".into(),
                recipients: "H41".into(),
                urgency: "0".into(),
                due_date: String::new(),
            };
            let out = reg::draft(&app.db, &id("G22"), &form, &clerk(), today)
                .await
                .unwrap();
            reg::number(&app.db, &id("G22"), out, &clerk(), today)
                .await
                .unwrap();
            endpoint::send(&app.db, &files, &id("G22"), out, &clerk())
                .await
                .unwrap();
            sent.push(out);
        }
        assert_eq!(
            endpoint::deliver(&app.db, &a, now_ms())
                .await
                .unwrap()
                .accepted,
            2
        );
        assert_eq!(endpoint::fetch(&app.db, &b).await.unwrap().documents, 2);
        let entry = |subject: &'static str| {
            let db = app.db.clone();
            async move {
                documents::store::registers::search_incoming(
                    &db,
                    "H41",
                    &documents::store::registers::Search {
                        limit: 50,
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .0
                .into_iter()
                .find(|e| e.subject == subject)
                .unwrap()
            }
        };
        let asked = entry("V/v báo cáo số liệu quý IV").await;
        let cal = reporting::query::holiday_calendar(&app.db).await.unwrap();
        let act = |e: i64, action: IncomingAction| {
            let db = app.db.clone();
            let cal = cal.clone();
            async move {
                reg::act(
                    &db,
                    &id("H41"),
                    e,
                    &action,
                    None,
                    &cal,
                    &clerk(),
                    reg::today_vn(),
                )
                .await
            }
        };

        // 1. A asks for the first back; a reason is required, a document not sent refused.
        assert!(matches!(
            endpoint::request_take_back(&app.db, &id("G22"), sent[0], "  ", &clerk()).await,
            Err(endpoint::EndpointError::Invalid(_))
        ));
        endpoint::request_take_back(
            &app.db,
            &id("G22"),
            sent[0],
            "Số liệu cần chỉnh lại",
            &clerk(),
        )
        .await
        .unwrap();
        // Answering before the request arrived is refused.
        assert!(act(asked.id, IncomingAction::GiveBack).await.is_err());
        endpoint::deliver(&app.db, &a, now_ms()).await.unwrap();
        let f = endpoint::fetch(&app.db, &b).await.unwrap();
        assert_eq!((f.take_back_requests, f.acknowledged), (1, 1), "{f:?}");
        let e = entry("V/v báo cáo số liệu quý IV").await;
        assert_eq!(e.take_back_reason.as_deref(), Some("Số liệu cần chỉnh lại"));
        // B keeps it (16), with a reason; then A asks again and B gives it back (15).
        assert!(
            act(asked.id, IncomingAction::KeepIt { reason: " ".into() })
                .await
                .is_err()
        );
        act(
            asked.id,
            IncomingAction::KeepIt {
                reason: "Đã trình lãnh đạo".into(),
            },
        )
        .await
        .unwrap();
        endpoint::request_take_back(&app.db, &id("G22"), sent[0], "Đề nghị trả lại", &clerk())
            .await
            .unwrap();
        endpoint::deliver(&app.db, &a, now_ms()).await.unwrap();
        endpoint::deliver(&app.db, &b, now_ms()).await.unwrap();
        endpoint::fetch(&app.db, &b).await.unwrap();
        act(asked.id, IncomingAction::GiveBack).await.unwrap();
        let e = entry("V/v báo cáo số liệu quý IV").await;
        assert_eq!(e.withdrawn.as_deref(), Some("taken_back"));
        assert_eq!(e.take_back_requested_at, None);
        // A withdrawn entry takes no further action.
        assert!(act(asked.id, IncomingAction::Register).await.is_err());
        endpoint::deliver(&app.db, &b, now_ms()).await.unwrap();
        endpoint::fetch(&app.db, &a).await.unwrap();
        let codes: Vec<String> = outbox::timeline(&app.db, "G22", sent[0])
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.status)
            .collect();
        assert_eq!(codes, ["01", "16", "15"]);

        // 2. A revokes the second: the register says revoked; B withdraws it and answers 15.
        endpoint::revoke(
            &app.db,
            &files,
            &id("G22"),
            sent[1],
            "Ban hành nhầm",
            &clerk(),
        )
        .await
        .unwrap();
        let o = documents::store::registers::outgoing(&app.db, "G22", sent[1])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(o.state, "revoked");
        // Revoked already: a second revocation is refused.
        assert!(
            endpoint::revoke(&app.db, &files, &id("G22"), sent[1], "Lần nữa", &clerk())
                .await
                .is_err()
        );
        assert_eq!(
            endpoint::deliver(&app.db, &a, now_ms())
                .await
                .unwrap()
                .accepted,
            1
        );
        let f = endpoint::fetch(&app.db, &b).await.unwrap();
        assert_eq!((f.withdrawn, f.documents), (1, 0), "{f:?}");
        let e = entry("V/v tổ chức hội nghị trực tuyến").await;
        assert_eq!(
            (e.withdrawn.as_deref(), e.withdraw_reason.as_deref()),
            (Some("revoked"), Some("Ban hành nhầm"))
        );
        endpoint::deliver(&app.db, &b, now_ms()).await.unwrap();
        endpoint::fetch(&app.db, &a).await.unwrap();
        let codes: Vec<String> = outbox::timeline(&app.db, "G22", sent[1])
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.status)
            .collect();
        assert_eq!(codes, ["01", "15"]);
        // Still one entry per document at B, and the revocation is its own package on the axis.
        assert_eq!(n(app, "SELECT COUNT(*) AS n FROM doc_incoming").await, 2);
        assert_eq!(
            n(
                app,
                "SELECT COUNT(*) AS n FROM doc_packages WHERE kind = 'document'"
            )
            .await,
            3
        );
        let _ = stop.send(());
        let _ = std::fs::remove_dir_all(dir);
    }
);

on_both!(
    a_sender_updates_a_sent_document_and_the_recipient_takes_or_refuses_it,
    async |app: &TestApp| {
        agency(
            app,
            "G22",
            "Văn phòng Chính phủ",
            RSA_CRT,
            AgencyState::Active,
        )
        .await;
        agency(app, "H41", "UBND tỉnh Nghệ An", EC_CRT, AgencyState::Active).await;
        reg::set_office(&app.db, &id("G22"), "VPCP", &clerk())
            .await
            .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let base = testkit::serve(app.router.clone(), async move {
            let _ = stopped.await;
        })
        .await;
        let dir = files_root(&app.url).join("endpoint-update");
        let files = FileStore::new(&dir);
        let a = Endpoint::new(
            id("G22"),
            AgencyKey::from_pkcs8("G22", RSA_KEY, RSA_CRT).unwrap(),
            &base,
            files.clone(),
        );
        let b = Endpoint::new(
            id("H41"),
            AgencyKey::from_pkcs8("H41", EC_KEY, EC_CRT).unwrap(),
            &base,
            files.clone(),
        );
        let today = reg::today_vn();
        let form = DraftForm {
            doc_type: "Công văn".into(),
            subject: "V/v họp giao ban tháng 12".into(),
            summary: "Họp ngày 10/12.".into(),
            signer_name: "Nguyễn Văn A".into(),
            signer_position: "Phó Chủ nhiệm".into(),
            recipients: "H41".into(),
            urgency: "0".into(),
            due_date: String::new(),
        };
        let out = reg::draft(&app.db, &id("G22"), &form, &clerk(), today)
            .await
            .unwrap();
        reg::number(&app.db, &id("G22"), out, &clerk(), today)
            .await
            .unwrap();
        let update = |subject: &str, reason: &str| documents::model::register::UpdateForm {
            subject: subject.into(),
            summary: "Họp ngày 12/12.".into(),
            reason: reason.into(),
        };
        // Not sent yet: nothing to update.
        assert!(
            endpoint::update(
                &app.db,
                &files,
                &id("G22"),
                out,
                &update("Mới", "Đổi ngày"),
                &clerk()
            )
            .await
            .is_err()
        );
        endpoint::send(&app.db, &files, &id("G22"), out, &clerk())
            .await
            .unwrap();
        endpoint::deliver(&app.db, &a, now_ms()).await.unwrap();
        assert_eq!(endpoint::fetch(&app.db, &b).await.unwrap().documents, 1);
        // A reason is required; every problem at once.
        match endpoint::update(
            &app.db,
            &files,
            &id("G22"),
            out,
            &update(" ", " "),
            &clerk(),
        )
        .await
        {
            Err(endpoint::EndpointError::Invalid(p)) => {
                let paths: Vec<&str> = p.iter().map(|x| x.path.as_str()).collect();
                assert_eq!(paths, ["subject", "reason"], "{p:?}");
            }
            other => panic!("{other:?}"),
        }
        endpoint::update(
            &app.db,
            &files,
            &id("G22"),
            out,
            &update("V/v họp giao ban tháng 12 (đổi ngày)", "Đổi ngày họp"),
            &clerk(),
        )
        .await
        .unwrap();
        let o = documents::store::registers::outgoing(&app.db, "G22", out)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (o.subject.as_str(), o.state.as_str()),
            ("V/v họp giao ban tháng 12 (đổi ngày)", "sent")
        );
        assert_eq!(
            endpoint::deliver(&app.db, &a, now_ms())
                .await
                .unwrap()
                .accepted,
            1
        );
        let f = endpoint::fetch(&app.db, &b).await.unwrap();
        assert_eq!((f.updated, f.documents), (1, 0), "{f:?}");
        let subject_at_b = || {
            let db = app.db.clone();
            async move {
                db.fetch_one(
                    "SELECT id, subject FROM doc_incoming WHERE agency_code = 'H41'",
                    vec![],
                )
                .await
                .unwrap()
            }
        };
        // The update waits for B's clerk: the entry keeps its subject until it is taken.
        let row = subject_at_b().await;
        let entry: i64 = row.get("id").unwrap();
        assert_eq!(
            row.get::<String>("subject").unwrap(),
            "V/v họp giao ban tháng 12"
        );
        let cal = reporting::query::holiday_calendar(&app.db).await.unwrap();
        let act = |action: IncomingAction| {
            let db = app.db.clone();
            let cal = cal.clone();
            async move {
                reg::act(
                    &db,
                    &id("H41"),
                    entry,
                    &action,
                    None,
                    &cal,
                    &clerk(),
                    reg::today_vn(),
                )
                .await
            }
        };
        act(IncomingAction::AcceptUpdate).await.unwrap();
        assert_eq!(
            subject_at_b().await.get::<String>("subject").unwrap(),
            "V/v họp giao ban tháng 12 (đổi ngày)"
        );
        // Answered already: nothing waits.
        assert!(act(IncomingAction::AcceptUpdate).await.is_err());
        // A second update, refused with a reason: the subject stays.
        endpoint::update(
            &app.db,
            &files,
            &id("G22"),
            out,
            &update("V/v hoãn họp giao ban", "Hoãn họp"),
            &clerk(),
        )
        .await
        .unwrap();
        endpoint::deliver(&app.db, &a, now_ms()).await.unwrap();
        endpoint::fetch(&app.db, &b).await.unwrap();
        assert!(
            act(IncomingAction::RefuseUpdate { reason: " ".into() })
                .await
                .is_err()
        );
        act(IncomingAction::RefuseUpdate {
            reason: "Đã gửi giấy mời".into(),
        })
        .await
        .unwrap();
        assert_eq!(
            subject_at_b().await.get::<String>("subject").unwrap(),
            "V/v họp giao ban tháng 12 (đổi ngày)"
        );
        endpoint::deliver(&app.db, &b, now_ms()).await.unwrap();
        endpoint::fetch(&app.db, &a).await.unwrap();
        let timeline = outbox::timeline(&app.db, "G22", out).await.unwrap();
        let codes: Vec<(&str, Option<&str>)> = timeline
            .iter()
            .map(|t| (t.status.as_str(), t.description.as_deref()))
            .collect();
        assert_eq!(
            codes,
            [
                ("01", None),
                ("15", Some("Đổi ngày họp")),
                ("16", Some("Đã gửi giấy mời"))
            ]
        );
        assert_eq!(n(app, "SELECT COUNT(*) AS n FROM doc_incoming").await, 1);
        let _ = stop.send(());
        let _ = std::fs::remove_dir_all(dir);
    }
);

on_both!(
    a_sender_replaces_a_sent_document_by_a_new_one,
    async |app: &TestApp| {
        agency(
            app,
            "G22",
            "Văn phòng Chính phủ",
            RSA_CRT,
            AgencyState::Active,
        )
        .await;
        agency(app, "H41", "UBND tỉnh Nghệ An", EC_CRT, AgencyState::Active).await;
        reg::set_office(&app.db, &id("G22"), "VPCP", &clerk())
            .await
            .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let base = testkit::serve(app.router.clone(), async move {
            let _ = stopped.await;
        })
        .await;
        let dir = files_root(&app.url).join("endpoint-replace");
        let files = FileStore::new(&dir);
        let a = Endpoint::new(
            id("G22"),
            AgencyKey::from_pkcs8("G22", RSA_KEY, RSA_CRT).unwrap(),
            &base,
            files.clone(),
        );
        let b = Endpoint::new(
            id("H41"),
            AgencyKey::from_pkcs8("H41", EC_KEY, EC_CRT).unwrap(),
            &base,
            files.clone(),
        );
        let today = reg::today_vn();
        let form = DraftForm {
            doc_type: "Công văn".into(),
            subject: "V/v kế hoạch kiểm tra năm 2027".into(),
            summary: "Kế hoạch kèm theo.".into(),
            signer_name: "Nguyễn Văn A".into(),
            signer_position: "Phó Chủ nhiệm".into(),
            recipients: "H41".into(),
            urgency: "0".into(),
            due_date: String::new(),
        };
        let old = reg::draft(&app.db, &id("G22"), &form, &clerk(), today)
            .await
            .unwrap();
        let numbered = reg::number(&app.db, &id("G22"), old, &clerk(), today)
            .await
            .unwrap();
        // A draft cannot be replaced: only a sent document.
        assert!(
            reg::draft_replacement(&app.db, &id("G22"), old, "Sai sót", &clerk())
                .await
                .is_err()
        );
        endpoint::send(&app.db, &files, &id("G22"), old, &clerk())
            .await
            .unwrap();
        endpoint::deliver(&app.db, &a, now_ms()).await.unwrap();
        assert_eq!(endpoint::fetch(&app.db, &b).await.unwrap().documents, 1);

        // A drafts the replacement (a copy, to number and send), once.
        assert!(
            reg::draft_replacement(&app.db, &id("G22"), old, " ", &clerk())
                .await
                .is_err()
        );
        let new =
            reg::draft_replacement(&app.db, &id("G22"), old, "Sai danh mục kèm theo", &clerk())
                .await
                .unwrap();
        assert!(
            reg::draft_replacement(&app.db, &id("G22"), old, "Lần nữa", &clerk())
                .await
                .is_err()
        );
        let replacement = reg::number(&app.db, &id("G22"), new, &clerk(), today)
            .await
            .unwrap();
        endpoint::send(&app.db, &files, &id("G22"), new, &clerk())
            .await
            .unwrap();
        assert_eq!(
            endpoint::deliver(&app.db, &a, now_ms())
                .await
                .unwrap()
                .accepted,
            1
        );
        let f = endpoint::fetch(&app.db, &b).await.unwrap();
        assert_eq!((f.documents, f.withdrawn), (1, 1), "{f:?}");
        // At B: the new document at 01, the old one withdrawn, naming the new one.
        let rows = app
            .db
            .fetch_all(
                "SELECT document_id, status, withdrawn, withdraw_reason FROM doc_incoming \
                  WHERE agency_code = 'H41' ORDER BY id",
                vec![],
            )
            .await
            .unwrap();
        let got: Vec<(String, String, Option<String>, Option<String>)> = rows
            .iter()
            .map(|r| {
                (
                    r.get("document_id").unwrap(),
                    r.get("status").unwrap(),
                    r.get("withdrawn").unwrap(),
                    r.get("withdraw_reason").unwrap(),
                )
            })
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(
            (got[0].0.as_str(), got[0].2.as_deref()),
            (numbered.document_id.as_str(), Some("replaced"))
        );
        assert_eq!(
            got[0].3.as_deref(),
            Some(format!("{}: Sai danh mục kèm theo", replacement.document_id).as_str())
        );
        assert_eq!(
            (got[1].0.as_str(), got[1].1.as_str(), got[1].2.as_deref()),
            (replacement.document_id.as_str(), "01", None)
        );
        let _ = stop.send(());
        let _ = std::fs::remove_dir_all(dir);
    }
);
