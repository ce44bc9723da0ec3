//! The axis's transport API as agencies use it: signed requests (RFC 9421) by the test keys,
//! packages written by the crate's edXML writer and signed by its XML signer.
//!
//! Agencies: A = the Government Office (G22, RSA key), B = Nghệ An (H41, ECDSA key), C = the
//! Ministry of Finance (G09). The test data has two key pairs, so C shares B's key; what keeps C
//! out of B's packages is the agency each request is signed as (`keyid`), which is what is tested.

use axum::http::StatusCode;
use documents::client::{AgencyKey, Reply};
use documents::edxml::{self, Body, StatusMessage, TraceHeader};
use documents::model::agency::AgencyId;
use documents::model::document::{Draft, Organization, Signer};
use documents::model::status::StatusCode as DocStatus;
use documents::store::agencies::AgencyState;
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::*;

fn org(id: &str, name: &str) -> Organization {
    Organization {
        organ_id: Some(AgencyId::parse(id).unwrap()),
        organ_name: Some(name.into()),
        ..Default::default()
    }
}

/// A Công văn from `from` to `to`, number `number`, written by the crate's writer (unsigned).
pub(crate) fn document(from: (&str, &str), to: &[(&str, &str)], number: &str) -> Vec<u8> {
    let d = Draft {
        from: Some(org(from.0, from.1)),
        to: to.iter().map(|(i, n)| org(i, n)).collect(),
        code_number: Some(number.into()),
        code_notation: Some("VPCP-TTĐT".into()),
        place: Some("Hà Nội".into()),
        promulgation_date: Some(time::macros::date!(2026 - 11 - 30)),
        type_code: Some(1),
        type_detail: Some(1),
        type_name: Some("Công văn".into()),
        subject: Some("V/v triển khai liên thông văn bản điện tử".into()),
        content: Some("Đề nghị các cơ quan triển khai.".into()),
        signer: Signer {
            competence: Some("KT. BỘ TRƯỞNG, CHỦ NHIỆM".into()),
            position: Some("Phó Chủ nhiệm".into()),
            full_name: Some("Nguyễn Văn A".into()),
        },
        ..Default::default()
    }
    .check()
    .unwrap();
    let trace = [TraceHeader {
        organ_id: from.0.into(),
        timestamp: time::macros::datetime!(2026-11-30 14:05:09 +7),
    }];
    edxml::write(
        Vec::new(),
        &Body::Document(Box::new(d)),
        &trace,
        None,
        &[],
        &mut [],
    )
    .unwrap()
}

/// A status `code` from `from` answering `document_id`.
fn status(from: &str, document_id: &str, code: DocStatus) -> Vec<u8> {
    let s = StatusMessage {
        response_for: document_id.into(),
        from: AgencyId::parse(from).unwrap(),
        code,
        description: Some("Đã vào sổ văn bản đến".into()),
        timestamp: time::macros::datetime!(2026-12-01 08:30:00 +7),
        staff: None,
    };
    edxml::write(Vec::new(), &Body::Status(s), &[], None, &[], &mut []).unwrap()
}

pub(crate) struct World {
    pub(crate) a: AgencyKey,
    pub(crate) b: AgencyKey,
    c: AgencyKey,
}

pub(crate) async fn world(app: &TestApp) -> World {
    agency(
        app,
        "G22",
        "Văn phòng Chính phủ",
        RSA_CRT,
        AgencyState::Active,
    )
    .await;
    agency(app, "H41", "UBND tỉnh Nghệ An", EC_CRT, AgencyState::Active).await;
    agency(app, "G09", "Bộ Tài chính", EC_CRT, AgencyState::Active).await;
    World {
        a: AgencyKey::from_pkcs8("G22", RSA_KEY, RSA_CRT).unwrap(),
        b: AgencyKey::from_pkcs8("H41", EC_KEY, EC_CRT).unwrap(),
        c: AgencyKey::from_pkcs8("G09", EC_KEY, EC_CRT).unwrap(),
    }
}

fn outcome(reply: &Reply) -> &documents::client::Answer {
    match reply {
        Reply::Outcome(a) => a,
        other => panic!("not an outcome: {other:?}"),
    }
}

on_both!(
    a_document_goes_from_a_to_b_and_its_status_comes_back,
    async |app: &TestApp| {
        let w = world(app).await;
        let package =
            w.a.sign_package(&document(
                ("000.00.00.G22", "Văn phòng Chính phủ"),
                &[("H41", "UBND tỉnh Nghệ An")],
                "7816",
            ))
            .unwrap();
        let (res, reply) = send_package(app, &w.a, &package).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let first = outcome(&reply).clone();
        assert_eq!(
            (
                first.outcome.as_str(),
                first.repeated,
                first.recipients.clone()
            ),
            ("accepted", false, vec!["H41".to_owned()])
        );
        let id = first.package_id.unwrap();
        let document_id = first.document_id.clone().unwrap();
        assert_eq!(document_id, "000.00.00.G22,2026/11/30,7816/VPCP-TTĐT");

        // B sees it waiting; C (and the sender) see nothing and cannot fetch or acknowledge it.
        let pending = get(app, &w.b, "/api/v1/axis/packages/pending?limit=10").await;
        assert_eq!(pending.status, StatusCode::OK, "{}", pending.body);
        let p = pending.json();
        assert_eq!(p["meta"]["total"], 1);
        assert_eq!(p["items"][0]["package_id"], id);
        assert_eq!(p["items"][0]["sender_code"], "G22");
        for other in [&w.c, &w.a] {
            let r = get(app, other, "/api/v1/axis/packages/pending").await;
            assert_eq!(r.json()["meta"]["total"], 0, "{}", other.agency);
            let r = get(app, other, &format!("/api/v1/axis/packages/{id}")).await;
            assert_eq!(
                (r.status, r.error_code().as_str()),
                (StatusCode::NOT_FOUND, "package_not_found"),
                "{}",
                other.agency
            );
            let r = post(app, other, &format!("/api/v1/axis/packages/{id}/ack")).await;
            assert_eq!(
                (r.status, r.error_code().as_str()),
                (StatusCode::NOT_FOUND, "package_not_found"),
                "{}",
                other.agency
            );
        }
        // C's refused acknowledgement changed nothing for B.
        let p = get(app, &w.b, "/api/v1/axis/packages/pending").await.json();
        assert_eq!(p["meta"]["total"], 1);

        // B fetches the very bytes A signed and acknowledges (twice is fine).
        let r = get(app, &w.b, &format!("/api/v1/axis/packages/{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.bytes, package);
        for _ in 0..2 {
            let r = post(app, &w.b, &format!("/api/v1/axis/packages/{id}/ack")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        let p = get(app, &w.b, "/api/v1/axis/packages/pending").await.json();
        assert_eq!(p["meta"]["total"], 0);

        // A sees the trace: received, then acknowledged by B.
        let sent = get(app, &w.a, "/api/v1/axis/packages/sent").await.json();
        assert_eq!(sent["meta"]["total"], 1);
        let item = &sent["items"][0];
        assert_eq!(item["deliveries"][0]["recipient_code"], "H41");
        assert_eq!(item["deliveries"][0]["state"], "acknowledged");
        let events: Vec<&str> = item["trace"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["event"].as_str().unwrap())
            .collect();
        assert_eq!(events, ["received", "acknowledged"]);

        // B answers with status 03; it reaches A.
        let st =
            w.b.sign_package(&status("H41", &document_id, DocStatus::Accepted))
                .unwrap();
        let res = send(
            app,
            w.b.request("POST", "/api/v1/axis/statuses", st.clone()),
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["recipients"], serde_json::json!(["G22"]));
        let p = get(app, &w.a, "/api/v1/axis/packages/pending").await.json();
        assert_eq!(p["meta"]["total"], 1);
        assert_eq!(p["items"][0]["kind"], "status");
        assert_eq!(p["items"][0]["status_code"], "03");
        let sid = p["items"][0]["package_id"].as_i64().unwrap();
        let r = get(app, &w.a, &format!("/api/v1/axis/packages/{sid}")).await;
        assert_eq!(r.bytes, st);
        // C, who never received the document, cannot answer it.
        let forged =
            w.c.sign_package(&status("G09", &document_id, DocStatus::Accepted))
                .unwrap();
        let res = send(app, w.c.request("POST", "/api/v1/axis/statuses", forged)).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.json()["problems"][0]["code"], "not_a_recipient");
        // A document sent to the statuses address is refused.
        let res = send(
            app,
            w.a.request("POST", "/api/v1/axis/statuses", package.clone()),
        )
        .await;
        assert_eq!(
            (res.status, res.error_code().as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "not_a_status")
        );

        // A resend (the same bytes) gets the first outcome, 200; nothing is duplicated.
        let (res, again) = send_package(app, &w.a, &package).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let again = outcome(&again);
        assert!(again.repeated);
        assert_eq!(again.package_id, Some(id));
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM doc_packages WHERE kind = 'document'")
                .await,
            1
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM doc_deliveries").await,
            2
        );
        let p = get(app, &w.b, "/api/v1/axis/packages/pending").await.json();
        assert_eq!(p["meta"]["total"], 0);
        // Every send, status and acknowledgement is in the audit chain.
        assert_eq!(
            app.count(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'documents.package_accepted'"
            )
            .await,
            2
        );
        assert_eq!(
            app.count(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'documents.package_acknowledged'"
            )
            .await,
            1
        );
        // Each fetch is an access in the audit chain (B its document, A the status).
        assert_eq!(
            app.count(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'documents.package_fetched'"
            )
            .await,
            2
        );
    }
);

on_both!(
    a_package_changed_after_signing_is_rejected_with_status_02_and_nothing_is_stored,
    async |app: &TestApp| {
        let w = world(app).await;
        let signed =
            w.a.sign_package(&document(
                ("G22", "Văn phòng Chính phủ"),
                &[("H41", "UBND tỉnh Nghệ An")],
                "12",
            ))
            .unwrap();
        let tampered = String::from_utf8(signed)
            .unwrap()
            .replace("triển khai liên thông", "hủy bỏ liên thông")
            .into_bytes();
        let (res, reply) = send_package(app, &w.a, &tampered).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let a = outcome(&reply);
        assert_eq!(
            (a.outcome.as_str(), a.status_code.as_deref()),
            ("rejected", Some("02"))
        );
        assert_eq!(a.problems[0].code, "signature_digest_mismatch");
        assert!(
            a.problems[0].detail.contains("ký"),
            "{}",
            a.problems[0].detail
        );
        // The envelope says the same, for clients that only read `errors`.
        assert_eq!(res.error_code(), "signature_digest_mismatch");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM doc_packages").await, 0);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM doc_deliveries").await,
            0
        );
        let p = get(app, &w.b, "/api/v1/axis/packages/pending").await.json();
        assert_eq!(p["meta"]["total"], 0);
        // Sent again: the first answer again, still nothing stored.
        let (res, reply) = send_package(app, &w.a, &tampered).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(outcome(&reply).repeated);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM doc_packages").await, 0);
    }
);

on_both!(
    requests_not_signed_by_an_active_agency_are_refused_with_their_codes,
    async |app: &TestApp| {
        let w = world(app).await;
        agency(app, "G10", "Bộ Nội vụ", EC_CRT, AgencyState::Suspended).await;
        agency(app, "G11", "Bộ Ngoại giao", EC_CRT, AgencyState::Pending).await;
        let path = "/api/v1/axis/packages/pending";
        let refused = |r: &Res, status: StatusCode, code: &str| {
            assert_eq!(
                (r.status, r.error_code().as_str()),
                (status, code),
                "{}",
                r.body
            );
        };
        // Not signed at all.
        let r = app.client().send(Req::new("GET", path)).await;
        refused(&r, StatusCode::UNAUTHORIZED, "signature_required");
        // Signed for another path (a signature moved to another request).
        let mut moved = w.b.request("GET", "/api/v1/axis/packages/sent", Vec::new());
        moved.path_and_query = path.into();
        refused(
            &send(app, moved).await,
            StatusCode::UNAUTHORIZED,
            "signature_invalid",
        );
        // Signed as Nghệ An with the Government Office's key.
        let wrong = AgencyKey::from_pkcs8("H41", RSA_KEY, RSA_CRT).unwrap();
        refused(
            &get(app, &wrong, path).await,
            StatusCode::UNAUTHORIZED,
            "signature_algorithm",
        );
        // Signed as Nghệ An with another ECDSA key than its certificate's.
        let other = ring::signature::EcdsaKeyPair::generate_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
        let wrong = AgencyKey::from_pkcs8("H41", other.as_ref(), EC_CRT).unwrap();
        refused(
            &get(app, &wrong, path).await,
            StatusCode::UNAUTHORIZED,
            "signature_invalid",
        );
        // Signed as the Government Office with an ECDSA key that is not its certificate's.
        let wrong = AgencyKey::from_pkcs8("G22", EC_KEY, EC_CRT).unwrap();
        refused(
            &get(app, &wrong, path).await,
            StatusCode::UNAUTHORIZED,
            "signature_algorithm",
        );
        // Signed six minutes ago, or six minutes ahead.
        let now = platform::db::now_ms() / 1000;
        for at in [now - 360, now + 360] {
            let r = send(app, w.b.request_at("GET", path, Vec::new(), at)).await;
            refused(&r, StatusCode::UNAUTHORIZED, "signature_stale");
        }
        // Four minutes ago is within the window.
        let r = send(app, w.b.request_at("GET", path, Vec::new(), now - 240)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // The same signed request twice: the second is a replay.
        let once = w.b.request("GET", path, Vec::new());
        assert_eq!(send(app, once.clone()).await.status, StatusCode::OK);
        refused(
            &send(app, once).await,
            StatusCode::UNAUTHORIZED,
            "signature_replayed",
        );
        // A body other than the one signed.
        let mut swapped =
            w.b.request("POST", "/api/v1/axis/packages", b"<a/>".to_vec());
        swapped.body = b"<b/>".to_vec();
        refused(
            &send(app, swapped).await,
            StatusCode::BAD_REQUEST,
            "content_digest_mismatch",
        );
        // An agency the axis does not know; a suspended one; one not yet approved.
        let unknown = AgencyKey::from_pkcs8("G99", EC_KEY, EC_CRT).unwrap();
        refused(
            &get(app, &unknown, path).await,
            StatusCode::UNAUTHORIZED,
            "agency_unknown",
        );
        let suspended = AgencyKey::from_pkcs8("G10", EC_KEY, EC_CRT).unwrap();
        refused(
            &get(app, &suspended, path).await,
            StatusCode::FORBIDDEN,
            "agency_suspended",
        );
        let package = suspended
            .sign_package(&document(
                ("G10", "Bộ Nội vụ"),
                &[("H41", "UBND tỉnh Nghệ An")],
                "1",
            ))
            .unwrap();
        let (r, _) = send_package(app, &suspended, &package).await;
        refused(&r, StatusCode::FORBIDDEN, "agency_suspended");
        let pending = AgencyKey::from_pkcs8("G11", EC_KEY, EC_CRT).unwrap();
        refused(
            &get(app, &pending, path).await,
            StatusCode::FORBIDDEN,
            "agency_pending",
        );
        // Messages in the caller's language.
        let r = app
            .client()
            .send(Req::new("GET", path).header(axum::http::header::ACCEPT_LANGUAGE, "en"))
            .await;
        assert!(
            r.json()["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .starts_with("The request is not signed"),
            "{}",
            r.body
        );
        let r = app.client().send(Req::new("GET", path)).await;
        assert!(
            r.json()["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .starts_with("Yêu cầu chưa được ký"),
            "{}",
            r.body
        );
        // Nothing of this reached the axis.
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM doc_packages").await, 0);
        // Paging is bounded.
        let r = get(app, &w.b, "/api/v1/axis/packages/pending?limit=101").await;
        refused(&r, StatusCode::UNPROCESSABLE_ENTITY, "page_invalid");
    }
);

on_both!(
    an_agency_registers_and_an_axis_administrator_approves_then_suspends_it,
    async |app: &TestApp| {
        let pem = include_str!("../data/keys/ec.crt.pem");
        let key = AgencyKey::from_pkcs8("G09", EC_KEY, EC_CRT).unwrap();
        let body = |id: &str| {
            serde_json::json!({"id": id, "name": "Bộ Tài chính", "endpoint": "https://vbdt.mof.gov.vn/axis",
                               "certificate": pem})
            .to_string()
            .into_bytes()
        };
        let r = send(
            app,
            key.request("POST", "/api/v1/axis/agencies", body("000.00.00.G09")),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["state"], "pending");
        assert_eq!(r.json()["code"], "G09");
        // Registered once only; the request must be signed as the agency it registers.
        let r = send(
            app,
            key.request("POST", "/api/v1/axis/agencies", body("G09")),
        )
        .await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (StatusCode::CONFLICT, "agency_exists")
        );
        let r = send(
            app,
            key.request("POST", "/api/v1/axis/agencies", body("G12")),
        )
        .await;
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (StatusCode::UNAUTHORIZED, "signature_not_registrant")
        );
        // The directory is public and shows nothing private.
        let list = app.client().get("/api/v1/axis/agencies").await.json();
        let g09 = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == "G09")
            .unwrap()
            .clone();
        assert_eq!(
            g09,
            serde_json::json!({"code": "G09", "qcvn_code": "000.00.00.G09", "name": "Bộ Tài chính",
                               "state": "pending"})
        );
        // Pending: refused until an axis administrator approves.
        let path = "/api/v1/axis/packages/pending";
        assert_eq!(get(app, &key, path).await.error_code(), "agency_pending");
        let mut reporter = app
            .signed_in("bc.tw", Role::Reporter, Scope::National)
            .await;
        assert_eq!(
            reporter.get("/axis/agencies").await.status,
            StatusCode::FORBIDDEN
        );
        let r = reporter
            .post("/axis/agencies/G09/state", &[("state", "active")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let mut admin = app
            .signed_in("qt.truc", Role::SystemAdmin, Scope::National)
            .await;
        let page = admin.get("/axis/agencies").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Bộ Tài chính") && page.body.contains("Phê duyệt"));
        let r = admin
            .post_without_csrf("/axis/agencies/G09/state", &[("state", "active")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = admin
            .post("/axis/agencies/G09/state", &[("state", "active")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(get(app, &key, path).await.status, StatusCode::OK);
        let r = admin
            .post("/axis/agencies/G09/state", &[("state", "suspended")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(get(app, &key, path).await.error_code(), "agency_suspended");
        let r = admin
            .post("/axis/agencies/G09/state", &[("state", "deleted")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // The audit page names the agency.
        let audit = admin.get("/admin/audit").await;
        assert_eq!(audit.status, StatusCode::OK);
        assert!(
            audit.body.contains("Cơ quan G09 · Bộ Tài chính"),
            "{}",
            audit.body
        );
        assert_eq!(
            app.count(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'documents.agency_decided'"
            )
            .await,
            2
        );
        assert_eq!(
            app.count(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'documents.agency_registered'"
            )
            .await,
            1
        );
    }
);

on_both!(
    the_same_package_sent_twice_at_once_is_one_package,
    async |app: &TestApp| {
        let w = world(app).await;
        for n in 0..6 {
            let package =
                w.a.sign_package(&document(
                    ("G22", "Văn phòng Chính phủ"),
                    &[("H41", "UBND tỉnh Nghệ An")],
                    &format!("{}", 100 + n),
                ))
                .unwrap();
            // A client that timed out and retried while the first request was still running.
            let ((r1, a1), (r2, a2)) = tokio::join!(
                send_package(app, &w.a, &package),
                send_package(app, &w.a, &package)
            );
            let mut statuses = [r1.status.as_u16(), r2.status.as_u16()];
            statuses.sort();
            assert_eq!(statuses, [200, 201], "{} / {}", r1.body, r2.body);
            assert_eq!(outcome(&a1).package_id, outcome(&a2).package_id);
        }
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM doc_packages").await, 6);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM doc_deliveries").await,
            6
        );
    }
);

on_both!(
    signed_requests_cross_a_real_connection,
    async |app: &TestApp| {
        let w = world(app).await;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let base = testkit::serve(app.router.clone(), async move {
            let _ = stopped.await;
        })
        .await;
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<axum::body::Body>();
        let package =
            w.a.sign_package(&document(
                ("G22", "Văn phòng Chính phủ"),
                &[("H41", "UBND tỉnh Nghệ An")],
                "55",
            ))
            .unwrap();
        let send = |r: documents::client::SignedRequest| {
            let client = client.clone();
            let base = base.clone();
            async move {
                let res = client.request(r.into_http_at(&base)).await.unwrap();
                let status = res.status().as_u16();
                let body = http_body_util::BodyExt::collect(res.into_body())
                    .await
                    .unwrap()
                    .to_bytes()
                    .to_vec();
                (status, body)
            }
        };
        let (status, body) = send(w.a.request("POST", "/api/v1/axis/packages", package)).await;
        let Reply::Outcome(answer) = documents::client::read_answer(status, &body) else {
            panic!("{}", String::from_utf8_lossy(&body))
        };
        assert_eq!((status, answer.outcome.as_str()), (201, "accepted"));
        let (status, body) =
            send(w.b.request("GET", "/api/v1/axis/packages/pending?limit=5", Vec::new())).await;
        assert_eq!(status, 200);
        let list: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(list["items"][0]["package_id"], answer.package_id.unwrap());
        // A refusal read by the client: the codes of the envelope.
        let stale =
            w.b.request_at("GET", "/api/v1/axis/packages/pending", Vec::new(), 0);
        let (status, body) = send(stale).await;
        assert_eq!(
            documents::client::read_answer(status, &body),
            Reply::Refused {
                status: 401,
                codes: vec!["signature_stale".into()]
            }
        );
        let _ = stop.send(());
    }
);

/// The `<td class="num">` figures of the first `<tfoot>` of a page: the totals row.
fn footer_figures(body: &str) -> Vec<i64> {
    let foot = body
        .split("<tfoot>")
        .nth(1)
        .and_then(|s| s.split("</tfoot>").next())
        .unwrap_or_default();
    foot.split("<td class=\"num\">")
        .skip(1)
        .filter_map(|s| s.split('<').next()?.trim().parse().ok())
        .collect()
}

on_both!(
    the_axis_operator_sees_traffic_waiting_deliveries_and_failures,
    async |app: &TestApp| {
        let w = world(app).await;
        // 1. A → Nghệ An and the Ministry of Finance; Nghệ An fetches it, the ministry never does.
        let first =
            w.a.sign_package(&document(
                ("G22", "Văn phòng Chính phủ"),
                &[("H41", "UBND tỉnh Nghệ An"), ("G09", "Bộ Tài chính")],
                "501",
            ))
            .unwrap();
        let (res, reply) = send_package(app, &w.a, &first).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = outcome(&reply).package_id.unwrap();
        let r = post(app, &w.b, &format!("/api/v1/axis/packages/{id}/ack")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.db
            .execute(
                "UPDATE doc_deliveries SET expires_at = $1 WHERE recipient_code = 'G09'",
                platform::params![platform::db::now_ms() - 1_000],
            )
            .await
            .unwrap();
        let axis = documents::engine::axis::Axis {
            db: app.db.clone(),
            files: platform::files::FileStore::new(files_root(&app.url)),
            delivery_ttl_ms: 86_400_000,
        };
        assert_eq!(axis.expire(platform::db::now_ms()).await.unwrap(), 1);
        // 2. A second document to the ministry waits; 3. a tampered one is refused.
        let second =
            w.a.sign_package(&document(
                ("G22", "Văn phòng Chính phủ"),
                &[("G09", "Bộ Tài chính")],
                "502",
            ))
            .unwrap();
        assert_eq!(
            send_package(app, &w.a, &second).await.0.status,
            StatusCode::CREATED
        );
        let tampered = String::from_utf8(
            w.a.sign_package(&document(
                ("G22", "Văn phòng Chính phủ"),
                &[("H41", "UBND tỉnh Nghệ An")],
                "503",
            ))
            .unwrap(),
        )
        .unwrap()
        .replace("triển khai liên thông", "hủy bỏ liên thông")
        .into_bytes();
        assert_eq!(
            send_package(app, &w.a, &tampered).await.0.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        let mut reporter = app
            .signed_in("bc.ll", Role::Reporter, Scope::National)
            .await;
        assert_eq!(
            reporter.get("/axis/traffic").await.status,
            StatusCode::FORBIDDEN
        );
        let mut admin = app
            .signed_in("qt.ll", Role::SystemAdmin, Scope::National)
            .await;
        let page = admin.get("/axis/traffic").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        // Documents sent, statuses sent, fetched, refused, expired: over every agency and day.
        assert_eq!(footer_figures(&page.body), [2, 0, 1, 1, 1], "{}", page.body);
        let waiting = page
            .body
            .split("Đang chờ cơ quan nhận")
            .nth(1)
            .and_then(|s| s.split("</table>").next())
            .unwrap_or_default();
        assert!(
            waiting.contains("G09 · Bộ Tài chính") && !waiting.contains("H41"),
            "{waiting}"
        );
        assert!(waiting.contains("<td class=\"num\">1</td>"), "{waiting}");
        // The refusal says why, in the reader's language; the expiry names the document.
        let failures = page.body.split("<h2>Lỗi</h2>").nth(1).unwrap_or_default();
        assert!(failures.contains("G22 · Văn phòng Chính phủ"), "{failures}");
        assert!(
            failures.contains("G22,2026/11/30,501/VPCP-TTĐT"),
            "{failures}"
        );
        assert!(failures.contains("ký"), "{failures}");
        // A window the page does not count over is refused, not stretched or cut.
        let r = admin.get("/axis/traffic?days=0").await;
        assert_eq!(
            (r.status, r.body.contains("từ 1 đến 31")),
            (StatusCode::UNPROCESSABLE_ENTITY, true),
            "{}",
            r.body
        );
        assert_eq!(
            admin.get("/axis/traffic?days=400").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            admin.get("/axis/traffic?days=30").await.status,
            StatusCode::OK
        );
    }
);

/// Values and status of a province's `BC-CPDT-THANG` report: (EDOC_SENT, EDOC_RECEIVED, status).
async fn edoc_report(
    app: &TestApp,
    province: &str,
    period: &reporting::model::period::Period,
) -> (Option<f64>, Option<f64>, String) {
    let unit: i64 = app
        .db
        .fetch_one(
            "SELECT id FROM units WHERE code = $1 AND level = 'province' AND valid_to IS NULL",
            platform::params![province],
        )
        .await
        .unwrap()
        .get("id")
        .unwrap();
    let template = reporting::query::template(&app.db, "BC-CPDT-THANG")
        .await
        .unwrap()
        .expect("the e-Government template is shipped");
    let ids: Vec<i64> = template.indicators.iter().map(|i| i.id).collect();
    let code_of = |id: i64| {
        template
            .indicators
            .iter()
            .find(|i| i.id == id)
            .map(|i| i.code.clone())
            .unwrap()
    };
    let values = reporting::query::unit_values(&app.db, unit, &ids, &[*period])
        .await
        .unwrap();
    let value = |code: &str| {
        values
            .iter()
            .find(|((id, _), _)| code_of(*id) == code)
            .map(|(_, v)| *v)
    };
    let status = app
        .db
        .fetch_optional(
            "SELECT s.status FROM submissions s JOIN report_templates t ON t.id = s.template_id \
              WHERE t.code = 'BC-CPDT-THANG' AND s.unit_id = $1 AND s.period = $2",
            platform::params![unit, period.id()],
        )
        .await
        .unwrap()
        .map(|r| r.get::<String>("status").unwrap())
        .unwrap_or_default();
    (value("EDOC_SENT"), value("EDOC_RECEIVED"), status)
}

on_both!(
    the_axis_files_each_provinces_electronic_document_counts_as_a_report,
    async |app: &TestApp| {
        use documents::engine::indicators;
        reporting::engine::reference::load_default(
            &app.db,
            &platform::audit::Actor::system("test"),
        )
        .await
        .unwrap();
        let w = world(app).await;
        agency(
            app,
            "H29",
            "UBND Thành phố Hồ Chí Minh",
            EC_CRT,
            AgencyState::Active,
        )
        .await;
        let hcm = AgencyKey::from_pkcs8("H29", EC_KEY, EC_CRT).unwrap();
        let period =
            reporting::model::period::Period::month_containing_cutoff(registry::Day::today().0);
        // Nothing exchanged yet: nothing filed.
        assert_eq!(
            indicators::file_month(&app.db, period).await.unwrap(),
            indicators::Filed::default()
        );
        // The Government Office writes to Nghệ An and Hồ Chí Minh City; Nghệ An writes back.
        let to_both =
            w.a.sign_package(&document(
                ("G22", "Văn phòng Chính phủ"),
                &[
                    ("H41", "UBND tỉnh Nghệ An"),
                    ("H29", "UBND Thành phố Hồ Chí Minh"),
                ],
                "701",
            ))
            .unwrap();
        let (_, reply) = send_package(app, &w.a, &to_both).await;
        let id = outcome(&reply).package_id.unwrap();
        let from_b =
            w.b.sign_package(&document(
                ("H41", "UBND tỉnh Nghệ An"),
                &[("G22", "Văn phòng Chính phủ")],
                "702",
            ))
            .unwrap();
        assert_eq!(
            send_package(app, &w.b, &from_b).await.0.status,
            StatusCode::CREATED
        );
        let r = post(app, &w.b, &format!("/api/v1/axis/packages/{id}/ack")).await;
        assert_eq!(r.status, StatusCode::OK);

        // Filed: Nghệ An sent 1 and received 1; Hồ Chí Minh City sent none and fetched none yet.
        // The Government Office is not a province: no report of its own.
        let f = indicators::file_month(&app.db, period).await.unwrap();
        assert_eq!(
            (f.written, f.unchanged, f.refused.len()),
            (2, 0, 0),
            "{f:?}"
        );
        assert_eq!(
            edoc_report(app, "40", &period).await,
            (Some(1.0), Some(1.0), "submitted".to_owned())
        );
        assert_eq!(
            edoc_report(app, "79", &period).await,
            (Some(0.0), Some(0.0), "submitted".to_owned())
        );
        // Filed again with the same counts: nothing changes.
        let f = indicators::file_month(&app.db, period).await.unwrap();
        assert_eq!((f.written, f.unchanged), (0, 2), "{f:?}");

        // Hồ Chí Minh City fetches its document after the report was submitted: the submitted
        // figure is not overwritten behind the approver's back; the refusal is reported.
        let r = post(app, &hcm, &format!("/api/v1/axis/packages/{id}/ack")).await;
        assert_eq!(r.status, StatusCode::OK);
        let f = indicators::file_month(&app.db, period).await.unwrap();
        assert_eq!((f.written, f.unchanged), (0, 1), "{f:?}");
        assert_eq!(f.refused.len(), 1, "{f:?}");
        assert_eq!(f.refused[0].0, "H29");
        assert_eq!(
            edoc_report(app, "79", &period).await,
            (Some(0.0), Some(0.0), "submitted".to_owned())
        );
    }
);
