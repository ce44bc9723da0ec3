//! Fee payments against the local test gateway served on a real port: the redirect, the payer's
//! choice, the IPN and the browser's return (in any order, any number of times), forged and
//! wrong callbacks, concurrent callbacks, and reconciliation with the gateway's books.

use std::collections::BTreeMap;

use axum::http::Method;
use platform::audit::Actor;
use platform::http_client::HttpClient;
use services::engine::payments::{self, Due};
use services::http::payments::PaymentConfig;
use services::model::payment::PaymentStatus;
use services::payment::test_gateway::TestGateway;
use services::payment::{Gateway, HASH_PARAM};
use testkit::on_both;

use crate::support::TestApp;

const SECRET: &[u8] = b"a-test-gateway-secret-of-32-bytes";

pub struct Running {
    gateway: TestGateway,
    pub config: PaymentConfig,
    app_base: String,
    gw_base: String,
    http: HttpClient,
    _stop: Vec<tokio::sync::oneshot::Sender<()>>,
}

pub async fn running(app: &TestApp) -> Running {
    let gateway = TestGateway::new("EGOVTEST", SECRET, "");
    let (s1, r1) = tokio::sync::oneshot::channel::<()>();
    let gw_base = testkit::serve(gateway.clone().router(), async move {
        let _ = r1.await;
    })
    .await;
    let config = PaymentConfig::new(
        gateway.merchant_side(&gw_base),
        Some(format!("{gw_base}/transactions")),
    );
    let (s2, r2) = tokio::sync::oneshot::channel::<()>();
    let router = app.router.clone().layer(axum::Extension(config.clone()));
    let app_base = testkit::serve(router, async move {
        let _ = r2.await;
    })
    .await;
    gateway.set_ipn_url(&format!("{app_base}/api/v1/services/payments/ipn"));
    Running {
        gateway,
        config,
        app_base,
        gw_base,
        http: HttpClient::new(Default::default()),
        _stop: vec![s1, s2],
    }
}

fn query_of(url: &str) -> BTreeMap<String, String> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn form(p: &BTreeMap<String, String>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in p {
        s.append_pair(k, v);
    }
    s.finish()
}

impl Running {
    async fn start(&self, app: &TestApp, dossier_id: i64, amount: i64) -> String {
        payments::start(
            &app.db,
            &self.config.gateway,
            &Actor::system("test"),
            &Due {
                dossier_id,
                dossier_code: "000.00.00.H38-261203-0001",
                agency_id: None,
                amount_vnd: amount,
            },
            &format!("{}/services/payments/return", self.app_base),
            "vi",
            "127.0.0.1",
            platform::db::now_ms(),
        )
        .await
        .unwrap()
    }

    /// The payer opens the gateway's page and presses a button: the gateway's redirect back.
    pub async fn pay(&self, redirect: &str, outcome: &str) -> String {
        let page = self.http.get(redirect).await.unwrap();
        assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
        let mut p = query_of(redirect);
        p.insert("outcome".into(), outcome.into());
        let r = self
            .http
            .request(
                Method::POST,
                &format!("{}/pay/confirm", self.gw_base),
                &[("content-type", "application/x-www-form-urlencoded".into())],
                form(&p).into(),
            )
            .await
            .unwrap();
        assert_eq!(r.status, 303);
        r.header(axum::http::header::LOCATION).unwrap().to_owned()
    }

    async fn ipn(&self, params: &BTreeMap<String, String>) -> String {
        let r = self
            .http
            .get(&format!(
                "{}/api/v1/services/payments/ipn?{}",
                self.app_base,
                form(params)
            ))
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        v["RspCode"].as_str().unwrap().to_owned()
    }
}

fn today() -> String {
    services::model::vntime::compact(platform::db::now_ms())[..8].to_owned()
}

on_both!(
    a_fee_is_paid_once_whatever_the_callbacks,
    async |app: &TestApp| {
        let g = running(app).await;
        let redirect = g.start(app, 41, 50_000).await;
        // Asking again resumes the same attempt.
        assert_eq!(
            query_of(&g.start(app, 41, 50_000).await)["vnp_TxnRef"],
            query_of(&redirect)["vnp_TxnRef"]
        );
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM svc_payments").await, 1);
        let txn_ref = query_of(&redirect)["vnp_TxnRef"].clone();
        let back = g.pay(&redirect, "pay").await;
        // The IPN came first: the attempt is paid before the browser returns.
        let p = services::store::payments::by_ref(&app.db, &txn_ref)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.status, PaymentStatus::Paid);
        assert_eq!(p.amount_vnd, 50_000);
        // The browser's return reads the same callback: nothing changes, the page says paid.
        let page = g.http.get(&back).await.unwrap();
        let body = String::from_utf8_lossy(&page.body).to_string();
        assert_eq!(page.status, 200, "{body}");
        assert!(body.contains(r#"data-outcome="paid""#), "{body}");
        assert!(body.contains("50.000 đ"), "{body}");
        // A replayed IPN is acknowledged as already confirmed.
        assert_eq!(g.ipn(&query_of(&back)).await, "02");
        let p = services::store::payments::by_ref(&app.db, &txn_ref)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((p.status, p.callbacks), (PaymentStatus::Paid, 3));
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
                "services.payment_paid"
            )
            .await,
            1
        );
        // A new attempt for another dossier, cancelled by the payer: failed, and the dossier may try again.
        let redirect = g.start(app, 42, 20_000).await;
        let back = g.pay(&redirect, "cancel").await;
        let page = g.http.get(&back).await.unwrap();
        assert!(String::from_utf8_lossy(&page.body).contains(r#"data-outcome="failed""#));
        let again = g.start(app, 42, 20_000).await;
        assert_ne!(
            query_of(&again)["vnp_TxnRef"],
            query_of(&redirect)["vnp_TxnRef"]
        );
    }
);

on_both!(
    forged_and_wrong_callbacks_change_nothing,
    async |app: &TestApp| {
        let g = running(app).await;
        let redirect = g.start(app, 7, 30_000).await;
        let txn_ref = query_of(&redirect)["vnp_TxnRef"].clone();
        let merchant: &Gateway = &g.config.gateway;
        let signed = |amount: i64, txn: &str| {
            let mut p: BTreeMap<String, String> = [
                ("vnp_TmnCode", "EGOVTEST".to_owned()),
                ("vnp_Amount", (amount * 100).to_string()),
                ("vnp_TxnRef", txn.to_owned()),
                ("vnp_ResponseCode", "00".to_owned()),
                ("vnp_TransactionNo", "99".to_owned()),
                (
                    "vnp_PayDate",
                    services::model::vntime::compact(platform::db::now_ms()),
                ),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            let h = merchant.sign(&p);
            p.insert(HASH_PARAM.into(), h);
            p
        };
        // Forged: the amount changed after signing.
        let mut forged = signed(30_000, &txn_ref);
        forged.insert("vnp_Amount".into(), "100".into());
        assert_eq!(g.ipn(&forged).await, "97");
        // Signed by someone with another secret.
        let mut other = signed(30_000, &txn_ref);
        let h = Gateway::new("x", "EGOVTEST", b"not-the-secret").sign(&other);
        other.insert(HASH_PARAM.into(), h);
        assert_eq!(g.ipn(&other).await, "97");
        // Properly signed, but not our order, or not its amount.
        assert_eq!(g.ipn(&signed(30_000, "P999-000000000000")).await, "01");
        assert_eq!(g.ipn(&signed(30_001, &txn_ref)).await, "04");
        let p = services::store::payments::by_ref(&app.db, &txn_ref)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.status, PaymentStatus::Pending);
        // The page of a forged return says nothing was recorded.
        let page = g
            .http
            .get(&format!(
                "{}/services/payments/return?{}",
                g.app_base,
                form(&forged)
            ))
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&page.body).contains(r#"data-outcome="unverified""#));
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE $1",
                "services.payment_%ed"
            )
            .await,
            1,
            "only the start is audited"
        );
        // Concurrent valid callbacks: exactly one confirms.
        let good = signed(30_000, &txn_ref);
        let (a, b, c) = tokio::join!(g.ipn(&good), g.ipn(&good), g.ipn(&good));
        let mut codes = vec![a, b, c];
        codes.sort();
        assert_eq!(codes, ["00", "02", "02"]);
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
                "services.payment_paid"
            )
            .await,
            1
        );
    }
);

on_both!(
    reconciliation_finds_what_one_side_lacks,
    async |app: &TestApp| {
        let g = running(app).await;
        let mut refs = Vec::new();
        for (dossier, amount) in [(1, 10_000), (2, 25_000), (3, 40_000)] {
            let redirect = g.start(app, dossier, amount).await;
            refs.push(query_of(&redirect)["vnp_TxnRef"].clone());
            g.pay(&redirect, "pay").await;
        }
        let books = format!("{}/transactions", g.gw_base);
        let r = payments::reconcile(&app.db, &g.http, &books, None, &today())
            .await
            .unwrap();
        assert!(r.is_clean(), "{r:?}");
        assert_eq!(
            (r.matched.len(), r.total_here, r.total_gateway),
            (3, 75_000, 75_000)
        );
        // The gateway loses one transaction from its books: it is named.
        g.gateway.drop_from_books(&refs[1]);
        let r = payments::reconcile(&app.db, &g.http, &books, None, &today())
            .await
            .unwrap();
        assert_eq!(r.paid_only_here, [refs[1].clone()]);
        assert_eq!(r.total_gateway, 50_000);
        // The officials' page shows the same, for a national approver only.
        let client = app
            .signed_in(
                "doisoat",
                platform::identity::access::Role::Approver,
                platform::identity::access::Scope::National,
            )
            .await;
        let router = app.router.clone().layer(axum::Extension(g.config.clone()));
        let mut client = client.with_router(router.clone());
        let day = {
            let t = today();
            format!("{}-{}-{}", &t[..4], &t[4..6], &t[6..8])
        };
        let page = client
            .get(&format!("/services/payments/reconciliation?day={day}"))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains(r#"data-clean="false""#), "{}", page.body);
        assert!(page.body.contains(&refs[1]));
        let bad = client
            .get("/services/payments/reconciliation?day=03-12-2026")
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("năm-tháng-ngày"), "{}", bad.body);
        let mut viewer = app
            .signed_in(
                "xem",
                platform::identity::access::Role::Viewer,
                platform::identity::access::Scope::National,
            )
            .await
            .with_router(router);
        assert_eq!(
            viewer
                .get(&format!("/services/payments/reconciliation?day={day}"))
                .await
                .status,
            403
        );
    }
);

on_both!(
    paying_the_fees_online_moves_the_dossier_on,
    async |app: &TestApp| {
        use services::engine::dossiers::{self as dossiers, Details, Env};
        use services::model::workflow::Action;
        crate::support::setup(app).await;
        let env = Env::load(&app.db, "").await.unwrap();
        let v = services::query::published_version(&app.db, "2.001610")
            .await
            .unwrap()
            .unwrap();
        let an = crate::dossiers::citizen(app, "cong.dan.tra.phi").await;
        let ag = crate::dossiers::agency(app, "ubnd-40").await;
        let now = platform::db::now_ms();
        let id = dossiers::save_draft(
            &app.db,
            &env,
            &an,
            &v,
            None,
            &crate::dossiers::filing(&an, ag),
            now,
        )
        .await
        .unwrap()
        .unwrap();
        let s = dossiers::submit(&app.db, &env, &an, &v, id, 2, now)
            .await
            .unwrap()
            .unwrap();
        let desk = Actor::system("một cửa");
        dossiers::act(
            &app.db,
            &env,
            &desk,
            id,
            Action::Accept,
            &Details::default(),
            now,
        )
        .await
        .unwrap()
        .unwrap();
        dossiers::act(
            &app.db,
            &env,
            &desk,
            id,
            Action::RequestFees,
            &Details::default(),
            now,
        )
        .await
        .unwrap()
        .unwrap();
        let g = running(app).await;
        let redirect = payments::start(
            &app.db,
            &g.config.gateway,
            &an,
            &Due {
                dossier_id: id,
                dossier_code: &s.code,
                agency_id: Some(ag),
                amount_vnd: v.spec.fee_vnd,
            },
            &format!("{}/services/payments/return", g.app_base),
            "vi",
            "127.0.0.1",
            now,
        )
        .await
        .unwrap();
        g.pay(&redirect, "pay").await;
        let d = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.status, Some(services::model::dossier::Status::Processing));
        assert!(d.fee_paid);
        let steps: Vec<String> = services::store::dossiers::events(&app.db, id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(steps.last().map(String::as_str), Some("fees_paid"));
    }
);

on_both!(
    fees_paid_with_the_draft_are_marked_paid_and_the_status_stays,
    async |app: &TestApp| {
        use services::engine::dossiers::{self as dossiers, Env};
        use services::model::dossier::Status;
        crate::support::setup(app).await;
        let env = Env::load(&app.db, "").await.unwrap();
        let v = services::query::published_version(&app.db, "2.001610")
            .await
            .unwrap()
            .unwrap();
        assert!(v.spec.fee_vnd > 0);
        let an = crate::dossiers::citizen(app, "cong.dan.tra.truoc").await;
        let ag = crate::dossiers::agency(app, "ubnd-40").await;
        let now = platform::db::now_ms();
        let id = dossiers::save_draft(
            &app.db,
            &env,
            &an,
            &v,
            None,
            &crate::dossiers::filing(&an, ag),
            now,
        )
        .await
        .unwrap()
        .unwrap();
        let g = running(app).await;
        let due = Due {
            dossier_id: id,
            dossier_code: "",
            agency_id: Some(ag),
            amount_vnd: v.spec.fee_vnd,
        };
        let return_url = format!("{}/services/payments/return", g.app_base);
        let redirect = payments::start(
            &app.db,
            &g.config.gateway,
            &an,
            &due,
            &return_url,
            "vi",
            "127.0.0.1",
            now,
        )
        .await
        .unwrap();
        g.pay(&redirect, "pay").await;
        let d = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.status, None, "still a draft");
        assert!(d.fee_paid);
        let mails = || async { app.count("SELECT COUNT(*) AS n FROM notifications").await };
        assert_eq!(mails().await, 0, "a draft's payment sends no status notice");
        // Submitted, the dossier keeps its paid fee: the desk never asks for it.
        let s = dossiers::submit(&app.db, &env, &an, &v, id, 2, now)
            .await
            .unwrap()
            .unwrap();
        let d = services::store::dossiers::get(&app.db, s.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.status, Some(Status::Registered));
        assert!(d.fee_paid);
        let sent = mails().await;
        // Paying again for the same dossier is refused by the engine: the fee is paid.
        let again = dossiers::fees_paid(&app.db, &env, id, now).await.unwrap();
        assert!(again.is_err(), "{again:?}");
        assert_eq!(mails().await, sent);
        let steps: Vec<(String, i64, i64)> = services::store::dossiers::events(&app.db, id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.status_from, e.status_to))
            .collect();
        assert_eq!(
            steps,
            vec![
                ("draft".to_owned(), 0, 0),
                ("fees_paid".to_owned(), 0, 0),
                ("submit".to_owned(), 0, 1)
            ]
        );
    }
);
