//! The payment gateway adapter: how a Vietnamese payment gateway is spoken to. egov follows the
//! shape the widely used gateways share (VNPay's 2.1.0 parameter names): the citizen's browser is
//! redirected to the gateway with the order's parameters signed by HMAC-SHA512 over the sorted,
//! URL-encoded query; the gateway calls egov back server-to-server (the IPN) and redirects the
//! browser back, both signed the same way. Amounts travel in hundredths of a đồng (`×100`).
//!
//! The bank behind a real gateway cannot run here: [`test_gateway`] is a local stand-in that
//! speaks the same protocol, for tests and the demo only.

pub mod test_gateway;

use std::collections::BTreeMap;

use ring::hmac;

/// The parameter that carries the signature (never itself signed).
pub const HASH_PARAM: &str = "vnp_SecureHash";
/// The optional parameter naming the hash type (not signed either).
pub const HASH_TYPE_PARAM: &str = "vnp_SecureHashType";

/// Most parameters a callback may carry (anything more is refused unread).
pub const MAX_PARAMS: usize = 40;

/// A gateway egov is a merchant of.
#[derive(Clone)]
pub struct Gateway {
    /// Where the citizen's browser is sent to pay (`https://…/paymentv2/vpcpay.html`).
    pub pay_url: String,
    /// The merchant's terminal code at the gateway.
    pub merchant: String,
    secret: Vec<u8>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("pay_url", &self.pay_url)
            .field("merchant", &self.merchant)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// The query string the signature covers: parameters sorted by name, each `name=value` with the
/// value form-URL-encoded, joined by `&`; the hash parameters left out.
pub fn signing_string(params: &BTreeMap<String, String>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        if k != HASH_PARAM && k != HASH_TYPE_PARAM && !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// An order sent to the gateway.
#[derive(Debug, Clone)]
pub struct Order<'a> {
    /// egov's reference, unique per payment attempt.
    pub txn_ref: &'a str,
    /// Whole đồng.
    pub amount_vnd: i64,
    /// What is paid for ("Lệ phí hồ sơ …"), plain text.
    pub info: &'a str,
    pub return_url: &'a str,
    /// `vn` or `en`.
    pub locale: &'a str,
    pub client_ip: &'a str,
    /// `yyyyMMddHHmmss`, Việt Nam time.
    pub created: &'a str,
    pub expires: &'a str,
}

/// What a signed callback said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    pub txn_ref: String,
    /// Whole đồng (the gateway's hundredths divided back; a fraction is refused, never rounded).
    pub amount_vnd: i64,
    /// The gateway's own transaction number.
    pub transaction_no: String,
    pub bank_code: String,
    /// `00` is success; anything else failed or was cancelled.
    pub response_code: String,
    pub pay_date: String,
}

impl Callback {
    pub fn succeeded(&self) -> bool {
        self.response_code == "00"
    }
}

/// Why a callback is not believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("the callback is not signed by the gateway")]
    BadSignature,
    #[error("the callback is for another merchant")]
    OtherMerchant,
    #[error("the callback lacks {0}")]
    Missing(&'static str),
    #[error("the callback's {0} is malformed")]
    Malformed(&'static str),
    #[error("the callback has too many parameters")]
    TooMany,
}

impl CallbackError {
    /// The stable code of the refusal (`payment_*`).
    pub fn code(&self) -> &'static str {
        match self {
            CallbackError::BadSignature => "payment_bad_signature",
            CallbackError::OtherMerchant => "payment_other_merchant",
            CallbackError::Missing(_) => "payment_missing_field",
            CallbackError::Malformed(_) => "payment_malformed_field",
            CallbackError::TooMany => "payment_too_many_fields",
        }
    }
}

impl Gateway {
    pub fn new(pay_url: &str, merchant: &str, secret: &[u8]) -> Gateway {
        Gateway {
            pay_url: pay_url.to_owned(),
            merchant: merchant.to_owned(),
            secret: secret.to_vec(),
        }
    }

    /// The HMAC-SHA512 of the signing string, lower-case hex.
    pub fn sign(&self, params: &BTreeMap<String, String>) -> String {
        sign_with(&self.secret, params)
    }

    /// Whether `params` carry a valid signature (compared in constant time).
    pub fn verify(&self, params: &BTreeMap<String, String>) -> bool {
        let Some(given) = params.get(HASH_PARAM) else {
            return false;
        };
        let Ok(given) = hex::decode(given.trim()) else {
            return false;
        };
        let key = hmac::Key::new(hmac::HMAC_SHA512, &self.secret);
        hmac::verify(&key, signing_string(params).as_bytes(), &given).is_ok()
    }

    /// The URL the citizen's browser is sent to.
    pub fn pay_redirect(&self, order: &Order<'_>) -> String {
        let mut p = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            p.insert(k.to_owned(), v);
        };
        put("vnp_Version", "2.1.0".into());
        put("vnp_Command", "pay".into());
        put("vnp_TmnCode", self.merchant.clone());
        put(
            "vnp_Amount",
            (i128::from(order.amount_vnd) * 100).to_string(),
        );
        put("vnp_CurrCode", "VND".into());
        put("vnp_TxnRef", order.txn_ref.into());
        put("vnp_OrderInfo", order.info.into());
        put("vnp_OrderType", "other".into());
        put("vnp_Locale", order.locale.into());
        put("vnp_ReturnUrl", order.return_url.into());
        put("vnp_IpAddr", order.client_ip.into());
        put("vnp_CreateDate", order.created.into());
        put("vnp_ExpireDate", order.expires.into());
        let hash = self.sign(&p);
        let sep = if self.pay_url.contains('?') { '&' } else { '?' };
        format!(
            "{}{sep}{}&{HASH_PARAM}={hash}",
            self.pay_url,
            signing_string(&p)
        )
    }

    /// Reads a callback (the IPN or the browser's return): signature first, then the fields.
    pub fn read_callback(
        &self,
        params: &BTreeMap<String, String>,
    ) -> Result<Callback, CallbackError> {
        if params.len() > MAX_PARAMS {
            return Err(CallbackError::TooMany);
        }
        if !self.verify(params) {
            return Err(CallbackError::BadSignature);
        }
        let field = |k: &'static str| {
            params
                .get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or(CallbackError::Missing(k))
        };
        if field("vnp_TmnCode")? != self.merchant {
            return Err(CallbackError::OtherMerchant);
        }
        let hundredths: i64 = field("vnp_Amount")?
            .parse()
            .map_err(|_| CallbackError::Malformed("vnp_Amount"))?;
        if hundredths <= 0 || hundredths % 100 != 0 {
            return Err(CallbackError::Malformed("vnp_Amount"));
        }
        let txn_ref = field("vnp_TxnRef")?;
        if txn_ref.len() > 64
            || !txn_ref
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(CallbackError::Malformed("vnp_TxnRef"));
        }
        let response_code = field("vnp_ResponseCode")?;
        if response_code.len() != 2 || !response_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CallbackError::Malformed("vnp_ResponseCode"));
        }
        let pay_date = params.get("vnp_PayDate").cloned().unwrap_or_default();
        if !pay_date.is_empty()
            && (pay_date.len() != 14 || !pay_date.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(CallbackError::Malformed("vnp_PayDate"));
        }
        let clean = |k: &str| -> Result<String, CallbackError> {
            let v = params.get(k).cloned().unwrap_or_default();
            if v.len() > 64 || v.chars().any(char::is_control) {
                return Err(CallbackError::Malformed("vnp_TransactionNo"));
            }
            Ok(v)
        };
        Ok(Callback {
            txn_ref,
            amount_vnd: hundredths / 100,
            transaction_no: clean("vnp_TransactionNo")?,
            bank_code: clean("vnp_BankCode")?,
            response_code,
            pay_date,
        })
    }
}

pub(crate) fn sign_with(secret: &[u8], params: &BTreeMap<String, String>) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA512, secret);
    hex::encode(hmac::sign(&key, signing_string(params).as_bytes()).as_ref())
}

/// The IPN answer the gateway expects: `RspCode` and `Message` as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpnAnswer {
    /// `00` — confirmed (the first time).
    Confirmed,
    /// `01` — no such order.
    NotFound,
    /// `02` — already confirmed (a repeated callback: nothing changed).
    AlreadyConfirmed,
    /// `04` — the amount is not the order's.
    WrongAmount,
    /// `97` — the signature is wrong.
    BadSignature,
    /// `99` — anything else.
    Other,
}

impl IpnAnswer {
    pub fn json(self) -> serde_json::Value {
        let (code, msg) = match self {
            IpnAnswer::Confirmed => ("00", "Confirm Success"),
            IpnAnswer::NotFound => ("01", "Order not found"),
            IpnAnswer::AlreadyConfirmed => ("02", "Order already confirmed"),
            IpnAnswer::WrongAmount => ("04", "Invalid amount"),
            IpnAnswer::BadSignature => ("97", "Invalid signature"),
            IpnAnswer::Other => ("99", "Unknown error"),
        };
        serde_json::json!({"RspCode": code, "Message": msg})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gw() -> Gateway {
        Gateway::new("http://127.0.0.1:9/pay", "EGOV0001", b"s3cret")
    }

    fn query(url: &str) -> BTreeMap<String, String> {
        let q = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }

    fn order() -> Order<'static> {
        Order {
            txn_ref: "P-1-abc",
            amount_vnd: 50_000,
            info: "Lệ phí hồ sơ 000.00.00.H38-261203-0001",
            return_url: "http://127.0.0.1/services/payments/return",
            locale: "vn",
            client_ip: "127.0.0.1",
            created: "20261203100000",
            expires: "20261203101500",
        }
    }

    #[test]
    fn a_redirect_is_signed_and_verifies() {
        let url = gw().pay_redirect(&order());
        let p = query(&url);
        assert_eq!(p["vnp_Amount"], "5000000");
        assert_eq!(p["vnp_OrderInfo"], "Lệ phí hồ sơ 000.00.00.H38-261203-0001");
        assert!(gw().verify(&p));
        let mut tampered = p.clone();
        tampered.insert("vnp_Amount".into(), "100".into());
        assert!(!gw().verify(&tampered));
        assert!(!Gateway::new("x", "EGOV0001", b"other").verify(&p));
    }

    fn callback(amount: &str) -> BTreeMap<String, String> {
        let mut p: BTreeMap<String, String> = [
            ("vnp_TmnCode", "EGOV0001"),
            ("vnp_Amount", amount),
            ("vnp_TxnRef", "P-1-abc"),
            ("vnp_ResponseCode", "00"),
            ("vnp_TransactionNo", "14123456"),
            ("vnp_BankCode", "NCB"),
            ("vnp_PayDate", "20261203100500"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let h = gw().sign(&p);
        p.insert(HASH_PARAM.into(), h);
        p
    }

    #[test]
    fn callbacks_are_read_only_when_signed_and_whole() {
        let c = gw().read_callback(&callback("5000000")).unwrap();
        assert_eq!(c.amount_vnd, 50_000);
        assert!(c.succeeded());
        assert_eq!(
            gw().read_callback(&callback("5000050")),
            Err(CallbackError::Malformed("vnp_Amount"))
        );
        let mut forged = callback("5000000");
        forged.insert("vnp_ResponseCode".into(), "00".into());
        forged.insert("vnp_TxnRef".into(), "P-2-abc".into());
        assert_eq!(
            gw().read_callback(&forged),
            Err(CallbackError::BadSignature)
        );
        let other = Gateway::new("x", "OTHER", b"s3cret");
        assert_eq!(
            other.read_callback(&callback("5000000")),
            Err(CallbackError::OtherMerchant)
        );
    }

    proptest::proptest! {
        #[test]
        fn reading_any_params_never_panics(
            entries in proptest::collection::btree_map("[a-zA-Z_]{1,12}", "\\PC{0,20}", 0..50)
        ) {
            let _ = gw().read_callback(&entries);
        }

        #[test]
        fn any_signed_params_verify_and_any_change_breaks_them(
            entries in proptest::collection::btree_map("vnp_[a-zA-Z]{1,10}", "[^\\x00-\\x1f]{1,20}", 1..15),
            extra in "[a-z]{1,5}",
        ) {
            let mut p = entries.clone();
            let h = gw().sign(&p);
            p.insert(HASH_PARAM.into(), h);
            proptest::prop_assert!(gw().verify(&p));
            let k = entries.keys().next().unwrap().clone();
            let v = format!("{}{extra}", entries[&k]);
            p.insert(k, v);
            proptest::prop_assert!(!gw().verify(&p));
        }
    }
}
