//! An agency endpoint of the axis: what connects an agency's registers to the axis.
//!
//! - **Send**: [`send`] writes the edXML package of a numbered outgoing document (its fields,
//!   recipients and attachments) and queues it in the outbox (`doc_outbox`). Statuses answering
//!   an incoming document (01 at arrival, 02–06 as clerks act) are queued by the registers
//!   themselves, in the transaction of the change (`store::outbox::enqueue_status`).
//! - **Deliver** (job `documents.deliver`): [`deliver`] signs each due package with the agency's
//!   key (XML Signature) and sends it to the axis with a signed request (`client`) over the
//!   platform's HTTP client; an unreachable or failing axis is tried again with exponential
//!   backoff (state in the outbox row, so a restart loses nothing). Once the axis accepted a
//!   document, the register marks it sent (`registers::mark_sent`). A resend after a lost answer
//!   gets the axis's first outcome (the package is named by its `DocumentId`).
//! - **Fetch** (job `documents.fetch`): [`fetch`] lists what waits for the agency, gets each
//!   package, verifies its signature, hands a document to the incoming register
//!   (`registers::receive`, status 01 queued back; its attachments into the register's files) or records a status on the outgoing
//!   document's timeline (`doc_outgoing_statuses`), and acknowledges only after that committed:
//!   at-least-once on the wire, exactly-once in the registers.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::Method;
use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbError};
use platform::files::{FileError, FileStore};
use platform::http_client::{HttpClient, Limits};
use platform::jobs;

use crate::client::{AgencyKey, Reply, read_answer};
use crate::edxml::{
    self, AttachmentSource, Body, Business, BusinessSpelling, StaffInfo, StatusMessage, TraceHeader,
};
use crate::model::agency::AgencyId;
use crate::model::document::{Draft, Organization, Signer};
use crate::model::problem::Problem;
use crate::model::register::{self, DocType, OutgoingState};
use crate::model::status::{BusinessType, Priority, StatusCode};
use crate::store::outbox::{self, NewOutbox, NewStatus};
use crate::store::registers::{self as reg_store, Register};

/// Why an endpoint operation did nothing.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("no such entry in this agency's register")]
    NotFound,
    #[error("invalid: {0:?}")]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Files(#[from] FileError),
    #[error("edXML: {0}")]
    Xml(String),
}

impl EndpointError {
    pub fn code(&self) -> &'static str {
        match self {
            EndpointError::NotFound => "register_entry_not_found",
            EndpointError::Invalid(_) => "register_invalid",
            _ => "internal",
        }
    }
}

type Result<T> = std::result::Result<T, EndpointError>;

/// One agency's connection to the axis: who it is, its key, where the axis is.
#[derive(Clone)]
pub struct Endpoint {
    pub agency: AgencyId,
    pub key: Arc<AgencyKey>,
    /// The axis's base URL (`https://truc.example.gov.vn`).
    pub axis_url: String,
    pub client: HttpClient,
    pub files: FileStore,
}

/// The HTTP limits of an endpoint: packages up to the axis's 64 MiB, a minute per exchange.
pub fn limits() -> Limits {
    Limits {
        connect: std::time::Duration::from_secs(3),
        total: std::time::Duration::from_secs(60),
        max_body: 64 << 20,
    }
}

impl Endpoint {
    pub fn new(agency: AgencyId, key: AgencyKey, axis_url: &str, files: FileStore) -> Endpoint {
        Endpoint {
            agency,
            key: Arc::new(key),
            axis_url: axis_url.trim_end_matches('/').to_owned(),
            client: HttpClient::new(limits()),
            files,
        }
    }

    fn actor(&self) -> Actor {
        Actor::system(&format!("endpoint {}", self.agency.short()))
    }

    /// A signed request to the axis; `Err` when no answer came (the axis is down).
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> std::result::Result<(u16, Bytes), String> {
        let r = self.key.request(method.as_str(), path, body);
        let url = format!("{}{}", self.axis_url, r.path_and_query);
        let res = self
            .client
            .request(method, &url, &r.headers, Bytes::from(r.body))
            .await
            .map_err(|e| e.to_string())?;
        Ok((res.status.as_u16(), res.body))
    }
}

/// DER bytes from a file in DER or PEM (the first `-----BEGIN …-----` block).
fn der_or_pem(bytes: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(bytes.to_vec());
    };
    let Some(start) = text.find("-----BEGIN") else {
        return Ok(bytes.to_vec());
    };
    let body: String = text[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .map(str::trim)
        .collect();
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| format!("not PEM: {e}"))
}

/// The node's endpoint from its configuration (`axis_url`, `axis_agency`, `axis_key_file`,
/// `axis_certificate_file`), keeping its packages and attachments in `files` (the node's file
/// store): `None` when none is set; an error naming the key when only some are, or when the
/// agency, key or certificate is not usable.
pub fn from_config(
    config: &platform::config::Config,
    files: &FileStore,
) -> std::result::Result<Option<Endpoint>, String> {
    let (url, agency, key, crt) = (
        &config.axis_url,
        &config.axis_agency,
        &config.axis_key_file,
        &config.axis_certificate_file,
    );
    if agency.is_none() && key.is_none() && crt.is_none() && (url.is_none() || config.demo) {
        // Nothing set; or the demo, whose endpoints are its demo agencies (`endpoints`).
        return Ok(None);
    }
    let (Some(url), Some(agency), Some(key), Some(crt)) = (url, agency, key, crt) else {
        return Err(
            "axis_url, axis_agency, axis_key_file and axis_certificate_file \
             (EGOV_AXIS_URL, EGOV_AXIS_AGENCY, EGOV_AXIS_KEY_FILE, EGOV_AXIS_CERTIFICATE_FILE) \
             go together"
                .into(),
        );
    };
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or_default();
    if host.is_empty() || host.starts_with('/') || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!("axis_url {url:?}: not an http(s) URL"));
    }
    let id = AgencyId::parse(agency).map_err(|e| format!("axis_agency: {e}"))?;
    let read = |p: &std::path::Path, what: &str| {
        std::fs::read(p)
            .map_err(|e| format!("{what} {}: {e}", p.display()))
            .and_then(|b| der_or_pem(&b).map_err(|e| format!("{what} {}: {e}", p.display())))
    };
    let key_der = read(key, "axis_key_file")?;
    let crt_der = read(crt, "axis_certificate_file")?;
    let key = AgencyKey::from_pkcs8(agency.trim(), &key_der, &crt_der)
        .map_err(|e| format!("axis_key_file / axis_certificate_file: {e}"))?;
    Ok(Some(Endpoint::new(id, key, url, files.clone())))
}

/// Delay before retry `attempt` (1-based): 5 s, 10 s, 20 s … at most 30 minutes.
pub fn backoff_ms(attempt: i64) -> i64 {
    let exp = (attempt.clamp(1, 20) - 1) as u32;
    (5_000_i64 << exp.min(12)).min(30 * 60_000)
}

fn write_xml(
    body: &Body,
    trace: &[TraceHeader],
    attachments: &mut [AttachmentSource<'_>],
) -> Result<Vec<u8>> {
    edxml::write(Vec::new(), body, trace, None, &[], attachments)
        .map_err(|e| EndpointError::Xml(e.to_string()))
}

/// Queue the package of a numbered outgoing document for the axis (its number, notation, type,
/// subject, signer, recipients and attachments). Queuing it twice queues one package.
pub async fn send(
    db: &Db,
    files: &FileStore,
    agency: &AgencyId,
    outgoing_id: i64,
    actor: &Actor,
) -> Result<i64> {
    let code = agency.short();
    let o = reg_store::outgoing(db, &code, outgoing_id)
        .await?
        .ok_or(EndpointError::NotFound)?;
    if o.state != OutgoingState::Numbered.as_str() {
        return Err(EndpointError::Invalid(vec![
            Problem::new("", "outgoing_transition_invalid")
                .arg("from", o.state.clone())
                .arg("to", "sent"),
        ]));
    }
    // A replacement names the document it replaces (business type 3), by the name that one was
    // sent under.
    let business = match (o.replaces_id, &o.replace_reason) {
        (Some(old), reason) => Some(Business {
            document_id: Some(sent_name(db, &code, old).await?),
            kind: BusinessType::Replace,
            reason: reason.clone(),
            paper: None,
            staff: None,
            spelling: BusinessSpelling::Bussiness,
        }),
        (None, _) => None,
    };
    let (document_id, stored, attachments) =
        write_package(db, files, agency, &o, business.as_ref()).await?;
    let mut tx = db.begin().await?;
    let queued = outbox::enqueue(
        &mut tx,
        &NewOutbox {
            agency_code: &code,
            kind: "document",
            outgoing_id: Some(outgoing_id),
            incoming_id: None,
            document_id: &document_id,
            status_code: None,
            dedupe_key: &format!("document:{code}:{document_id}"),
            file_key: Some(&stored.key),
            description: None,
            staff: None,
        },
    )
    .await?;
    let Some(id) = queued else {
        drop(tx);
        // Queued already (a second click): the first package stands.
        return Ok(outbox::for_outgoing(db, &code, outgoing_id)
            .await?
            .last()
            .map_or(0, |o| o.id));
    };
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.outgoing_queued",
            object_type: "doc_outgoing",
            object_id: outgoing_id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "document_id": document_id, "outbox": id, "attachments": attachments,
                "sha256": stored.key,
            })),
        },
    )
    .await?;
    jobs::enqueue(&mut tx, outbox::wake(&code)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Revoke a sent document through the axis (business type 1, with the reason): the register's
/// entry becomes revoked and the revocation package is queued, in one transaction; each
/// recipient withdraws its entry and answers 15. Returns the outbox row.
pub async fn revoke(
    db: &Db,
    files: &FileStore,
    agency: &AgencyId,
    outgoing_id: i64,
    reason: &str,
    actor: &Actor,
) -> Result<i64> {
    let code = agency.short();
    let o = reg_store::outgoing(db, &code, outgoing_id)
        .await?
        .ok_or(EndpointError::NotFound)?;
    let mut tx = db.begin().await?;
    let reason = super::registers::revoke_in(&mut tx, agency, outgoing_id, reason, actor)
        .await
        .map_err(register_error)?;
    let business = Business {
        document_id: None,
        kind: BusinessType::Revoke,
        reason: Some(reason.clone()),
        paper: None,
        staff: None,
        spelling: BusinessSpelling::Bussiness,
    };
    let (document_id, stored, _) = write_package(db, files, agency, &o, Some(&business)).await?;
    let id = outbox::enqueue(
        &mut tx,
        &NewOutbox {
            agency_code: &code,
            kind: "document",
            outgoing_id: Some(outgoing_id),
            incoming_id: None,
            document_id: &document_id,
            status_code: None,
            dedupe_key: &format!("{REVOCATION}{code}:{document_id}"),
            file_key: Some(&stored.key),
            description: Some(&reason),
            staff: Some(&actor.name),
        },
    )
    .await?
    .ok_or(EndpointError::Invalid(vec![
        Problem::new("", "outgoing_transition_invalid")
            .arg("from", "revoked")
            .arg("to", "revoked"),
    ]))?;
    jobs::enqueue(&mut tx, outbox::wake(&code)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Ask the recipients of a sent document to give it back (status 13, with the reason); each
/// answers 15 (given back) or 16 (kept), on the document's timeline. Asking again is allowed
/// (a new request after a refusal). Returns the outbox row.
pub async fn request_take_back(
    db: &Db,
    agency: &AgencyId,
    outgoing_id: i64,
    reason: &str,
    actor: &Actor,
) -> Result<i64> {
    let code = agency.short();
    let reason = reason.trim();
    let mut problems = Vec::new();
    if reason.is_empty() {
        problems.push(Problem::new(register::field::REASON, "required"));
    } else if reason.chars().any(char::is_control) {
        problems.push(Problem::new(register::field::REASON, "control_character"));
    } else if reason.chars().count() > register::NOTE_MAX {
        problems.push(
            Problem::new(register::field::REASON, "too_long")
                .arg("max", register::NOTE_MAX.to_string()),
        );
    }
    if !problems.is_empty() {
        return Err(EndpointError::Invalid(problems));
    }
    let o = reg_store::outgoing(db, &code, outgoing_id)
        .await?
        .ok_or(EndpointError::NotFound)?;
    if o.state != OutgoingState::Sent.as_str() {
        return Err(take_back_refused(&o.state));
    }
    let document_id = sent_name(db, &code, outgoing_id).await?;
    let mut tx = db.begin().await?;
    if reg_store::set_outgoing_take_back(&mut tx, outgoing_id, reason).await? != 1 {
        return Err(take_back_refused(&o.state));
    }
    let now = platform::db::now_ms();
    let id = outbox::enqueue(
        &mut tx,
        &NewOutbox {
            agency_code: &code,
            kind: "status",
            outgoing_id: Some(outgoing_id),
            incoming_id: None,
            document_id: &document_id,
            status_code: Some(StatusCode::TakeBackRequested.code()),
            dedupe_key: &format!("takeback:{code}:{document_id}:{now}"),
            file_key: None,
            description: Some(reason),
            staff: Some(&actor.name),
        },
    )
    .await?
    .unwrap_or(0);
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.outgoing_take_back_requested",
            object_type: "doc_outgoing",
            object_id: outgoing_id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "document_id": document_id, "reason": reason })),
        },
    )
    .await?;
    jobs::enqueue(&mut tx, outbox::wake(&code)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Outbox rows of a revocation start with this (their package is a document's, re-sent).
const REVOCATION: &str = "revoke:";
/// The outbox row of a document's first sending starts with this (the others are revocations
/// and updates of a document already sent).
const FIRST_SENDING: &str = "document:";

/// Update a sent document (business type 2): its new subject and summary are kept in the
/// register and sent, with its attachments and the reason, to every recipient, which takes them
/// and answers 15. Returns the outbox row.
pub async fn update(
    db: &Db,
    files: &FileStore,
    agency: &AgencyId,
    outgoing_id: i64,
    form: &register::UpdateForm,
    actor: &Actor,
) -> Result<i64> {
    let code = agency.short();
    let u = form.check().map_err(EndpointError::Invalid)?;
    let mut o = reg_store::outgoing(db, &code, outgoing_id)
        .await?
        .ok_or(EndpointError::NotFound)?;
    if o.state != OutgoingState::Sent.as_str() {
        return Err(EndpointError::Invalid(vec![
            Problem::new("", "outgoing_transition_invalid")
                .arg("from", o.state.clone())
                .arg("to", "updated"),
        ]));
    }
    let before = (o.subject.clone(), o.summary.clone());
    o.subject = u.subject.clone();
    o.summary = u.summary.clone();
    let business = Business {
        document_id: None,
        kind: BusinessType::Update,
        reason: Some(u.reason.clone()),
        paper: None,
        staff: None,
        spelling: BusinessSpelling::Bussiness,
    };
    let (document_id, stored, attachments) =
        write_package(db, files, agency, &o, Some(&business)).await?;
    let mut tx = db.begin().await?;
    if reg_store::set_outgoing_content(
        &mut tx,
        outgoing_id,
        &u.subject,
        &registry::fold(&u.subject),
        &u.summary,
    )
    .await?
        != 1
    {
        return Err(EndpointError::Invalid(vec![
            Problem::new("", "outgoing_transition_invalid")
                .arg("from", o.state.clone())
                .arg("to", "updated"),
        ]));
    }
    let now = platform::db::now_ms();
    let id = outbox::enqueue(
        &mut tx,
        &NewOutbox {
            agency_code: &code,
            kind: "document",
            outgoing_id: Some(outgoing_id),
            incoming_id: None,
            document_id: &document_id,
            status_code: None,
            dedupe_key: &format!("update:{code}:{document_id}:{now}"),
            file_key: Some(&stored.key),
            description: Some(&u.reason),
            staff: Some(&actor.name),
        },
    )
    .await?
    .unwrap_or(0);
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.outgoing_updated",
            object_type: "doc_outgoing",
            object_id: outgoing_id.to_string(),
            before: Some(serde_json::json!({ "subject": before.0, "summary": before.1 })),
            after: Some(serde_json::json!({
                "subject": u.subject, "summary": u.summary, "reason": u.reason,
                "attachments": attachments, "sha256": stored.key,
            })),
        },
    )
    .await?;
    jobs::enqueue(&mut tx, outbox::wake(&code)).await?;
    tx.commit().await?;
    Ok(id)
}

/// The `DocumentId` an outgoing entry was sent under (its first package's).
async fn sent_name(db: &Db, code: &str, outgoing_id: i64) -> Result<String> {
    outbox::for_outgoing(db, code, outgoing_id)
        .await?
        .into_iter()
        .find(|r| r.kind == "document")
        .map(|r| r.document_id)
        .ok_or(EndpointError::NotFound)
}

fn take_back_refused(state: &str) -> EndpointError {
    EndpointError::Invalid(vec![
        Problem::new("", "outgoing_transition_invalid")
            .arg("from", state.to_owned())
            .arg("to", "13"),
    ])
}

fn register_error(e: super::registers::RegisterError) -> EndpointError {
    match e {
        super::registers::RegisterError::Invalid(p) => EndpointError::Invalid(p),
        super::registers::RegisterError::NotFound => EndpointError::NotFound,
        other => EndpointError::Xml(other.to_string()),
    }
}

/// The edXML package of an outgoing entry, unsigned, stored by its digest: its number,
/// notation, type, subject, signer, recipients and attachments; with `business`, the business
/// block (a revocation carries no attachments).
async fn write_package(
    db: &Db,
    files: &FileStore,
    agency: &AgencyId,
    o: &reg_store::Outgoing,
    business: Option<&Business>,
) -> Result<(String, platform::files::Stored, usize)> {
    let outgoing_id = o.id;
    let doc_type = u32::try_from(o.doc_type)
        .ok()
        .and_then(DocType::from_code)
        .ok_or(EndpointError::Invalid(vec![Problem::new(
            register::field::DOC_TYPE,
            "unknown_doc_type",
        )]))?;
    let date = o
        .promulgation_date
        .as_deref()
        .and_then(register::parse_iso_date)
        .ok_or(EndpointError::NotFound)?;
    let recipients: Vec<AgencyId> = o
        .recipient_codes()
        .iter()
        .filter_map(|r| AgencyId::parse(r).ok())
        .collect();
    let org = |id: &AgencyId, name: Option<String>| Organization {
        organ_id: Some(id.clone()),
        organ_name: name,
        ..Default::default()
    };
    let mut to = Vec::new();
    for r in &recipients {
        let name = crate::store::agencies::find(db, r).await?.map(|a| a.name);
        to.push(org(r, name));
    }
    let from_name = crate::store::agencies::find(db, agency)
        .await?
        .map(|a| a.name);
    let number = register::format_number(u32::try_from(o.number.unwrap_or(0)).unwrap_or(0));
    let document = Draft {
        from: Some(org(agency, from_name)),
        to,
        code_number: Some(number),
        code_notation: o.notation.clone(),
        promulgation_date: Some(date),
        type_code: Some(1),
        type_detail: Some(u32::from(doc_type.code())),
        type_name: Some(doc_type.name_vi().to_owned()),
        subject: Some(o.subject.clone()),
        content: Some(o.summary.clone()).filter(|s| !s.is_empty()),
        signer: Signer {
            competence: None,
            position: Some(o.signer_position.clone()),
            full_name: Some(o.signer_name.clone()),
        },
        due_date: o.due_date.as_deref().and_then(register::parse_iso_date),
        other: crate::model::document::OtherInfo {
            priority: Priority::parse(&o.urgency.to_string()),
            ..Default::default()
        },
        ..Default::default()
    }
    .check()
    .map_err(EndpointError::Invalid)?;
    let document_id = document.id();
    let refs = if business.is_some_and(|b| b.kind == BusinessType::Revoke) {
        Vec::new()
    } else {
        reg_store::files(db, Register::Outgoing, outgoing_id).await?
    };
    let mut contents = Vec::new();
    for f in &refs {
        contents.push(files.get(&f.file_key).await?);
    }
    // Written synchronously: the attachments' readers are not `Send` and never cross an await.
    let xml = {
        let mut attachments: Vec<AttachmentSource<'_>> = refs
            .iter()
            .zip(&contents)
            .enumerate()
            .map(|(i, (f, bytes))| AttachmentSource {
                content_id: format!("att{}", i + 1),
                name: f.name.clone(),
                description: None,
                content_type: Some(f.content_type.clone()),
                data: Box::new(std::io::Cursor::new(bytes.as_slice())),
            })
            .collect();
        let trace = [TraceHeader {
            organ_id: agency.to_string(),
            timestamp: time::OffsetDateTime::now_utc(),
        }];
        edxml::write(
            Vec::new(),
            &Body::Document(Box::new(document)),
            &trace,
            business,
            &[],
            &mut attachments,
        )
        .map_err(|e| EndpointError::Xml(e.to_string()))?
    };
    let stored = files
        .put(&mut xml.as_slice(), edxml::MAX_PACKAGE_BYTES)
        .await?;
    Ok((document_id, stored, refs.len()))
}

/// What one delivery round did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Delivered {
    pub accepted: usize,
    pub rejected: usize,
    /// Not delivered this time (the axis unreachable or failing): tried again later.
    pub retried: usize,
}

/// The package of an outbox row, unsigned: a document as written when it was queued; a status
/// written now from the row (its time stamp is the row's, so every attempt names the same
/// status and a resend gets the axis's first outcome).
async fn unsigned(ep: &Endpoint, o: &outbox::Outbox) -> Result<Vec<u8>> {
    if let Some(key) = &o.file_key {
        return Ok(ep.files.get(key).await?);
    }
    let code = o
        .status_code
        .as_deref()
        .and_then(StatusCode::parse)
        .ok_or_else(|| EndpointError::Xml(format!("outbox {}: no status", o.id)))?;
    let timestamp = time::OffsetDateTime::from_unix_timestamp(o.created_at / 1000)
        .map_err(|e| EndpointError::Xml(e.to_string()))?
        .to_offset(time::macros::offset!(+7));
    let message = StatusMessage {
        response_for: o.document_id.clone(),
        from: ep.agency.clone(),
        code,
        description: o.description.clone(),
        timestamp,
        staff: o.staff.as_ref().map(|s| StaffInfo {
            staff: Some(s.clone()),
            ..Default::default()
        }),
    };
    write_xml(&Body::Status(message), &[], &mut [])
}

/// Send what is due in the outbox of `ep`'s agency at `now`.
pub async fn deliver(db: &Db, ep: &Endpoint, now: i64) -> Result<Delivered> {
    let code = ep.agency.short();
    let mut done = Delivered::default();
    for o in outbox::due(db, &code, now).await? {
        let unsigned = match unsigned(ep, &o).await {
            Ok(x) => x,
            Err(e) => {
                // Unreadable here (a file lost or changed): kept, an operator sees why.
                outbox::retry(db, o.id, now + backoff_ms(o.attempts + 1), &e.to_string()).await?;
                done.retried += 1;
                continue;
            }
        };
        let signed = ep
            .key
            .sign_package(&unsigned)
            .map_err(|e| EndpointError::Xml(e.to_string()))?;
        let path = if o.kind == "status" {
            "/api/v1/axis/statuses"
        } else {
            "/api/v1/axis/packages"
        };
        let answer = match ep.call(Method::POST, path, signed).await {
            Ok((status, body)) => read_answer(status, &body),
            Err(e) => {
                outbox::retry(db, o.id, now + backoff_ms(o.attempts + 1), &e).await?;
                done.retried += 1;
                continue;
            }
        };
        match answer {
            Reply::Outcome(a) if a.outcome == "accepted" => {
                if let (Some(entry), "document", true) = (
                    o.outgoing_id,
                    o.kind.as_str(),
                    o.dedupe_key.starts_with(FIRST_SENDING),
                ) {
                    match super::registers::mark_sent(
                        db,
                        &ep.agency,
                        entry,
                        a.package_id,
                        &ep.actor(),
                    )
                    .await
                    {
                        // Marked by an earlier round whose outbox update was lost.
                        Ok(()) | Err(super::registers::RegisterError::Invalid(_)) => {}
                        Err(e) => {
                            outbox::retry(
                                db,
                                o.id,
                                now + backoff_ms(o.attempts + 1),
                                &e.to_string(),
                            )
                            .await?;
                            done.retried += 1;
                            continue;
                        }
                    }
                }
                outbox::finish(db, o.id, "accepted", a.package_id, None).await?;
                done.accepted += 1;
            }
            Reply::Outcome(a) => {
                let why = serde_json::to_string(
                    &a.problems
                        .iter()
                        .map(|p| serde_json::json!({"path": p.path, "code": p.code, "detail": p.detail}))
                        .collect::<Vec<_>>(),
                )
                .unwrap_or_default();
                outbox::finish(db, o.id, "rejected", None, Some(&why)).await?;
                done.rejected += 1;
            }
            Reply::Refused { status, codes } => {
                let why = format!("HTTP {status}: {}", codes.join(", "));
                outbox::retry(db, o.id, now + backoff_ms(o.attempts + 1), &why).await?;
                done.retried += 1;
            }
        }
    }
    Ok(done)
}

/// What one fetch round did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Fetched {
    /// Documents new in the incoming register.
    pub documents: usize,
    /// Statuses new on outgoing documents' timelines.
    pub statuses: usize,
    /// Incoming entries withdrawn because their sender revoked them (15 sent back) or replaced
    /// them by a new document.
    pub withdrawn: usize,
    /// Incoming entries their sender updated (15 sent back).
    pub updated: usize,
    /// Senders' requests to take a document back (13), waiting for a clerk's answer.
    pub take_back_requests: usize,
    pub acknowledged: usize,
    /// Packages refused (changed on the way, unreadable, not signed by their sender): a document
    /// is answered with status 02 and its reason, then acknowledged so it leaves the queue.
    pub refused: usize,
    /// Packages left pending (the axis failed or could not be reached): fetched again next round.
    pub failed: usize,
}

#[derive(serde::Deserialize)]
struct PendingPage {
    items: Vec<PendingItem>,
}

#[derive(serde::Deserialize)]
struct PendingItem {
    package_id: i64,
    kind: String,
    document_id: String,
    sender_code: String,
}

/// Why a package fetched from the axis cannot go into the registers.
#[derive(Debug, Clone, PartialEq)]
enum Refusal {
    /// Its signature does not verify here (changed on the way).
    Signature(String),
    /// Not an edXML package this endpoint can read.
    Unreadable(String),
    /// Signed, but not with the certificate the directory holds for its sender.
    WrongSigner(String),
}

impl Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::Signature(_) => "receipt_signature_invalid",
            Refusal::Unreadable(_) => "receipt_unreadable",
            Refusal::WrongSigner(_) => "receipt_wrong_signer",
        }
    }

    /// The reason as the sender reads it in status 02: Vietnamese, then English.
    fn description(&self) -> String {
        let (name, value) = match self {
            Refusal::Signature(r) | Refusal::Unreadable(r) => ("reason", r.clone()),
            Refusal::WrongSigner(sender) => ("sender", sender.clone()),
        };
        let key = format!("documents.{}", self.code());
        let text = |lang| platform::i18n::t_args(lang, &key, &[(name, value.clone())]);
        format!(
            "{} / {}",
            text(platform::i18n::Lang::Vi),
            text(platform::i18n::Lang::En)
        )
    }
}

/// What became of one package fetched from the axis.
#[derive(Debug)]
enum Taken {
    /// In the registers (now or before): acknowledge it.
    Done,
    /// Not now (the axis failed): fetched again next round.
    Later,
    Refused(Refusal),
}

/// Fetch what waits for `ep`'s agency: each package into the registers, then acknowledged.
/// `Err` only when the axis cannot be asked at all (the job runs again later).
pub async fn fetch(db: &Db, ep: &Endpoint) -> Result<Fetched> {
    let mut done = Fetched::default();
    let (status, body) = ep
        .call(
            Method::GET,
            "/api/v1/axis/packages/pending?limit=100",
            Vec::new(),
        )
        .await
        .map_err(EndpointError::Xml)?;
    if status != 200 {
        return Err(EndpointError::Xml(format!("pending: HTTP {status}")));
    }
    let page: PendingPage =
        serde_json::from_slice(&body).map_err(|e| EndpointError::Xml(e.to_string()))?;
    for item in page.items {
        let taken = match take(db, ep, item.package_id, &mut done).await {
            Ok(Taken::Done) => true,
            Ok(Taken::Later) => false,
            Ok(Taken::Refused(r)) => {
                tracing::warn!(package = item.package_id, sender = %item.sender_code, refusal = ?r, "axis package refused");
                match refuse(db, ep, &item, &r).await {
                    Ok(()) => {
                        done.refused += 1;
                        true
                    }
                    Err(e) => {
                        tracing::warn!(package = item.package_id, error = %e, "refusal not recorded");
                        false
                    }
                }
            }
            Err(e) => {
                tracing::warn!(package = item.package_id, error = %e, "axis package not taken");
                false
            }
        };
        if !taken {
            done.failed += 1;
            continue;
        }
        let ack = ep
            .call(
                Method::POST,
                &format!("/api/v1/axis/packages/{}/ack", item.package_id),
                Vec::new(),
            )
            .await;
        match ack {
            Ok((200..=299, _)) => done.acknowledged += 1,
            _ => done.failed += 1,
        }
    }
    Ok(done)
}

/// Record that `item` was refused, in one transaction: for a document, status 02 with the
/// reason queued back to its sender (once per package, however often it is fetched again);
/// the refusal in the audit chain. A status cannot be answered: it is only recorded.
async fn refuse(db: &Db, ep: &Endpoint, item: &PendingItem, r: &Refusal) -> Result<()> {
    let code = ep.agency.short();
    let description = r.description();
    let mut tx = db.begin().await?;
    if item.kind == "document" {
        let dedupe = format!("refused:{code}:{}", item.package_id);
        let queued = outbox::enqueue(
            &mut tx,
            &outbox::NewOutbox {
                agency_code: &code,
                kind: "status",
                outgoing_id: None,
                incoming_id: None,
                document_id: &item.document_id,
                status_code: Some(StatusCode::Rejected.code()),
                dedupe_key: &dedupe,
                file_key: None,
                description: Some(&description),
                staff: None,
            },
        )
        .await?;
        if queued.is_none() {
            // Refused before (the acknowledgement was lost): already recorded and queued.
            tx.commit().await?;
            return Ok(());
        }
        jobs::enqueue(&mut tx, outbox::wake(&code)).await?;
    }
    audit::append(
        &mut tx,
        &ep.actor(),
        Change {
            action: "documents.package_refused",
            object_type: "doc_package",
            object_id: item.package_id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "agency": code, "sender": item.sender_code, "kind": item.kind,
                "document_id": item.document_id, "reason": r.code(), "description": description,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Get one package and put it where it belongs: [`Taken::Done`] once it is committed (or was
/// already there), so it may be acknowledged.
async fn take(db: &Db, ep: &Endpoint, package_id: i64, done: &mut Fetched) -> Result<Taken> {
    let (status, bytes) = match ep
        .call(
            Method::GET,
            &format!("/api/v1/axis/packages/{package_id}"),
            Vec::new(),
        )
        .await
    {
        Ok(r) => r,
        Err(_) => return Ok(Taken::Later),
    };
    if status != 200 {
        return Ok(Taken::Later);
    }
    let verified = match crate::xmldsig::verify(bytes.as_ref()) {
        Ok(v) => v,
        // Changed on the way: never registered.
        Err(e) => return Ok(Taken::Refused(Refusal::Signature(e.to_string()))),
    };
    let mut sink = edxml::MemorySink::default();
    let package = match edxml::read(bytes.as_ref(), &mut sink) {
        Ok(p) => p,
        Err(e) => return Ok(Taken::Refused(Refusal::Unreadable(e.to_string()))),
    };
    // Signed by the sender's certificate when this node's directory knows it (the axis checked
    // it against its own).
    let sender = match &package.body {
        Body::Document(d) => d.sender.clone(),
        Body::Status(s) => s.from.clone(),
    };
    if let Some(a) = crate::store::agencies::find(db, &sender).await?
        && let Some(fp) = a.fingerprint
        && fp != verified.fingerprint
    {
        return Ok(Taken::Refused(Refusal::WrongSigner(sender.to_string())));
    }
    let actor = ep.actor();
    let revocation = package
        .business
        .as_ref()
        .filter(|b| b.kind == BusinessType::Revoke);
    let update = package
        .business
        .as_ref()
        .filter(|b| b.kind == BusinessType::Update);
    let replaced = package
        .business
        .as_ref()
        .filter(|b| b.kind == BusinessType::Replace)
        .and_then(|b| Some((b.document_id.clone()?, b.reason.clone())));
    match package.body {
        Body::Document(d) if update.is_some() => {
            let reason = update.and_then(|b| b.reason.as_deref());
            let Some(entry) =
                super::registers::updated_by_sender(db, &ep.agency, &d, reason, &actor)
                    .await
                    .map_err(|e| EndpointError::Xml(e.to_string()))?
            else {
                return Ok(Taken::Done);
            };
            done.updated += 1;
            keep_attachments(
                db,
                ep,
                package_id,
                entry,
                &package.attachments,
                &sink,
                &actor,
            )
            .await?;
        }
        Body::Document(d) if revocation.is_some() => {
            let reason = revocation.and_then(|b| b.reason.as_deref());
            if super::registers::revoked_by_sender(db, &ep.agency, &d.id(), reason, &actor)
                .await
                .map_err(|e| EndpointError::Xml(e.to_string()))?
                .is_some()
            {
                done.withdrawn += 1;
            }
        }
        Body::Status(s) if s.code == StatusCode::TakeBackRequested => {
            let at = i64::try_from(s.timestamp.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
            if super::registers::take_back_requested(
                db,
                &ep.agency,
                &s.response_for,
                s.description.as_deref(),
                at,
                &actor,
            )
            .await
            .map_err(|e| EndpointError::Xml(e.to_string()))?
            .is_some()
            {
                done.take_back_requests += 1;
            }
        }
        Body::Document(d) => {
            let r = super::registers::receive(db, &ep.agency, &d, Some(package_id), &actor)
                .await
                .map_err(|e| EndpointError::Xml(e.to_string()))?;
            // 01 back to the sender was queued with the entry, in its transaction.
            if r.new {
                done.documents += 1;
            }
            keep_attachments(
                db,
                ep,
                package_id,
                r.id,
                &package.attachments,
                &sink,
                &actor,
            )
            .await?;
            // A replacement: the document it replaces is withdrawn here.
            if let Some((old, reason)) = &replaced
                && super::registers::replaced_by_sender(
                    db,
                    &ep.agency,
                    old,
                    &d.id(),
                    reason.as_deref(),
                    &actor,
                )
                .await
                .map_err(|e| EndpointError::Xml(e.to_string()))?
                .is_some()
            {
                done.withdrawn += 1;
            }
        }
        Body::Status(s) => {
            let code = ep.agency.short();
            let Some(outgoing_id) = outbox::outgoing_of(db, &code, &s.response_for).await? else {
                // About a document this endpoint never sent: nothing to record.
                return Ok(Taken::Done);
            };
            let mut tx = db.begin().await?;
            let staff = s.staff.as_ref().and_then(|x| x.staff.clone());
            let new = outbox::add_status(
                &mut tx,
                &NewStatus {
                    agency_code: &code,
                    outgoing_id,
                    recipient: &s.from.short(),
                    status: s.code.code(),
                    description: s.description.as_deref(),
                    staff: staff.as_deref(),
                    at: i64::try_from(s.timestamp.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
                    package_id,
                },
            )
            .await?;
            if new {
                audit::append(
                    &mut tx,
                    &actor,
                    Change {
                        action: "documents.outgoing_status",
                        object_type: "doc_outgoing",
                        object_id: outgoing_id.to_string(),
                        before: None,
                        after: Some(serde_json::json!({
                            "recipient": s.from.short(), "status": s.code.code(),
                            "package_id": package_id,
                        })),
                    },
                )
                .await?;
                done.statuses += 1;
            }
            tx.commit().await?;
        }
    }
    Ok(Taken::Done)
}

/// A fetched package's attachments into the incoming entry's files (again after a crash: the
/// same bytes are kept once). A kind the register does not take is left out, said in the log.
async fn keep_attachments(
    db: &Db,
    ep: &Endpoint,
    package_id: i64,
    entry: i64,
    attachments: &[edxml::Attachment],
    sink: &edxml::MemorySink,
    actor: &Actor,
) -> Result<()> {
    for (a, data) in attachments.iter().zip(&sink.files) {
        match super::registers::attach(
            db,
            &ep.files,
            &ep.agency,
            Register::Incoming,
            entry,
            &a.name,
            data,
            actor,
        )
        .await
        {
            Ok(_) => {}
            Err(super::registers::RegisterError::Invalid(p)) => {
                tracing::warn!(package = package_id, name = %a.name, problems = ?p, "attachment not kept");
            }
            Err(e) => return Err(EndpointError::Xml(e.to_string())),
        }
    }
    Ok(())
}

/// The demo's agencies (`egov demo` plays the axis and both endpoints in one process, over
/// loopback HTTP to its own listener): registry agency, office abbreviation, and the key pair
/// (the crate's test keys — a demonstration, never a deployment).
const DEMO_AGENCIES: [(&str, &str, &[u8], &[u8]); 2] = [
    (
        "ubnd-40",
        "UBND",
        include_bytes!("../../tests/data/keys/rsa.key.der"),
        include_bytes!("../../tests/data/keys/rsa.crt.der"),
    ),
    (
        "ubnd-79",
        "UBND",
        include_bytes!("../../tests/data/keys/ec.key.der"),
        include_bytes!("../../tests/data/keys/ec.crt.der"),
    ),
];

async fn demo_agency(db: &Db, registry_code: &str) -> Result<Option<(AgencyId, String)>> {
    let Some(a) = registry::store::agency_by_any_code(db, registry_code).await? else {
        return Ok(None);
    };
    Ok(a.edoc_2020
        .or(a.edoc_qcvn)
        .and_then(|e| AgencyId::parse(&e).ok())
        .map(|id| (id, a.name_vi)))
}

/// The demo's agencies in the axis directory (active, with their certificates) and their
/// document offices; what is there already is left alone.
pub async fn demo_prepare(db: &Db) -> Result<()> {
    let actor = Actor::system("egov demo");
    for (code, abbreviation, _, crt) in DEMO_AGENCIES {
        let Some((id, name)) = demo_agency(db, code).await? else {
            continue;
        };
        if crate::store::agencies::find(db, &id).await?.is_none() {
            let fp = {
                use sha2::Digest as _;
                hex::encode(sha2::Sha256::digest(crt))
            };
            let mut tx = db.begin().await?;
            crate::store::agencies::insert(
                &mut tx,
                &id,
                &name,
                None,
                Some((crt, &fp)),
                crate::store::agencies::AgencyState::Active,
            )
            .await?;
            tx.commit().await?;
        }
        if reg_store::office(db, &id.short()).await?.is_none() {
            super::registers::set_office(db, &id, abbreviation, &actor)
                .await
                .map_err(|e| EndpointError::Xml(e.to_string()))?;
        }
    }
    Ok(())
}

/// The endpoints this node runs: the configured one; in the demo (`axis_url` set to its own
/// address, no `axis_agency`), one per demo agency.
pub async fn endpoints(
    db: &Db,
    config: &platform::config::Config,
    files: &FileStore,
) -> std::result::Result<Vec<Endpoint>, String> {
    if let Some(e) = from_config(config, files)? {
        return Ok(vec![e]);
    }
    let (true, Some(url)) = (config.demo, config.axis_url.as_deref()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (code, _, key, crt) in DEMO_AGENCIES {
        let Some((id, _)) = demo_agency(db, code).await.map_err(|e| e.to_string())? else {
            continue;
        };
        let key = AgencyKey::from_pkcs8(&id.short(), key, crt).map_err(|e| e.to_string())?;
        out.push(Endpoint::new(id, key, url, files.clone()));
    }
    Ok(out)
}
