//! Paying a dossier's fees through the gateway: an attempt is started (the citizen's browser is
//! sent to the gateway), then settled by the gateway's signed callbacks — the IPN and the
//! browser's return, which may come in either order, more than once, or only one of them. The
//! first valid callback settles the attempt; every later one changes nothing (idempotent).

use std::collections::BTreeMap;

use platform::audit::{self, Actor, Change};
use platform::db::Db;
use platform::error::FaultResult;
use serde_json::json;

use crate::model::payment::{self, PaymentStatus, Reconciliation};
use crate::model::vntime;
use crate::payment::{CallbackError, Gateway, IpnAnswer, Order};
use crate::store::payments::{self as store, NewPayment};

/// What is paid: a dossier's fee as its engine states it.
#[derive(Debug, Clone)]
pub struct Due<'a> {
    pub dossier_id: i64,
    pub dossier_code: &'a str,
    pub agency_id: Option<i64>,
    /// Whole đồng, more than zero.
    pub amount_vnd: i64,
}

/// How long the gateway keeps an order open.
pub const ORDER_TTL_MS: i64 = 15 * 60 * 1000;

fn new_ref(dossier_id: i64) -> String {
    use rand::Rng;
    let mut b = [0u8; 6];
    rand::rng().fill(&mut b);
    format!("P{dossier_id}-{}", hex::encode(b))
}

/// Starts (or resumes) the payment of `due`: the URL to send the payer's browser to. A dossier
/// has at most one attempt waiting; asking again resumes it with the same reference.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    db: &Db,
    gateway: &Gateway,
    actor: &Actor,
    due: &Due<'_>,
    return_url: &str,
    lang: &str,
    client_ip: &str,
    now: i64,
) -> FaultResult<String> {
    platform::ensure!(due.amount_vnd > 0, "a payment of {} đồng", due.amount_vnd);
    let mut tx = db.begin().await?;
    let txn_ref = match store::pending_of(&mut tx, due.dossier_id).await? {
        Some(p) if p.amount_vnd == due.amount_vnd => p.txn_ref,
        Some(p) => {
            // The fee changed while an attempt waited: that attempt can no longer be paid.
            store::settle(
                &mut tx,
                p.id,
                PaymentStatus::Failed,
                "",
                "",
                "superseded",
                now,
            )
            .await?;
            start_new(&mut tx, actor, due, now).await?
        }
        None => start_new(&mut tx, actor, due, now).await?,
    };
    tx.commit().await?;
    let info = format!("Le phi ho so {}", due.dossier_code);
    Ok(gateway.pay_redirect(&Order {
        txn_ref: &txn_ref,
        amount_vnd: due.amount_vnd,
        info: &info,
        return_url,
        locale: if lang == "en" { "en" } else { "vn" },
        client_ip,
        created: &vntime::compact(now),
        expires: &vntime::compact(now + ORDER_TTL_MS),
    }))
}

async fn start_new(
    tx: &mut platform::db::Tx,
    actor: &Actor,
    due: &Due<'_>,
    now: i64,
) -> FaultResult<String> {
    let txn_ref = new_ref(due.dossier_id);
    let id = store::insert(
        tx,
        &NewPayment {
            txn_ref: &txn_ref,
            dossier_id: due.dossier_id,
            agency_id: due.agency_id,
            amount_vnd: due.amount_vnd,
            created_by: actor.user_id,
        },
        now,
    )
    .await?;
    audit::append(
        tx,
        actor,
        Change {
            action: "services.payment_started",
            object_type: "svc_payment",
            object_id: id.to_string(),
            before: None,
            after: Some(json!({"txn_ref": txn_ref, "dossier_id": due.dossier_id,
                                "dossier_code": due.dossier_code, "amount_vnd": due.amount_vnd})),
        },
    )
    .await?;
    Ok(txn_ref)
}

/// A settled attempt, for the dossier's engine to move on (only the first valid callback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    pub payment_id: i64,
    pub dossier_id: i64,
    pub paid: bool,
}

/// Reads a gateway callback and settles the attempt it names: the answer the gateway expects,
/// and what was settled (`None` when nothing changed).
pub async fn callback(
    db: &Db,
    env: &crate::engine::dossiers::Env,
    gateway: &Gateway,
    params: &BTreeMap<String, String>,
    now: i64,
) -> FaultResult<(IpnAnswer, Option<Settled>)> {
    let cb = match gateway.read_callback(params) {
        Ok(cb) => cb,
        Err(CallbackError::BadSignature) => {
            tracing::warn!("payment callback refused: bad signature");
            return Ok((IpnAnswer::BadSignature, None));
        }
        Err(e) => {
            tracing::warn!(code = e.code(), "payment callback refused");
            return Ok((IpnAnswer::Other, None));
        }
    };
    // What the dossier's move needs, read before the transaction.
    let (refs, dossier_env) = match store::by_ref(db, &cb.txn_ref).await? {
        Some(p) if cb.succeeded() => match crate::store::dossiers::get(db, p.dossier_id).await? {
            Some(d) => (
                Some(
                    crate::engine::dossiers::Refs::load(
                        db,
                        d.agency_id,
                        &d.field_code,
                        d.version_id,
                    )
                    .await?,
                ),
                Some(env.clone()),
            ),
            None => (None, None),
        },
        _ => (None, None),
    };
    let mut tx = db.begin().await?;
    let Some(p) = store::by_ref_for_update(&mut tx, &cb.txn_ref).await? else {
        return Ok((IpnAnswer::NotFound, None));
    };
    if p.status != PaymentStatus::Pending {
        tx.commit().await?;
        return Ok((IpnAnswer::AlreadyConfirmed, None));
    }
    if cb.amount_vnd != p.amount_vnd {
        tx.commit().await?;
        tracing::warn!(txn_ref = %p.txn_ref, "payment callback refused: amount differs");
        return Ok((IpnAnswer::WrongAmount, None));
    }
    let paid = cb.succeeded();
    let status = if paid {
        PaymentStatus::Paid
    } else {
        PaymentStatus::Failed
    };
    store::settle(
        &mut tx,
        p.id,
        status,
        &cb.transaction_no,
        &cb.bank_code,
        &cb.response_code,
        now,
    )
    .await?;
    audit::append(
        &mut tx,
        &Actor::system("payment-gateway"),
        Change {
            action: if paid { "services.payment_paid" } else { "services.payment_failed" },
            object_type: "svc_payment",
            object_id: p.id.to_string(),
            before: Some(json!({"status": p.status.code()})),
            after: Some(json!({"status": status.code(), "txn_ref": p.txn_ref,
                                "dossier_id": p.dossier_id, "amount_vnd": p.amount_vnd,
                                "gateway_txn": cb.transaction_no, "response_code": cb.response_code})),
        },
    )
    .await?;
    // The dossier waiting for its fees (status 6) goes back to processing, in this transaction.
    // A dossier not waiting (fees paid at the desk meanwhile, or withdrawn) keeps its status: the
    // payment stays recorded for reconciliation and the log says so.
    if paid
        && let (Some(refs), Some(env)) = (&refs, &dossier_env)
        && let Err(e) =
            crate::engine::dossiers::fees_paid_in(&mut tx, refs, env, p.dossier_id, now).await?
    {
        tracing::warn!(
            dossier = p.dossier_id,
            refusal = e.code(),
            "paid fees: the dossier did not move"
        );
    }
    tx.commit().await?;
    Ok((
        IpnAnswer::Confirmed,
        Some(Settled {
            payment_id: p.id,
            dossier_id: p.dossier_id,
            paid,
        }),
    ))
}

/// Most payments one day's reconciliation reads.
pub const MAX_DAY: i64 = 100_000;

/// Reconciles the payments settled here on Việt Nam day `day` (`yyyyMMdd`) with the
/// gateway's books fetched from `books_url` (`…/transactions`), optionally for one agency.
pub async fn reconcile(
    db: &Db,
    client: &platform::http_client::HttpClient,
    books_url: &str,
    agency_id: Option<i64>,
    day: &str,
) -> FaultResult<Reconciliation> {
    let from = vntime::parse_compact(&format!("{day}000000"))
        .ok_or_else(|| platform::fault!("{day:?} is not a day (yyyyMMdd)"))?;
    let to = from + 86_400_000;
    let ours = store::paid_between(db, agency_id, from, to, MAX_DAY).await?;
    let sep = if books_url.contains('?') { '&' } else { '?' };
    let resp = client
        .get(&format!("{books_url}{sep}date={day}"))
        .await
        .map_err(|e| platform::fault!("the gateway's books: {e}"))?;
    platform::ensure!(
        resp.status.is_success(),
        "the gateway's books: HTTP {}",
        resp.status
    );
    let text = std::str::from_utf8(&resp.body)
        .map_err(|_| platform::fault!("the gateway's books are not UTF-8"))?;
    let mut theirs =
        payment::read_books(text).map_err(|e| platform::fault!("the gateway's books: {e}"))?;
    if agency_id.is_some() {
        // The gateway's books hold every agency's payments: keep the ones this agency started.
        let mine: std::collections::BTreeSet<&str> =
            ours.iter().map(|p| p.txn_ref.as_str()).collect();
        let mut keep = Vec::with_capacity(theirs.len());
        for l in theirs {
            if mine.contains(l.txn_ref.as_str()) {
                keep.push(l);
            } else if let Some(p) = store::by_ref(db, &l.txn_ref).await?
                && p.agency_id == agency_id
            {
                keep.push(l);
            }
        }
        theirs = keep;
    }
    Ok(payment::reconcile(&ours, &theirs))
}
