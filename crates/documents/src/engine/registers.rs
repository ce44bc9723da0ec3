//! An agency's document office: draft, number, send and revoke outgoing documents; receive,
//! register, reject, assign, handle and close incoming ones, each change returning the status
//! code the axis side sends back to the sender; attachments; search over both registers. Every
//! change is one transaction with its audit entry: on any error nothing is written.
//!
//! The transport is not here: [`mark_sent`] is the hook the sending side calls once the axis has
//! accepted the package, and [`receive`] the one the receiving side calls for each package
//! fetched.

use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbError, Tx};
use platform::files::{FileError, FileStore};
use reporting::model::period::HolidayCalendar;
use time::Date;

use crate::model::agency::AgencyId;
use crate::model::document::{Document, SUBJECT_MAX};
use crate::model::problem::{Problem, Problems};
use crate::model::register::{
    self, AttachmentKind, DocType, DraftForm, IncomingAction, OutgoingState, field, parse_iso_date,
};
use crate::model::status::StatusCode;
use crate::store::registers::{self as store, FileRef, Incoming, Outgoing, Register, Search};

/// Why a register operation did nothing.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// No such entry in this agency's register (another agency's entries are not found either).
    #[error("no such entry in this agency's register")]
    NotFound,
    /// What was given, field by field.
    #[error("invalid: {0:?}")]
    Invalid(Vec<Problem>),
    /// The agency's office has no abbreviation yet: no notation can be built.
    #[error("the agency's document office has no abbreviation")]
    NoOffice,
    /// Someone changed the entry first (two clerks on one document).
    #[error("the entry was changed meanwhile")]
    Conflict,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Files(#[from] FileError),
}

impl RegisterError {
    pub fn code(&self) -> &'static str {
        match self {
            RegisterError::NotFound => "register_entry_not_found",
            RegisterError::Invalid(_) => "register_invalid",
            RegisterError::NoOffice => "office_not_configured",
            RegisterError::Conflict => "register_conflict",
            RegisterError::Db(_) | RegisterError::Files(_) => "internal",
        }
    }

    fn one(path: &str, code: &str) -> RegisterError {
        RegisterError::Invalid(vec![Problem::new(path, code)])
    }
}

type Result<T> = std::result::Result<T, RegisterError>;

/// Set the office's abbreviation (`UBND`, `VPCP`), the notation's last part.
pub async fn set_office(
    db: &Db,
    agency: &AgencyId,
    abbreviation: &str,
    actor: &Actor,
) -> Result<()> {
    let a = abbreviation.trim();
    if !register::valid_abbreviation(a) {
        return Err(RegisterError::one("abbreviation", "abbreviation_invalid"));
    }
    let mut tx = db.begin().await?;
    store::set_office(&mut tx, &agency.short(), a).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.office_set",
            object_type: "doc_office",
            object_id: agency.short(),
            before: None,
            after: Some(serde_json::json!({ "abbreviation": a })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Record a draft in the agency's outgoing register.
pub async fn draft(
    db: &Db,
    agency: &AgencyId,
    form: &DraftForm,
    actor: &Actor,
    today: Date,
) -> Result<i64> {
    let d = form.check(agency, today).map_err(RegisterError::Invalid)?;
    // Recipients come from the axis directory: connected and active.
    let mut unknown = Problems::default();
    for r in &d.recipients {
        let known = crate::store::agencies::find(db, r)
            .await?
            .is_some_and(|a| a.state == crate::store::agencies::AgencyState::Active);
        if !known {
            unknown.push(
                Problem::new(field::RECIPIENTS, "unknown_recipient").arg("organ_id", r.to_string()),
            );
        }
    }
    if !unknown.is_empty() {
        return Err(RegisterError::Invalid(unknown.into_vec()));
    }
    let recipients: Vec<String> = d.recipients.iter().map(AgencyId::short).collect();
    let code = agency.short();
    let mut tx = db.begin().await?;
    let id = store::insert_outgoing(
        &mut tx,
        &store::NewOutgoing {
            agency_code: &code,
            doc_type: d.doc_type.code(),
            subject: &d.subject,
            subject_search: &registry::fold(&d.subject),
            summary: &d.summary,
            signer_name: &d.signer_name,
            signer_position: &d.signer_position,
            recipients: &recipients,
            urgency: d.urgency.code(),
            due_date: d.due_date.map(|x| x.to_string()),
            created_by: &actor.name,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.outgoing_drafted",
            object_type: "doc_outgoing",
            object_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "agency": code, "type": d.doc_type.name_vi(), "subject": d.subject,
                "recipients": recipients, "urgency": d.urgency.code(),
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A number given.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Numbered {
    pub number: i64,
    pub notation: String,
    /// `15/QĐ-UBND`.
    pub code: String,
    /// The axis's name of the document: `G22,2026/12/02,15/QĐ-UBND`.
    pub document_id: String,
}

/// Give a draft the next number of its agency's year (`today`'s year) and its notation, at once
/// and for good: two clerks numbering at the same time get different numbers, and a draft is
/// numbered once.
pub async fn number(
    db: &Db,
    agency: &AgencyId,
    id: i64,
    actor: &Actor,
    today: Date,
) -> Result<Numbered> {
    let code = agency.short();
    let abbreviation = store::office(db, &code)
        .await?
        .ok_or(RegisterError::NoOffice)?;
    let mut tx = db.begin().await?;
    let o = store::outgoing_in(&mut tx, &code, id)
        .await?
        .ok_or(RegisterError::NotFound)?;
    if o.state != OutgoingState::Draft.as_str() {
        return Err(RegisterError::one("", "already_numbered"));
    }
    let doc_type = u32::try_from(o.doc_type)
        .ok()
        .and_then(DocType::from_code)
        .ok_or(RegisterError::one("doc_type", "unknown_doc_type"))?;
    let year = today.year();
    let n = store::take_number(&mut tx, &code, Register::Outgoing, year).await?;
    let notation = register::notation(doc_type, &abbreviation);
    let changed = store::set_numbered(
        &mut tx,
        id,
        year,
        n,
        &notation,
        &registry::fold(&notation),
        &today.to_string(),
    )
    .await?;
    if changed != 1 {
        // Numbered by someone else meanwhile: the number taken goes back with the rollback.
        return Err(RegisterError::Conflict);
    }
    let display = register::code_display(u32::try_from(n).unwrap_or(u32::MAX), &notation);
    let document_id = crate::model::document::document_id(
        agency,
        today,
        &crate::model::document::DocumentCode {
            number: register::format_number(u32::try_from(n).unwrap_or(u32::MAX)),
            notation: notation.clone(),
        },
    );
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.outgoing_numbered",
            object_type: "doc_outgoing",
            object_id: id.to_string(),
            before: Some(serde_json::json!({ "state": o.state })),
            after: Some(serde_json::json!({
                "state": "numbered", "year": year, "number": n, "notation": notation,
                "document_id": document_id,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Numbered {
        number: n,
        notation,
        code: display,
        document_id,
    })
}

/// The hook the transport calls once the axis accepted the package of a numbered document.
pub async fn mark_sent(
    db: &Db,
    agency: &AgencyId,
    id: i64,
    package_id: Option<i64>,
    actor: &Actor,
) -> Result<()> {
    outgoing_move(db, agency, id, OutgoingState::Sent, package_id, None, actor).await
}

/// Revoke a sent document, with a reason.
pub async fn revoke(
    db: &Db,
    agency: &AgencyId,
    id: i64,
    reason: &str,
    actor: &Actor,
) -> Result<()> {
    let mut tx = db.begin().await?;
    revoke_in(&mut tx, agency, id, reason, actor).await?;
    tx.commit().await?;
    Ok(())
}

/// [`revoke`] in the caller's transaction (the axis's revocation package is queued in it);
/// returns the reason as kept.
pub async fn revoke_in(
    tx: &mut Tx,
    agency: &AgencyId,
    id: i64,
    reason: &str,
    actor: &Actor,
) -> Result<String> {
    let reason = reason.trim().to_owned();
    if reason.is_empty() {
        return Err(RegisterError::one("reason", "required"));
    }
    if reason.chars().any(char::is_control) {
        return Err(RegisterError::one("reason", "control_character"));
    }
    if reason.chars().count() > register::NOTE_MAX {
        return Err(RegisterError::Invalid(vec![
            Problem::new(field::REASON, "too_long").arg("max", register::NOTE_MAX.to_string()),
        ]));
    }
    outgoing_move_in(
        tx,
        agency,
        id,
        OutgoingState::Revoked,
        None,
        Some(&reason),
        actor,
    )
    .await?;
    Ok(reason)
}

async fn outgoing_move(
    db: &Db,
    agency: &AgencyId,
    id: i64,
    next: OutgoingState,
    package_id: Option<i64>,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<()> {
    let mut tx = db.begin().await?;
    outgoing_move_in(&mut tx, agency, id, next, package_id, reason, actor).await?;
    tx.commit().await?;
    Ok(())
}

async fn outgoing_move_in(
    tx: &mut Tx,
    agency: &AgencyId,
    id: i64,
    next: OutgoingState,
    package_id: Option<i64>,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<()> {
    let code = agency.short();
    let o = store::outgoing_in(tx, &code, id)
        .await?
        .ok_or(RegisterError::NotFound)?;
    let from = OutgoingState::parse(&o.state).unwrap_or(OutgoingState::Draft);
    if !from.may_become(next) {
        return Err(RegisterError::Invalid(vec![
            Problem::new("", "outgoing_transition_invalid")
                .arg("from", from.as_str())
                .arg("to", next.as_str()),
        ]));
    }
    let changed = match next {
        OutgoingState::Sent => store::set_sent(tx, id, package_id).await?,
        _ => store::set_revoked(tx, id, reason.unwrap_or_default()).await?,
    };
    if changed != 1 {
        return Err(RegisterError::Conflict);
    }
    audit::append(
        tx,
        actor,
        Change {
            action: match next {
                OutgoingState::Sent => "documents.outgoing_sent",
                OutgoingState::Revoked => "documents.outgoing_revoked",
                _ => "documents.outgoing_changed",
            },
            object_type: "doc_outgoing",
            object_id: id.to_string(),
            before: Some(serde_json::json!({ "state": from.as_str() })),
            after: Some(serde_json::json!({
                "state": next.as_str(), "package_id": package_id, "reason": reason,
            })),
        },
    )
    .await?;
    Ok(())
}

/// What [`receive`] did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Received {
    pub id: i64,
    /// False when the agency already had this document (a resend): nothing was written.
    pub new: bool,
    /// The status to send back (01).
    pub status: StatusCode,
}

/// The hook the receiving side calls for each document fetched from the axis (or entered by
/// hand, `package_id` None): a new entry at status 01, or the existing one for a resend.
pub async fn receive(
    db: &Db,
    agency: &AgencyId,
    doc: &Document,
    package_id: Option<i64>,
    actor: &Actor,
) -> Result<Received> {
    let code = agency.short();
    let document_id = doc.id();
    let sender_name = doc
        .from
        .organ_name
        .clone()
        .unwrap_or_else(|| doc.sender.to_string());
    let subject: String = doc.subject.chars().take(SUBJECT_MAX).collect();
    let mut tx = db.begin().await?;
    let inserted = store::insert_incoming(
        &mut tx,
        &store::NewIncoming {
            agency_code: &code,
            package_id,
            document_id: &document_id,
            sender_code: &doc.sender.short(),
            sender_name: &sender_name,
            sender_search: &registry::fold(&sender_name),
            doc_type: DocType::from_name(&doc.type_name).map(DocType::code),
            type_name: &doc.type_name,
            number: &doc.code.number,
            notation: &doc.code.notation,
            notation_search: &registry::fold(&doc.code.notation),
            promulgation_date: &doc.promulgation_date.to_string(),
            subject: &subject,
            subject_search: &registry::fold(&subject),
            urgency: doc.priority.code(),
            due_date: doc.draft.due_date.map(|d| d.to_string()),
            year: today_vn().year(),
        },
    )
    .await?;
    let Some(id) = inserted else {
        drop(tx);
        let existing: Option<i64> = db
            .fetch_optional(
                "SELECT id FROM doc_incoming WHERE agency_code = $1 AND document_id = $2",
                platform::params![code.clone(), document_id.clone()],
            )
            .await?
            .map(|r| r.get("id"))
            .transpose()?;
        return Ok(Received {
            id: existing.ok_or(RegisterError::NotFound)?,
            new: false,
            status: StatusCode::Arrived,
        });
    };
    store::add_history(&mut tx, id, StatusCode::Arrived.code(), &actor.name, None).await?;
    if package_id.is_some() {
        // Through the axis: 01 goes back to the sender (engine::endpoint delivers it).
        crate::store::outbox::enqueue_status(
            &mut tx,
            &code,
            id,
            &document_id,
            StatusCode::Arrived.code(),
            None,
            &actor.name,
        )
        .await?;
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.incoming_received",
            object_type: "doc_incoming",
            object_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "agency": code, "document_id": document_id, "package_id": package_id,
                "urgency": doc.priority.code(),
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Received {
        id,
        new: true,
        status: StatusCode::Arrived,
    })
}

/// What an incoming action did: the status to send back to the sender (the axis side sends it).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Acted {
    pub status: StatusCode,
    /// Số đến, given at registration.
    pub incoming_number: Option<i64>,
    pub due_date: Option<String>,
}

/// Register (03), reject (02), assign (04), handle (05) or close (06) an incoming document.
/// `handling_days`, with an assignment, sets the due date that many working days after `today`
/// on the holiday calendar. An impossible move is an error and changes nothing.
#[allow(clippy::too_many_arguments)]
pub async fn act(
    db: &Db,
    agency: &AgencyId,
    id: i64,
    action: &IncomingAction,
    handling_days: Option<u32>,
    cal: &HolidayCalendar,
    actor: &Actor,
    today: Date,
) -> Result<Acted> {
    let code = agency.short();
    let mut tx = db.begin().await?;
    let e = store::incoming_in(&mut tx, &code, id)
        .await?
        .ok_or(RegisterError::NotFound)?;
    let from = StatusCode::parse(&e.status).unwrap_or(StatusCode::Arrived);
    if e.withdrawn.is_some() {
        return Err(RegisterError::one("", "incoming_withdrawn"));
    }
    let to = action.check(from).map_err(RegisterError::Invalid)?;
    if action.answers_update() {
        answer_update(&mut tx, &code, &e, action, actor).await?;
        tx.commit().await?;
        return Ok(Acted {
            status: from,
            incoming_number: None,
            due_date: e.due_date,
        });
    }
    if action.answers_take_back() {
        answer_take_back(&mut tx, &code, &e, action, actor).await?;
        tx.commit().await?;
        return Ok(Acted {
            status: from,
            incoming_number: None,
            due_date: e.due_date,
        });
    }
    if let Some(d) = handling_days
        && !(1..=365).contains(&d)
    {
        return Err(RegisterError::Invalid(vec![
            Problem::new(field::HANDLING_DAYS, "handling_days_invalid").arg("max", "365"),
        ]));
    }
    let incoming_number = if to == StatusCode::Accepted {
        Some(store::take_number(&mut tx, &code, Register::Incoming, today.year()).await?)
    } else {
        None
    };
    let (assignee, note) = match action {
        IncomingAction::Assign { to } => (Some(to.trim()), Some(to.trim())),
        IncomingAction::Reject { reason } => (None, Some(reason.trim())),
        _ => (None, None),
    };
    let due = match (action, handling_days) {
        (IncomingAction::Assign { .. }, Some(d)) => {
            Some(register::due_in_working_days(cal, today, d).to_string())
        }
        _ => None,
    };
    if store::set_status(
        &mut tx,
        id,
        from.code(),
        to.code(),
        assignee,
        incoming_number,
    )
    .await?
        != 1
    {
        return Err(RegisterError::Conflict);
    }
    if let Some(d) = &due {
        store::set_due(&mut tx, id, d).await?;
    }
    store::add_history(&mut tx, id, to.code(), &actor.name, note).await?;
    if e.package_id.is_some() {
        // The sender hears of each change through the axis (engine::endpoint delivers it).
        crate::store::outbox::enqueue_status(
            &mut tx,
            &code,
            id,
            &e.document_id,
            to.code(),
            note,
            &actor.name,
        )
        .await?;
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.incoming_status",
            object_type: "doc_incoming",
            object_id: id.to_string(),
            before: Some(serde_json::json!({ "status": from.code() })),
            after: Some(serde_json::json!({
                "status": to.code(), "action": action.name(), "note": note,
                "incoming_number": incoming_number, "due_date": due,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Acted {
        status: to,
        incoming_number,
        due_date: due.or(e.due_date),
    })
}

/// The clerk's answer to the sender's request to take `e` back: 15 gives it back (the entry is
/// withdrawn, kept for the record), 16 keeps it with a reason; either goes back to the sender.
async fn answer_take_back(
    tx: &mut Tx,
    code: &str,
    e: &store::Incoming,
    action: &IncomingAction,
    actor: &Actor,
) -> Result<()> {
    if e.take_back_requested_at.is_none() {
        return Err(RegisterError::one("", "take_back_not_requested"));
    }
    let to = action.target();
    let note = match action {
        IncomingAction::KeepIt { reason } => Some(reason.trim().to_owned()),
        _ => e.take_back_reason.clone(),
    };
    let changed = match action {
        IncomingAction::GiveBack => {
            store::set_withdrawn(tx, e.id, "taken_back", e.take_back_reason.as_deref()).await?
        }
        _ => store::set_take_back_request(tx, e.id, None).await?,
    };
    if changed != 1 {
        return Err(RegisterError::Conflict);
    }
    store::add_history(tx, e.id, to.code(), &actor.name, note.as_deref()).await?;
    if e.package_id.is_some() {
        crate::store::outbox::enqueue_status(
            tx,
            code,
            e.id,
            &e.document_id,
            to.code(),
            note.as_deref(),
            &actor.name,
        )
        .await?;
    }
    audit::append(
        tx,
        actor,
        Change {
            action: "documents.incoming_take_back_answered",
            object_type: "doc_incoming",
            object_id: e.id.to_string(),
            before: Some(serde_json::json!({ "take_back_reason": e.take_back_reason })),
            after: Some(serde_json::json!({
                "status": to.code(), "action": action.name(), "note": note,
                "withdrawn": matches!(action, IncomingAction::GiveBack),
            })),
        },
    )
    .await?;
    Ok(())
}

/// The sender asked (status 13) to take back the document it sent as `document_id`: the entry
/// records the request until a clerk answers. Nothing when the agency never received it or it
/// was withdrawn already. Returns the entry.
pub async fn take_back_requested(
    db: &Db,
    agency: &AgencyId,
    document_id: &str,
    reason: Option<&str>,
    at: i64,
    actor: &Actor,
) -> Result<Option<i64>> {
    let code = agency.short();
    let mut tx = db.begin().await?;
    let Some(e) = store::incoming_by_document(&mut tx, &code, document_id).await? else {
        return Ok(None);
    };
    if e.withdrawn.is_some() {
        return Ok(None);
    }
    let reason: String = reason
        .unwrap_or_default()
        .chars()
        .take(register::NOTE_MAX)
        .collect();
    store::set_take_back_request(&mut tx, e.id, Some((at, &reason))).await?;
    store::add_history(
        &mut tx,
        e.id,
        StatusCode::TakeBackRequested.code(),
        &actor.name,
        Some(&reason).filter(|r| !r.is_empty()).map(String::as_str),
    )
    .await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.incoming_take_back_requested",
            object_type: "doc_incoming",
            object_id: e.id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "document_id": document_id, "reason": reason })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(e.id))
}

/// The sender revoked the document it sent as `document_id` (business type 1): the entry is
/// withdrawn (kept for the record) and 15 goes back — the recipient removes a revoked document
/// and tells the sender (Decree 30/2020). Nothing when the agency never received it; a second
/// revocation changes nothing. Returns the entry.
pub async fn revoked_by_sender(
    db: &Db,
    agency: &AgencyId,
    document_id: &str,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<Option<i64>> {
    let code = agency.short();
    let mut tx = db.begin().await?;
    let Some(e) = store::incoming_by_document(&mut tx, &code, document_id).await? else {
        return Ok(None);
    };
    let reason: Option<String> = reason.map(|r| r.chars().take(register::NOTE_MAX).collect());
    if store::set_withdrawn(&mut tx, e.id, "revoked", reason.as_deref()).await? != 1 {
        return Ok(Some(e.id));
    }
    let agreed = StatusCode::Agreed.code();
    store::add_history(&mut tx, e.id, agreed, &actor.name, reason.as_deref()).await?;
    if e.package_id.is_some() {
        crate::store::outbox::enqueue_status(
            &mut tx,
            &code,
            e.id,
            document_id,
            agreed,
            reason.as_deref(),
            &actor.name,
        )
        .await?;
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.incoming_revoked",
            object_type: "doc_incoming",
            object_id: e.id.to_string(),
            before: Some(serde_json::json!({ "status": e.status })),
            after: Some(serde_json::json!({ "withdrawn": "revoked", "reason": reason })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(e.id))
}

/// The sender updated the document it sent as `document_id` (business type 2): the update
/// (its subject, due date and reason) waits on the entry for a clerk, who takes it (15) or
/// refuses it (16); a later update replaces one not answered yet. A withdrawn entry or one this
/// agency never received is left alone. Returns the entry.
pub async fn updated_by_sender(
    db: &Db,
    agency: &AgencyId,
    doc: &Document,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<Option<i64>> {
    let code = agency.short();
    let document_id = doc.id();
    let mut tx = db.begin().await?;
    let Some(e) = store::incoming_by_document(&mut tx, &code, &document_id).await? else {
        return Ok(None);
    };
    let subject: String = doc.subject.chars().take(SUBJECT_MAX).collect();
    let due = doc.draft.due_date.map(|d| d.to_string());
    let reason: Option<String> = reason.map(|r| r.chars().take(register::NOTE_MAX).collect());
    if store::set_pending_update(
        &mut tx,
        e.id,
        Some((&subject, due.as_deref(), reason.as_deref())),
    )
    .await?
        != 1
    {
        return Ok(None);
    }
    store::add_history(&mut tx, e.id, "update", &actor.name, reason.as_deref()).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.incoming_update_received",
            object_type: "doc_incoming",
            object_id: e.id.to_string(),
            before: Some(serde_json::json!({ "subject": e.subject, "due_date": e.due_date })),
            after: Some(serde_json::json!({
                "subject": subject, "due_date": due, "reason": reason,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(e.id))
}

/// The clerk's answer to the update the sender sent: 15 takes it (the entry's subject and due
/// date become the update's), 16 refuses it with a reason; either goes back to the sender.
async fn answer_update(
    tx: &mut Tx,
    code: &str,
    e: &store::Incoming,
    action: &IncomingAction,
    actor: &Actor,
) -> Result<()> {
    let Some(subject) = e.update_subject.as_deref() else {
        return Err(RegisterError::one("", "update_not_received"));
    };
    let to = action.target();
    let note = match action {
        IncomingAction::RefuseUpdate { reason } => Some(reason.trim().to_owned()),
        _ => e.update_reason.clone(),
    };
    if let IncomingAction::AcceptUpdate = action
        && store::set_incoming_content(
            tx,
            e.id,
            subject,
            &registry::fold(subject),
            e.update_due_date.as_deref(),
        )
        .await?
            != 1
    {
        return Err(RegisterError::Conflict);
    }
    store::set_pending_update(tx, e.id, None).await?;
    store::add_history(tx, e.id, to.code(), &actor.name, note.as_deref()).await?;
    if e.package_id.is_some() {
        crate::store::outbox::enqueue_status(
            tx,
            code,
            e.id,
            &e.document_id,
            to.code(),
            note.as_deref(),
            &actor.name,
        )
        .await?;
    }
    audit::append(
        tx,
        actor,
        Change {
            action: "documents.incoming_updated",
            object_type: "doc_incoming",
            object_id: e.id.to_string(),
            before: Some(serde_json::json!({ "subject": e.subject, "due_date": e.due_date })),
            after: Some(serde_json::json!({
                "status": to.code(), "action": action.name(), "note": note,
                "subject": if to == StatusCode::Agreed { subject } else { e.subject.as_str() },
            })),
        },
    )
    .await?;
    Ok(())
}

/// Draft the document that replaces the sent document `old` (business type 3): a copy of it
/// (type, subject, summary, signer, recipients, urgency, due date) to number, complete with its
/// files and send; its package names `old`, which each recipient then withdraws. One
/// replacement per document (`already_replaced`). Returns the new draft.
pub async fn draft_replacement(
    db: &Db,
    agency: &AgencyId,
    old: i64,
    reason: &str,
    actor: &Actor,
) -> Result<i64> {
    let code = agency.short();
    let reason = reason.trim().to_owned();
    if reason.is_empty() {
        return Err(RegisterError::one(field::REASON, "required"));
    }
    if reason.chars().any(char::is_control) {
        return Err(RegisterError::one(field::REASON, "control_character"));
    }
    if reason.chars().count() > register::NOTE_MAX {
        return Err(RegisterError::Invalid(vec![
            Problem::new(field::REASON, "too_long").arg("max", register::NOTE_MAX.to_string()),
        ]));
    }
    let o = store::outgoing(db, &code, old)
        .await?
        .ok_or(RegisterError::NotFound)?;
    if o.state != OutgoingState::Sent.as_str() {
        return Err(RegisterError::Invalid(vec![
            Problem::new("", "outgoing_transition_invalid")
                .arg("from", o.state.clone())
                .arg("to", "replaced"),
        ]));
    }
    if store::replacement_of(db, &code, old).await?.is_some() {
        return Err(RegisterError::one("", "already_replaced"));
    }
    let recipients = o.recipient_codes();
    let mut tx = db.begin().await?;
    let id = store::insert_outgoing(
        &mut tx,
        &store::NewOutgoing {
            agency_code: &code,
            doc_type: u8::try_from(o.doc_type).unwrap_or(0),
            subject: &o.subject,
            subject_search: &registry::fold(&o.subject),
            summary: &o.summary,
            signer_name: &o.signer_name,
            signer_position: &o.signer_position,
            recipients: &recipients,
            urgency: u8::try_from(o.urgency).unwrap_or(0),
            due_date: o.due_date.clone(),
            created_by: &actor.name,
        },
    )
    .await?;
    store::set_replaces(&mut tx, id, old, &reason).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.outgoing_replacement_drafted",
            object_type: "doc_outgoing",
            object_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "replaces": old, "reason": reason })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The sender replaced the document it sent as `old_document_id` by `new_document_id`
/// (business type 3): the old entry is withdrawn (`replaced`, the reason naming the new
/// document, kept for the record). The new document is registered like any other. Nothing when
/// the agency never received the old one. Returns the old entry.
pub async fn replaced_by_sender(
    db: &Db,
    agency: &AgencyId,
    old_document_id: &str,
    new_document_id: &str,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<Option<i64>> {
    let code = agency.short();
    let mut tx = db.begin().await?;
    let Some(e) = store::incoming_by_document(&mut tx, &code, old_document_id).await? else {
        return Ok(None);
    };
    let note: String = match reason.filter(|r| !r.trim().is_empty()) {
        Some(r) => format!("{new_document_id}: {}", r.trim()),
        None => new_document_id.to_owned(),
    }
    .chars()
    .take(register::NOTE_MAX)
    .collect();
    if store::set_withdrawn(&mut tx, e.id, "replaced", Some(&note)).await? != 1 {
        return Ok(Some(e.id));
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.incoming_replaced",
            object_type: "doc_incoming",
            object_id: e.id.to_string(),
            before: Some(serde_json::json!({ "status": e.status })),
            after: Some(serde_json::json!({
                "withdrawn": "replaced", "replaced_by": new_document_id, "reason": reason,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(e.id))
}

/// Attach a PDF, DOCX or XLSX (judged by its bytes) to an entry of the agency's register; the
/// file is stored by its SHA-256 outside the row.
#[allow(clippy::too_many_arguments)]
pub async fn attach(
    db: &Db,
    files: &FileStore,
    agency: &AgencyId,
    which: Register,
    entry_id: i64,
    name: &str,
    bytes: &[u8],
    actor: &Actor,
) -> Result<(FileRef, AttachmentKind)> {
    let code = agency.short();
    let exists = match which {
        Register::Outgoing => store::outgoing(db, &code, entry_id).await?.is_some(),
        Register::Incoming => store::incoming(db, &code, entry_id).await?.is_some(),
    };
    if !exists {
        return Err(RegisterError::NotFound);
    }
    let kind =
        register::attachment_kind(name, bytes).map_err(|p| RegisterError::Invalid(vec![p]))?;
    let stored = files.put(&mut &bytes[..], register::ATTACHMENT_MAX).await?;
    let mut tx = db.begin().await?;
    store::attach(
        &mut tx,
        which,
        entry_id,
        &stored.key,
        name.trim(),
        kind.content_type(),
        stored.size,
    )
    .await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.register_file_attached",
            object_type: match which {
                Register::Outgoing => "doc_outgoing",
                Register::Incoming => "doc_incoming",
            },
            object_id: entry_id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "file_key": stored.key, "name": name.trim(), "size": stored.size,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    let list = store::files(db, which, entry_id).await?;
    let f = list
        .into_iter()
        .find(|f| f.file_key == stored.key)
        .ok_or(RegisterError::NotFound)?;
    Ok((f, kind))
}

/// A search form as typed (every field optional).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub notation: String,
    #[serde(default)]
    pub subject: String,
    /// Incoming: the sender; outgoing: a recipient.
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub doc_type: String,
    #[serde(default)]
    pub page: String,
}

/// Rows per page of a register.
pub const PAGE: i64 = 50;
/// The deepest page served (a register is searched, not paged through).
pub const PAGE_LIMIT: i64 = 200;

impl SearchForm {
    /// The search, or every problem of the form at once (field by field).
    pub fn check(&self) -> std::result::Result<Search, Vec<Problem>> {
        let mut p = Problems::default();
        let mut s = Search {
            limit: PAGE,
            ..Default::default()
        };
        let text = |p: &mut Problems, field: &str, v: &str| -> Option<String> {
            let t = v.trim();
            if t.chars().any(char::is_control) {
                p.push(Problem::new(field, "control_character"));
                None
            } else if t.chars().count() > 200 {
                p.push(Problem::new(field, "too_long").arg("max", "200"));
                None
            } else if t.is_empty() {
                None
            } else {
                Some(registry::fold(t))
            }
        };
        match self.number.trim() {
            "" => {}
            n => match n.parse::<i64>() {
                Ok(v) if v >= 1 => s.number = Some(v),
                _ => p.push(Problem::new(field::NUMBER, "not_a_number").arg("value", n)),
            },
        }
        s.notation = text(&mut p, "notation", &self.notation);
        s.subject = text(&mut p, "subject", &self.subject);
        s.party = text(&mut p, "party", &self.party);
        for (field, v, slot) in [
            ("from", &self.from, &mut s.date_from),
            ("to", &self.to, &mut s.date_to),
        ] {
            match v.trim() {
                "" => {}
                d => match parse_iso_date(d) {
                    Some(d) => *slot = Some(d.to_string()),
                    None => p.push(Problem::new(field, "due_date_invalid")),
                },
            }
        }
        if let (Some(a), Some(b)) = (&s.date_from, &s.date_to)
            && a > b
        {
            p.push(Problem::new(field::TO, "date_range_reversed"));
        }
        match self.doc_type.trim() {
            "" => {}
            t => match t
                .parse::<u32>()
                .ok()
                .and_then(DocType::from_code)
                .or_else(|| DocType::from_name(t))
            {
                Some(t) => s.doc_type = Some(t.code()),
                None => p.push(Problem::new(field::DOC_TYPE, "unknown_doc_type")),
            },
        }
        match self.page.trim() {
            "" => {}
            n => match n.parse::<i64>() {
                Ok(v) if (1..=PAGE_LIMIT).contains(&v) => s.offset = (v - 1) * PAGE,
                _ => p.push(
                    Problem::new(field::PAGE, "page_invalid").arg("max", PAGE_LIMIT.to_string()),
                ),
            },
        }
        if p.is_empty() {
            Ok(s)
        } else {
            Err(p.into_vec())
        }
    }
}

/// One page of the agency's outgoing register.
pub async fn search_outgoing(
    db: &Db,
    agency: &AgencyId,
    form: &SearchForm,
) -> Result<(Vec<Outgoing>, bool)> {
    let s = form.check().map_err(RegisterError::Invalid)?;
    Ok(store::search_outgoing(db, &agency.short(), &s).await?)
}

/// One page of the agency's incoming register (urgent first, then by due date).
pub async fn search_incoming(
    db: &Db,
    agency: &AgencyId,
    form: &SearchForm,
) -> Result<(Vec<Incoming>, bool)> {
    let s = form.check().map_err(RegisterError::Invalid)?;
    Ok(store::search_incoming(db, &agency.short(), &s).await?)
}

/// Today in Việt Nam (UTC+7): the day a number's year and a due date count from.
pub fn today_vn() -> Date {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+7))
        .date()
}

mod names;
pub use names::register_names;
