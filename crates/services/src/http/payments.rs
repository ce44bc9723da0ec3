//! Fee payments through the gateway: the gateway's server-to-server callback (the IPN,
//! `/api/v1/services/payments/ipn`), the page the payer's browser returns to
//! (`/services/payments/return`), and the officials' daily reconciliation with the gateway's
//! books (`/services/payments/reconciliation`).

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use platform::config::Config;
use platform::error::{AppError, AppResult};
use platform::http_client::HttpClient;
use platform::identity::access::{Permission, Target};
use platform::web::admin::render;
use platform::web::{AppState, Auth, Ctx, Query};
use serde::Deserialize;

use crate::engine::payments;
use crate::model::payment::{PaymentStatus, Reconciliation};
use crate::payment::Gateway;
use crate::store;

/// The gateway egov is a merchant of, as the router's extension (the binary derives it from
/// `payment_*`, the demo from its local test gateway, a test from its own).
#[derive(Clone, Debug)]
pub struct PaymentConfig {
    pub gateway: Gateway,
    pub books_url: Option<String>,
    pub client: HttpClient,
}

impl PaymentConfig {
    pub fn new(gateway: Gateway, books_url: Option<String>) -> PaymentConfig {
        PaymentConfig {
            gateway,
            books_url,
            client: HttpClient::new(Default::default()),
        }
    }

    /// From the configuration's checked `payment_*` settings; `None` when none is configured.
    pub fn from_config(config: &Config) -> Option<PaymentConfig> {
        let p = config.payment().ok().flatten()?;
        Some(PaymentConfig::new(
            Gateway::new(&p.url, &p.merchant, p.secret.expose().as_bytes()),
            p.books_url,
        ))
    }
}

fn unavailable() -> AppError {
    AppError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        platform::Problem::new("payment_unavailable"),
    )
}

/// The gateway's server-to-server callback: settles the attempt it names (once) and answers
/// in the gateway's terms (`RspCode`, `Message`).
#[utoipa::path(get, path = "/api/v1/services/payments/ipn", tag = "services", operation_id = "services_payment_ipn",
    params(("vnp_TxnRef" = String, Query, description = "egov's reference of the attempt"),
           ("vnp_SecureHash" = String, Query, description = "HMAC-SHA512 of the other parameters")),
    responses((status = 200, description = "The gateway's answer: {\"RspCode\",\"Message\"}")))]
pub async fn ipn(
    State(state): State<AppState>,
    cfg: Option<Extension<PaymentConfig>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let Some(Extension(cfg)) = cfg else {
        return Err(unavailable());
    };
    let env = crate::engine::dossiers::Env::load(
        &state.db,
        state.config.public_url.as_deref().unwrap_or_default(),
    )
    .await?;
    let (answer, _settled) = payments::callback(
        &state.db,
        &env,
        &cfg.gateway,
        &params,
        platform::db::now_ms(),
    )
    .await?;
    Ok(axum::Json(answer.json()).into_response())
}

#[derive(Template)]
#[template(path = "payment_return.html")]
struct ReturnPage {
    ctx: Ctx,
    /// `paid`, `failed`, `pending` or `unverified`.
    outcome: &'static str,
    amount: String,
    txn_ref: String,
    dossier_id: Option<i64>,
}

/// Where the payer's browser comes back: the callback is read (it settles the attempt if the
/// IPN has not), and the attempt's state is shown.
pub async fn return_page(
    State(state): State<AppState>,
    ctx: Ctx,
    cfg: Option<Extension<PaymentConfig>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let Some(Extension(cfg)) = cfg else {
        return Err(unavailable());
    };
    let db = &state.db;
    let env = crate::engine::dossiers::Env::load(
        db,
        state.config.public_url.as_deref().unwrap_or_default(),
    )
    .await?;
    let (answer, _settled) =
        payments::callback(db, &env, &cfg.gateway, &params, platform::db::now_ms()).await?;
    let found = match answer {
        crate::payment::IpnAnswer::BadSignature | crate::payment::IpnAnswer::Other => None,
        _ => match params.get("vnp_TxnRef") {
            Some(r) => store::payments::by_ref(db, r).await?,
            None => None,
        },
    };
    let page = match found {
        Some(p) => ReturnPage {
            outcome: match p.status {
                PaymentStatus::Paid => "paid",
                PaymentStatus::Failed => "failed",
                PaymentStatus::Pending => "pending",
            },
            amount: crate::model::payment::dong(p.amount_vnd, ctx.lang),
            txn_ref: p.txn_ref,
            dossier_id: Some(p.dossier_id),
            ctx,
        },
        None => ReturnPage {
            outcome: "unverified",
            amount: String::new(),
            txn_ref: String::new(),
            dossier_id: None,
            ctx,
        },
    };
    render(page)
}

#[derive(Deserialize, Default)]
pub struct ReconQuery {
    /// `yyyy-mm-dd`, Việt Nam day; default yesterday.
    day: Option<String>,
    /// An agency id; absent: every agency (a national scope).
    agency: Option<i64>,
}

#[derive(Template)]
#[template(path = "payment_reconciliation.html")]
struct ReconPage {
    ctx: Ctx,
    day: String,
    agency: Option<i64>,
    r: Reconciliation,
    total_here: String,
    total_gateway: String,
}

/// The day's payments here against the gateway's books: what matched, what one side lacks,
/// what differs in amount.
pub async fn reconciliation(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    auth: Auth,
    cfg: Option<Extension<PaymentConfig>>,
    Query(q): Query<ReconQuery>,
) -> AppResult<Response> {
    let target = match q.agency {
        Some(a) => Target {
            agency: Some(a),
            ..Default::default()
        },
        None => Target::national(),
    };
    auth.require(Permission::ApproveData, &target)?;
    let Some(Extension(cfg)) = cfg else {
        return Err(unavailable());
    };
    let Some(mut books) = cfg.books_url.clone() else {
        return Err(unavailable());
    };
    // A path: the demo's own gateway, on this server (only `egov demo` configures one).
    if books.starts_with('/') {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .ok_or_else(unavailable)?;
        books = format!("http://{host}{books}");
    }
    let now = platform::db::now_ms();
    let day = match &q.day {
        Some(d) => time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| {
                AppError::invalid(platform::Problem::new("payment_bad_day").field("day"))
            })?,
        None => time::OffsetDateTime::from_unix_timestamp(now / 1000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
            .to_offset(crate::model::vntime::VIETNAM)
            .date()
            .previous_day()
            .unwrap_or(time::Date::MIN),
    };
    let compact = format!(
        "{:04}{:02}{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    );
    let r = payments::reconcile(&state.db, &cfg.client, &books, q.agency, &compact).await?;
    render(ReconPage {
        total_here: crate::model::payment::dong(r.total_here, auth.ctx.lang),
        total_gateway: crate::model::payment::dong(r.total_gateway, auth.ctx.lang),
        ctx: auth.ctx,
        day: day.to_string(),
        agency: q.agency,
        r,
    })
}
