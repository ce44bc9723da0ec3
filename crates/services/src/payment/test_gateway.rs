//! A local payment gateway for tests and the demo: it speaks the protocol of [`super`] (signed
//! redirect in, signed IPN and return out) in front of a pretend bank that lets the payer pay or
//! cancel. It keeps its transactions in memory, as the gateway's own books, and lists a day's for
//! reconciliation (`GET /transactions?date=yyyyMMdd`, CSV). Never mounted by `egov serve`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::{Gateway, HASH_PARAM, sign_with};

/// One transaction in the gateway's books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Txn {
    pub txn_ref: String,
    pub transaction_no: String,
    pub amount_vnd: i64,
    pub response_code: String,
    pub pay_date: String,
}

/// The gateway's state: the merchant it serves and its books.
#[derive(Clone)]
pub struct TestGateway {
    merchant: String,
    secret: Arc<Vec<u8>>,
    /// Where it calls the merchant back server-to-server.
    ipn_url: Arc<Mutex<String>>,
    books: Arc<Mutex<Vec<Txn>>>,
    client: platform::http_client::HttpClient,
}

impl TestGateway {
    pub fn new(merchant: &str, secret: &[u8], ipn_url: &str) -> TestGateway {
        TestGateway {
            merchant: merchant.to_owned(),
            secret: Arc::new(secret.to_vec()),
            ipn_url: Arc::new(Mutex::new(ipn_url.to_owned())),
            books: Arc::default(),
            client: platform::http_client::HttpClient::new(Default::default()),
        }
    }

    /// Where the IPN goes (a test learns its server's port after building the gateway).
    pub fn set_ipn_url(&self, url: &str) {
        *self.ipn_url.lock().unwrap_or_else(|e| e.into_inner()) = url.to_owned();
    }

    /// The merchant-side view of this gateway (`pay_url` under `base`, e.g.
    /// `http://127.0.0.1:PORT` or `/demo/gateway`).
    pub fn merchant_side(&self, base: &str) -> Gateway {
        Gateway::new(&format!("{base}/pay"), &self.merchant, &self.secret)
    }

    /// The gateway's books (a test reads them; reconciliation fetches them as CSV).
    pub fn books(&self) -> Vec<Txn> {
        self.books.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Forget a transaction from the books (a test of reconciliation).
    pub fn drop_from_books(&self, txn_ref: &str) {
        self.books
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|t| t.txn_ref != txn_ref);
    }

    /// The gateway's routes: `/pay`, `/pay/confirm`, `/transactions`.
    pub fn router(self) -> Router {
        Router::new()
            .route("/pay", get(pay_page))
            .route("/pay/confirm", post(confirm))
            .route("/transactions", get(transactions))
            .with_state(self)
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn pay_page(
    State(gw): State<TestGateway>,
    Query(p): Query<BTreeMap<String, String>>,
) -> Response {
    let merchant = Gateway::new("", &gw.merchant, &gw.secret);
    if !merchant.verify(&p) || p.get("vnp_TmnCode") != Some(&gw.merchant) {
        return (StatusCode::BAD_REQUEST, "Sai chữ ký / bad signature").into_response();
    }
    let amount = p
        .get("vnp_Amount")
        .and_then(|a| a.parse::<i64>().ok())
        .map_or(0, |a| a / 100);
    let hidden: String = p
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                esc(k),
                esc(v)
            )
        })
        .collect();
    Html(format!(
        r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Cổng thanh toán thử nghiệm</title></head>
<body><main><h1>Cổng thanh toán thử nghiệm (không phải ngân hàng thật)</h1>
<p>Test payment gateway — not a real bank.</p>
<dl><dt>Nội dung / Order</dt><dd id="info">{info}</dd><dt>Số tiền / Amount</dt><dd id="amount">{amount} đ</dd></dl>
<form method="post" action="pay/confirm">{hidden}
<button type="submit" name="outcome" value="pay" id="pay">Thanh toán / Pay</button>
<button type="submit" name="outcome" value="cancel" id="cancel">Huỷ / Cancel</button>
</form></main></body></html>"#,
        info = esc(p.get("vnp_OrderInfo").map(String::as_str).unwrap_or_default()),
    ))
    .into_response()
}

async fn confirm(
    State(gw): State<TestGateway>,
    headers: axum::http::HeaderMap,
    axum::Form(mut p): axum::Form<BTreeMap<String, String>>,
) -> Response {
    let outcome = p.remove("outcome").unwrap_or_default();
    let merchant = Gateway::new("", &gw.merchant, &gw.secret);
    if !merchant.verify(&p) {
        return (StatusCode::BAD_REQUEST, "Sai chữ ký / bad signature").into_response();
    }
    let Some(return_url) = p.get("vnp_ReturnUrl").cloned() else {
        return (StatusCode::BAD_REQUEST, "vnp_ReturnUrl").into_response();
    };
    let pay_date = crate::model::vntime::compact(platform::db::now_ms());
    let txn = {
        let mut books = gw.books.lock().unwrap_or_else(|e| e.into_inner());
        let txn = Txn {
            txn_ref: p.get("vnp_TxnRef").cloned().unwrap_or_default(),
            transaction_no: format!("{}", 14_000_000 + books.len() + 1),
            amount_vnd: p
                .get("vnp_Amount")
                .and_then(|a| a.parse::<i64>().ok())
                .map_or(0, |a| a / 100),
            response_code: if outcome == "pay" { "00" } else { "24" }.to_owned(),
            pay_date,
        };
        books.push(txn.clone());
        txn
    };
    let mut cb: BTreeMap<String, String> = [
        ("vnp_TmnCode", gw.merchant.clone()),
        ("vnp_Amount", (txn.amount_vnd * 100).to_string()),
        ("vnp_TxnRef", txn.txn_ref.clone()),
        ("vnp_ResponseCode", txn.response_code.clone()),
        ("vnp_TransactionStatus", txn.response_code.clone()),
        ("vnp_TransactionNo", txn.transaction_no.clone()),
        ("vnp_BankCode", "NCB".to_owned()),
        ("vnp_PayDate", txn.pay_date.clone()),
        (
            "vnp_OrderInfo",
            p.get("vnp_OrderInfo").cloned().unwrap_or_default(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let hash = sign_with(&gw.secret, &cb);
    cb.insert(HASH_PARAM.to_owned(), hash);
    let query = {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &cb {
            s.append_pair(k, v);
        }
        s.finish()
    };
    // The server-to-server call first, as real gateways do; its failure does not stop the
    // browser's return (the merchant must cope with either arriving first, or only one).
    let mut ipn = gw.ipn_url.lock().unwrap_or_else(|e| e.into_inner()).clone();
    // A path (the demo's gateway, served by egov itself): the merchant is the host the payer's
    // browser came to.
    if ipn.starts_with('/') {
        ipn = match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
            Some(host) => format!("http://{host}{ipn}"),
            None => String::new(),
        };
    }
    if !ipn.is_empty() {
        let sep = if ipn.contains('?') { '&' } else { '?' };
        if let Err(e) = gw.client.get(&format!("{ipn}{sep}{query}")).await {
            tracing::warn!(error = %e, "test gateway: the IPN call failed");
        }
    }
    let sep = if return_url.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{return_url}{sep}{query}")).into_response()
}

async fn transactions(
    State(gw): State<TestGateway>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let day = q.get("date").cloned().unwrap_or_default();
    let mut out = String::from("txn_ref,transaction_no,amount_vnd,response_code,pay_date\n");
    for t in gw.books().iter().filter(|t| t.pay_date.starts_with(&day)) {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            t.txn_ref, t.transaction_no, t.amount_vnd, t.response_code, t.pay_date
        ));
    }
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response()
}
