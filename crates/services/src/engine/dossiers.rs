//! The dossier's use cases, one transaction each: a draft saved and submitted online, a paper
//! dossier recorded at the desk, every desk and applicant action of [`workflow`], fees settled
//! by the payment gateway. Each change writes the timeline, its audit entry, the sync record to
//! the national portal and the applicant's notice in the same transaction ([`after_change`]).

use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbResult, Tx};
use platform::error::FaultResult;
use reporting::model::period::HolidayCalendar;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Date;

use crate::model::clock;
use crate::model::dossier::{Applicant, Channel, Dossier, DossierCode, Event, Status};
use crate::model::notice::Facts;
use crate::model::sync;
use crate::model::vntime::VIETNAM;
use crate::model::workflow::{self, Action, NotNow};
use crate::query::ProcedureVersion;
use crate::store::dossiers as store;

/// Why a dossier action is refused (each a stable code, translated at the edge).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("no such dossier")]
    NotFound,
    #[error(transparent)]
    NotNow(#[from] NotNow),
    #[error("a reason is needed")]
    ReasonNeeded,
    #[error("the dossier is not a draft")]
    NotDraft,
    #[error("the procedure is not offered online")]
    NotOnline,
    #[error("this procedure needs a level 2 electronic identity")]
    AssuranceTooLow,
    #[error("the dossier is not late")]
    NotLate,
    #[error("the new appointment must be after the old one and not before today")]
    NewDateTooEarly,
}

impl Refused {
    pub fn code(&self) -> &'static str {
        match self {
            Refused::NotFound => "svc_dossier_not_found",
            Refused::NotNow(_) => "svc_dossier_not_now",
            Refused::ReasonNeeded => "svc_dossier_reason",
            Refused::NotDraft => "svc_dossier_not_draft",
            Refused::NotOnline => "svc_dossier_not_online",
            Refused::AssuranceTooLow => "svc_dossier_assurance",
            Refused::NotLate => "svc_dossier_not_late",
            Refused::NewDateTooEarly => "svc_dossier_new_date",
        }
    }
}

/// What an engine call gives back: the outcome, or a refusal the user can act on.
pub type Outcome<T> = FaultResult<Result<T, Refused>>;

/// The Việt Nam calendar day of an instant.
pub fn vn_day(ms: i64) -> Date {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(VIETNAM)
        .date()
}

fn vn_compact_day(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A lookup secret for the receipt: 8 characters a person can read back without confusion.
fn new_secret() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..8)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Whether `given` is the dossier's secret (constant-time on the digests).
pub fn secret_matches(stored_hash: Option<&str>, given: &str) -> bool {
    let given = sha256_hex(&given.trim().to_ascii_uppercase());
    let stored = stored_hash.unwrap_or("0000");
    platform::web::ctx::constant_time_eq(given.as_bytes(), stored.as_bytes())
}

/// Where links in notices point (`https://dichvucong.example.gov.vn`); set by the binary.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub base: String,
}

/// The context every change needs: the holiday calendar and the public base of links.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub calendar: HolidayCalendar,
    pub links: Links,
}

impl Env {
    pub async fn load(db: &Db, base: &str) -> DbResult<Env> {
        Ok(Env {
            calendar: reporting::query::holiday_calendar(db).await?,
            links: Links {
                base: base.trim_end_matches('/').to_owned(),
            },
        })
    }
}

/// What a change needs to know of other crates' data and the catalogue, read before its
/// transaction begins (a transaction never waits for a second connection).
#[derive(Debug, Clone, Default)]
pub struct Refs {
    /// The handling agency's identifier (QCVN 102, else its code) and name.
    pub unit_code: String,
    pub unit_name: String,
    pub field_name: String,
    /// The procedure version's statutory working days.
    pub processing_days: u32,
}

impl Refs {
    pub async fn load(
        db: &Db,
        agency_id: i64,
        field_code: &str,
        version_id: i64,
    ) -> DbResult<Refs> {
        let agency = registry::store::agency(db, agency_id).await?;
        let field_name = crate::query::fields(db)
            .await?
            .into_iter()
            .find(|f| f.code == field_code)
            .map(|f| f.name_vi)
            .unwrap_or_default();
        let days = crate::query::version(db, version_id)
            .await?
            .map_or(0, |v| u32::try_from(v.spec.processing_days).unwrap_or(0));
        Ok(Refs {
            unit_code: agency
                .as_ref()
                .map(|a| a.edoc_qcvn.clone().unwrap_or_else(|| a.code.clone()))
                .unwrap_or_else(|| agency_id.to_string()),
            unit_name: agency.map(|a| a.name_vi).unwrap_or_default(),
            field_name,
            processing_days: days,
        })
    }
}

/// After every change, in its transaction: the timeline event, the sync record of the
/// national portal (not for drafts), and the applicant's notice.
pub async fn after_change(
    tx: &mut Tx,
    refs: &Refs,
    env: &Env,
    d: &Dossier,
    event: &Event,
    now: i64,
) -> DbResult<()> {
    store::add_event(tx, d.id, event).await?;
    let (Some(status), Some(code)) = (d.status, d.code.as_deref()) else {
        return Ok(());
    };
    let field_name = refs.field_name.clone();
    let files = store::files_in(tx, d.id).await?;
    let paper = |f: &crate::model::dossier::DossierFile| sync::Paper {
        name: f.name.clone(),
        sha256: f.sha256.clone(),
    };
    let record = sync::record(&sync::Snapshot {
        code: code.to_owned(),
        procedure_code: d.procedure_code.clone(),
        procedure_name: d.procedure_name.clone(),
        field_code: d.field_code.clone(),
        field_name,
        channel: d.channel,
        applicant: sync::Applicant {
            business: d.applicant.business,
            identifier: d.applicant.identifier.clone(),
            name: d.applicant.name.clone(),
            phone: d.applicant.phone.clone(),
            email: d.applicant.email.clone(),
            address: d.applicant.address.clone(),
        },
        summary: d.summary.clone(),
        received_at: d.received_at.unwrap_or(now),
        appointment_at: d
            .due_date
            .map(|day| (day.midnight().assume_offset(VIETNAM).unix_timestamp() + 17 * 3600) * 1000),
        status,
        finished_at: d.finished_at,
        returned_at: d.returned_at,
        unit_code: refs.unit_code.clone(),
        unit_name: refs.unit_name.clone(),
        fees: if d.fee_vnd > 0 {
            vec![sync::Fee {
                name: "Lệ phí".into(),
                amount_vnd: d.fee_vnd,
                paid: d.fee_paid,
            }]
        } else {
            vec![]
        },
        attachments: files.iter().filter(|f| !f.result).map(paper).collect(),
        additions: vec![],
        results: files.iter().filter(|f| f.result).map(paper).collect(),
    });
    crate::store::sync::enqueue(tx, d.id, code, &record, now).await?;
    // The applicant is told of changes of status (not of a transfer between departments or fees
    // paid in advance, which leave the status as it was) and of a new appointment (form 04).
    if event.status_from == event.status_to && event.action != APOLOGY {
        return Ok(());
    }
    let due = d
        .due_date
        .map(|x| format!("{:02}/{:02}/{}", x.day(), u8::from(x.month()), x.year()));
    let link = format!("{}/services/my/{}", env.links.base, d.id);
    crate::engine::notices::queue(
        tx,
        d.id,
        event.seq,
        status,
        &Facts {
            code,
            procedure: &d.procedure_name,
            appointment: due.as_deref(),
            reason: Some(d.reason.as_str()).filter(|r| !r.is_empty()),
            link: &link,
        },
        &crate::engine::notices::Contacts {
            email: &d.applicant.email,
            phone: &d.applicant.phone,
            lang: d.lang,
        },
        now,
    )
    .await?;
    Ok(())
}

fn event(d: &Dossier, actor: &Actor, action: &str, from: i64, note: &str, now: i64) -> Event {
    Event {
        seq: d.events,
        at: now,
        actor_id: actor.user_id,
        actor_name: actor.name.clone(),
        action: action.to_owned(),
        status_from: from,
        status_to: d.status.map_or(0, |s| i64::from(s.number())),
        note: note.to_owned(),
    }
}

async fn audit_change(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    d: &Dossier,
    from: i64,
    note: &str,
) -> DbResult<()> {
    audit::append(
        tx,
        actor,
        Change {
            action,
            object_type: "svc_dossier",
            object_id: d.id.to_string(),
            before: Some(json!({"status": from})),
            after: Some(
                json!({"status": d.status.map_or(0, |s| s.number()), "code": d.code,
                                "due_date": d.due_date.map(|x| x.to_string()), "note": note}),
            ),
        },
    )
    .await?;
    Ok(())
}

/// What the applicant sends with a dossier.
#[derive(Debug, Clone, Default)]
pub struct Filing {
    pub applicant: Applicant,
    pub agency_id: i64,
    pub summary: String,
    pub form_data: serde_json::Value,
    pub lang: platform::i18n::Lang,
}

fn new_dossier(v: &ProcedureVersion, f: &Filing, channel: Channel, now: i64) -> Dossier {
    Dossier {
        id: 0,
        code: None,
        version_id: v.id,
        procedure_code: v.spec.code.clone(),
        procedure_name: v.spec.name_vi.clone(),
        field_code: v.spec.field.clone(),
        agency_id: f.agency_id,
        channel,
        status: None,
        applicant: f.applicant.clone(),
        lang: f.lang,
        summary: f.summary.clone(),
        form_data: f.form_data.clone(),
        fee_vnd: v.spec.fee_vnd,
        fee_paid: false,
        holder_user_id: None,
        holder_note: String::new(),
        reason: String::new(),
        received_at: None,
        due_date: None,
        stopped_on: None,
        finished_at: None,
        returned_at: None,
        on_time: None,
        result_sha256: None,
        result_name: None,
        events: 0,
        created_at: now,
        updated_at: now,
    }
}

/// Saves the applicant's draft (new when `id` is `None`); its id.
pub async fn save_draft(
    db: &Db,
    env: &Env,
    actor: &Actor,
    v: &ProcedureVersion,
    id: Option<i64>,
    f: &Filing,
    now: i64,
) -> Outcome<i64> {
    let refs = Refs::load(db, f.agency_id, &v.spec.field, v.id).await?;
    let mut tx = db.begin().await?;
    let id = match id {
        None => {
            let mut d = new_dossier(v, f, Channel::Online, now);
            d.id = store::insert(&mut tx, &d).await?;
            d.events = 1;
            store::save(&mut tx, &d, None).await?;
            let e = event(&d, actor, "draft", 0, "", now);
            after_change(&mut tx, &refs, env, &d, &e, now).await?;
            d.id
        }
        Some(id) => {
            let Some(mut d) = store::get_for_update(&mut tx, id).await? else {
                return Ok(Err(Refused::NotFound));
            };
            if d.status.is_some() || d.applicant.user_id != actor.user_id {
                return Ok(Err(Refused::NotDraft));
            }
            d.agency_id = f.agency_id;
            d.applicant = f.applicant.clone();
            d.summary = f.summary.clone();
            d.form_data = f.form_data.clone();
            d.updated_at = now;
            store::save(&mut tx, &d, None).await?;
            d.id
        }
    };
    tx.commit().await?;
    Ok(Ok(id))
}

/// A submitted dossier: its id, code and the receipt's secret (shown once, stored hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub id: i64,
    pub code: String,
    pub secret: String,
}

async fn assign_code(tx: &mut Tx, refs: &Refs, d: &mut Dossier, now: i64) -> DbResult<String> {
    let today = vn_day(now);
    let seq = store::next_seq(tx, d.agency_id, &vn_compact_day(today)).await?;
    let code = DossierCode::new(
        &refs.unit_code,
        today,
        u32::try_from(seq).unwrap_or(u32::MAX),
    );
    d.code = Some(code.as_str().to_owned());
    let secret = new_secret();
    Ok(secret)
}

/// Submits the applicant's draft online: status 1, a code, a secret; the provisional
/// appointment counts from today until the desk accepts it.
pub async fn submit(
    db: &Db,
    env: &Env,
    actor: &Actor,
    v: &ProcedureVersion,
    id: i64,
    assurance: u8,
    now: i64,
) -> Outcome<Submitted> {
    if v.spec.online_level == crate::model::procedure::OnlineLevel::None {
        return Ok(Err(Refused::NotOnline));
    }
    if i64::from(assurance) < v.spec.min_assurance {
        return Ok(Err(Refused::AssuranceTooLow));
    }
    let Some(draft) = store::get(db, id).await? else {
        return Ok(Err(Refused::NotFound));
    };
    let refs = Refs::load(db, draft.agency_id, &v.spec.field, v.id).await?;
    let mut tx = db.begin().await?;
    let Some(mut d) = store::get_for_update(&mut tx, id).await? else {
        return Ok(Err(Refused::NotFound));
    };
    if d.status.is_some() || d.applicant.user_id != actor.user_id || d.agency_id != draft.agency_id
    {
        return Ok(Err(Refused::NotDraft));
    }
    let secret = assign_code(&mut tx, &refs, &mut d, now).await?;
    d.status = Some(Status::Registered);
    d.received_at = Some(now);
    d.due_date = Some(clock::appointment(
        &env.calendar,
        vn_day(now),
        u32::try_from(v.spec.processing_days).unwrap_or(0),
    ));
    d.events += 1;
    d.updated_at = now;
    store::save(&mut tx, &d, Some(&sha256_hex(&secret))).await?;
    let e = event(&d, actor, "submit", 0, "", now);
    audit_change(&mut tx, actor, "services.dossier_submitted", &d, 0, "").await?;
    after_change(&mut tx, &refs, env, &d, &e, now).await?;
    tx.commit().await?;
    Ok(Ok(Submitted {
        id: d.id,
        code: d.code.unwrap_or_default(),
        secret,
    }))
}

/// Records a paper dossier received at the desk (channel 1) or by post (3): accepted at once,
/// with its appointment.
pub async fn record_at_desk(
    db: &Db,
    env: &Env,
    actor: &Actor,
    v: &ProcedureVersion,
    channel: Channel,
    f: &Filing,
    now: i64,
) -> FaultResult<Submitted> {
    let refs = Refs::load(db, f.agency_id, &v.spec.field, v.id).await?;
    let mut tx = db.begin().await?;
    let mut d = new_dossier(v, f, channel, now);
    d.id = store::insert(&mut tx, &d).await?;
    let secret = assign_code(&mut tx, &refs, &mut d, now).await?;
    d.status = Some(Status::Accepted);
    d.received_at = Some(now);
    d.holder_user_id = actor.user_id;
    d.due_date = Some(clock::appointment(
        &env.calendar,
        vn_day(now),
        u32::try_from(v.spec.processing_days).unwrap_or(0),
    ));
    d.events = 1;
    d.updated_at = now;
    store::save(&mut tx, &d, Some(&sha256_hex(&secret))).await?;
    let e = event(&d, actor, "record", 0, "", now);
    audit_change(&mut tx, actor, "services.dossier_recorded", &d, 0, "").await?;
    after_change(&mut tx, &refs, env, &d, &e, now).await?;
    tx.commit().await?;
    Ok(Submitted {
        id: d.id,
        code: d.code.unwrap_or_default(),
        secret,
    })
}

/// What else an action carries.
#[derive(Debug, Clone, Default)]
pub struct Details {
    /// The reason (refusal, missing papers, stop, withdrawal) or a note.
    pub reason: String,
    /// Transfer: to whom (a user id) and which department.
    pub holder: Option<i64>,
    pub holder_note: String,
    /// Return: the result document (a name and its stored file's SHA-256) and its size in
    /// bytes, kept with the dossier's files in the return's transaction.
    pub result: Option<(String, String)>,
    pub result_size: i64,
}

/// Applies `action` to the dossier, in one transaction (permissions are the caller's).
pub async fn act(
    db: &Db,
    env: &Env,
    actor: &Actor,
    id: i64,
    action: Action,
    details: &Details,
    now: i64,
) -> Outcome<Dossier> {
    let Some(before) = store::get(db, id).await? else {
        return Ok(Err(Refused::NotFound));
    };
    let refs = Refs::load(db, before.agency_id, &before.field_code, before.version_id).await?;
    let mut tx = db.begin().await?;
    let r = act_in(&mut tx, &refs, env, actor, id, action, details, now).await?;
    if r.is_ok() {
        tx.commit().await?;
    }
    Ok(r)
}

#[allow(clippy::too_many_arguments)]
async fn act_in(
    tx: &mut Tx,
    refs: &Refs,
    env: &Env,
    actor: &Actor,
    id: i64,
    action: Action,
    details: &Details,
    now: i64,
) -> FaultResult<Result<Dossier, Refused>> {
    let Some(mut d) = store::get_for_update(tx, id).await? else {
        return Ok(Err(Refused::NotFound));
    };
    let Some(from) = d.status else {
        return Ok(Err(Refused::NotFound));
    };
    let to = match workflow::next(from, action) {
        Ok(to) => to,
        Err(e) => return Ok(Err(e.into())),
    };
    let reason = details.reason.trim();
    if action.needs_reason() && reason.is_empty() {
        return Ok(Err(Refused::ReasonNeeded));
    }
    let today = vn_day(now);
    // The clock: it stands still in 5 and 6, and the appointment moves on when it restarts.
    if workflow::clock_stopped(from)
        && !workflow::clock_stopped(to)
        && let (Some(due), Some(stopped)) = (d.due_date, d.stopped_on)
    {
        d.due_date = Some(clock::resume(&env.calendar, due, stopped, today));
        d.stopped_on = None;
    }
    if workflow::clock_stopped(to) && !workflow::clock_stopped(from) {
        d.stopped_on = Some(today);
    }
    match action {
        Action::Accept => {
            // The statutory time counts from acceptance.
            d.due_date = Some(clock::appointment(
                &env.calendar,
                today,
                refs.processing_days,
            ));
            d.holder_user_id = actor.user_id;
        }
        Action::Transfer => {
            d.holder_user_id = details.holder.or(actor.user_id);
            d.holder_note = details.holder_note.clone();
        }
        Action::FeesPaid => d.fee_paid = true,
        Action::Approve => {
            d.finished_at = Some(now);
            d.on_time = d.due_date.map(|due| today <= due);
        }
        Action::Return => {
            d.returned_at = Some(now);
            if let Some((name, sha)) = &details.result {
                d.result_name = Some(name.clone());
                d.result_sha256 = Some(sha.clone());
                store::add_file(
                    tx,
                    d.id,
                    true,
                    name,
                    sha,
                    details.result_size,
                    actor.user_id,
                    now,
                )
                .await?;
            }
        }
        Action::Refuse | Action::Withdraw | Action::Stop => {
            d.finished_at = Some(now);
            d.stopped_on = None;
        }
        Action::RequestPapers | Action::RequestFees | Action::PapersAdded => {}
    }
    if !reason.is_empty() {
        d.reason = reason.to_owned();
    }
    d.status = Some(to);
    d.events += 1;
    d.updated_at = now;
    store::save(tx, &d, None).await?;
    let from_n = i64::from(from.number());
    let e = event(&d, actor, action.code(), from_n, reason, now);
    audit_change(
        tx,
        actor,
        &format!("services.dossier_{}", action.code()),
        &d,
        from_n,
        reason,
    )
    .await?;
    after_change(tx, refs, env, &d, &e, now).await?;
    Ok(Ok(d))
}

/// The fees of a dossier were paid (recorded at the desk): it goes back to processing (status
/// 6 → 4).
pub async fn fees_paid(db: &Db, env: &Env, dossier_id: i64, now: i64) -> Outcome<Dossier> {
    act(
        db,
        env,
        &Actor::system("payment-gateway"),
        dossier_id,
        Action::FeesPaid,
        &Details::default(),
        now,
    )
    .await
}

/// [`fees_paid`] inside the payment callback's transaction (`refs` read before it began): the
/// payment and the dossier's move commit together. A dossier waiting for its fees (6) goes back
/// to processing; fees paid in advance — with the draft before it is submitted, or while it is
/// registered, accepted, in processing or waiting for papers — are marked paid without a change
/// of status (an event on the timeline, the audit entry, a sync record once it has a code). A
/// dossier that ended, or whose fees are already paid, is refused ([`Refused::NotNow`]).
pub async fn fees_paid_in(
    tx: &mut Tx,
    refs: &Refs,
    env: &Env,
    dossier_id: i64,
    now: i64,
) -> FaultResult<Result<Dossier, Refused>> {
    let actor = Actor::system("payment-gateway");
    let Some(mut d) = store::get_for_update(tx, dossier_id).await? else {
        return Ok(Err(Refused::NotFound));
    };
    let in_advance = !d.fee_paid
        && d.fee_vnd > 0
        && matches!(
            d.status,
            None | Some(
                Status::Registered
                    | Status::Accepted
                    | Status::Processing
                    | Status::AdditionRequested
            )
        );
    if !in_advance {
        return act_in(
            tx,
            refs,
            env,
            &actor,
            dossier_id,
            Action::FeesPaid,
            &Details::default(),
            now,
        )
        .await;
    }
    d.fee_paid = true;
    d.events += 1;
    d.updated_at = now;
    store::save(tx, &d, None).await?;
    let n = d.status.map_or(0, |s| i64::from(s.number()));
    let e = event(&d, &actor, Action::FeesPaid.code(), n, "", now);
    audit_change(tx, &actor, "services.dossier_fees_paid", &d, n, "").await?;
    after_change(tx, refs, env, &d, &e, now).await?;
    Ok(Ok(d))
}

/// An official's read of a dossier, audited (the applicant sees every access).
pub async fn viewed(db: &Db, actor: &Actor, d: &Dossier) -> DbResult<()> {
    let mut tx = db.begin().await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "services.dossier_viewed",
            object_type: "svc_dossier",
            object_id: d.id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await
}

/// Attaches a paper the applicant or the desk stored (by its file's SHA-256).
pub async fn add_paper(
    db: &Db,
    actor: &Actor,
    d: &Dossier,
    name: &str,
    sha256: &str,
    size: i64,
    now: i64,
) -> DbResult<()> {
    let mut tx = db.begin().await?;
    store::add_file(&mut tx, d.id, false, name, sha256, size, actor.user_id, now).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "services.dossier_paper_added",
            object_type: "svc_dossier",
            object_id: d.id.to_string(),
            before: None,
            after: Some(json!({"name": name, "sha256": sha256, "size": size})),
        },
    )
    .await?;
    tx.commit().await
}

/// Every official's access to the dossier (the audit chain's entries), newest first.
pub async fn accesses(db: &Db, d: &Dossier) -> DbResult<Vec<platform::audit::Entry>> {
    platform::audit::search(
        db,
        &platform::audit::Filter {
            object_type: Some("svc_dossier".into()),
            object_id: Some(d.id.to_string()),
            ..Default::default()
        },
        200,
    )
    .await
}

/// The timeline's action of an apology with a new appointment (form 04).
pub const APOLOGY: &str = "apologise";

/// A late dossier (accepted or in processing, its appointment today or past): the agency
/// apologises and sets a new appointment (form 04), later than the old one and not before
/// today. The event's note keeps both dates; the applicant is told.
pub async fn apologise(
    db: &Db,
    env: &Env,
    actor: &Actor,
    id: i64,
    new_due: Date,
    reason: &str,
    now: i64,
) -> Outcome<Dossier> {
    let Some(before) = store::get(db, id).await? else {
        return Ok(Err(Refused::NotFound));
    };
    let refs = Refs::load(db, before.agency_id, &before.field_code, before.version_id).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Ok(Err(Refused::ReasonNeeded));
    }
    let today = vn_day(now);
    let mut tx = db.begin().await?;
    let Some(mut d) = store::get_for_update(&mut tx, id).await? else {
        return Ok(Err(Refused::NotFound));
    };
    let Some(status @ (Status::Accepted | Status::Processing)) = d.status else {
        return Ok(Err(Refused::NotLate));
    };
    let Some(old) = d.due_date.filter(|due| *due <= today) else {
        return Ok(Err(Refused::NotLate));
    };
    if new_due <= old || new_due < today {
        return Ok(Err(Refused::NewDateTooEarly));
    }
    d.due_date = Some(new_due);
    d.reason = reason.to_owned();
    d.events += 1;
    d.updated_at = now;
    store::save(&mut tx, &d, None).await?;
    let n = i64::from(status.number());
    let note = format!("{old} → {new_due}: {reason}");
    let e = event(&d, actor, APOLOGY, n, &note, now);
    audit_change(&mut tx, actor, "services.dossier_apologise", &d, n, &note).await?;
    after_change(&mut tx, &refs, env, &d, &e, now).await?;
    tx.commit().await?;
    Ok(Ok(d))
}
