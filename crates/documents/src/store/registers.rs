//! `doc_offices`, `doc_number_counters`, `doc_outgoing`, `doc_incoming`,
//! `doc_incoming_history`, `doc_register_files`: an agency's outgoing and incoming registers.
//! Every read takes the agency: one agency's register is never read through another's.

use platform::db::{Db, DbResult, Sql, Tx, Value, now_ms};
use platform::params;

/// The most rows one search returns.
pub const PAGE_MAX: i64 = 100;

/// Which register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Register {
    Outgoing,
    Incoming,
}

impl Register {
    pub fn as_str(self) -> &'static str {
        match self {
            Register::Outgoing => "outgoing",
            Register::Incoming => "incoming",
        }
    }
}

/// The office's abbreviation (the notation's last part), if set.
pub async fn office(db: &Db, agency_code: &str) -> DbResult<Option<String>> {
    db.fetch_optional(
        "SELECT abbreviation FROM doc_offices WHERE agency_code = $1",
        params![agency_code],
    )
    .await?
    .map(|r| r.get("abbreviation"))
    .transpose()
}

pub async fn set_office(tx: &mut Tx, agency_code: &str, abbreviation: &str) -> DbResult<()> {
    tx.execute(
        "INSERT INTO doc_offices (agency_code, abbreviation, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (agency_code) DO UPDATE SET abbreviation = $2, updated_at = $3",
        params![agency_code, abbreviation, now_ms()],
    )
    .await?;
    Ok(())
}

/// The next number of an agency's register in `year`, taken atomically: the counter's row is
/// written (and so locked) by this transaction until it ends, so two clerks numbering at once
/// never get the same number; a rolled-back transaction gives its number back.
pub async fn take_number(
    tx: &mut Tx,
    agency_code: &str,
    register: Register,
    year: i32,
) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO doc_number_counters (agency_code, register, year, last_number) \
         VALUES ($1, $2, $3, 1) ON CONFLICT (agency_code, register, year) \
         DO UPDATE SET last_number = doc_number_counters.last_number + 1 RETURNING last_number",
        params![agency_code, register.as_str(), i64::from(year)],
    )
    .await?
    .get("last_number")
}

/// A new outgoing draft.
#[derive(Debug, Clone)]
pub struct NewOutgoing<'a> {
    pub agency_code: &'a str,
    pub doc_type: u8,
    pub subject: &'a str,
    pub subject_search: &'a str,
    pub summary: &'a str,
    pub signer_name: &'a str,
    pub signer_position: &'a str,
    pub recipients: &'a [String],
    pub urgency: u8,
    pub due_date: Option<String>,
    pub created_by: &'a str,
}

pub async fn insert_outgoing(tx: &mut Tx, o: &NewOutgoing<'_>) -> DbResult<i64> {
    let recipients = serde_json::to_string(o.recipients).unwrap_or_else(|_| "[]".into());
    tx.fetch_one(
        "INSERT INTO doc_outgoing (agency_code, doc_type, subject, subject_search, summary, \
         signer_name, signer_position, recipients, urgency, due_date, state, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $12) RETURNING id",
        params![
            o.agency_code,
            i64::from(o.doc_type),
            o.subject,
            o.subject_search,
            o.summary,
            o.signer_name,
            o.signer_position,
            recipients,
            i64::from(o.urgency),
            o.due_date.clone(),
            o.created_by,
            now_ms()
        ],
    )
    .await?
    .get("id")
}

/// One row of the outgoing register.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Outgoing {
    pub id: i64,
    pub agency_code: String,
    pub doc_type: i64,
    pub subject: String,
    pub summary: String,
    pub signer_name: String,
    pub signer_position: String,
    /// JSON array of agency codes.
    pub recipients: String,
    pub urgency: i64,
    pub due_date: Option<String>,
    pub state: String,
    pub year: Option<i64>,
    pub number: Option<i64>,
    pub notation: Option<String>,
    pub promulgation_date: Option<String>,
    pub package_id: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub numbered_at: Option<i64>,
    pub sent_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
    /// The sender's last request to take it back (status 13), and why.
    pub take_back_requested_at: Option<i64>,
    pub take_back_reason: Option<String>,
    /// The sent document this one replaces (business type 3), and why.
    pub replaces_id: Option<i64>,
    pub replace_reason: Option<String>,
}

impl Outgoing {
    pub fn recipient_codes(&self) -> Vec<String> {
        serde_json::from_str(&self.recipients).unwrap_or_default()
    }
}

const OUTGOING_COLUMNS: &str = "id, agency_code, doc_type, subject, summary, signer_name, \
     signer_position, recipients, urgency, due_date, state, year, number, notation, \
     promulgation_date, package_id, created_by, created_at, numbered_at, sent_at, revoked_at, \
     revoke_reason, take_back_requested_at, take_back_reason, replaces_id, replace_reason";

pub async fn outgoing(db: &Db, agency_code: &str, id: i64) -> DbResult<Option<Outgoing>> {
    db.fetch_optional_as(
        Sql::trusted(format!(
            "SELECT {OUTGOING_COLUMNS} FROM doc_outgoing WHERE id = $1 AND agency_code = $2"
        )),
        params![id, agency_code],
    )
    .await
}

/// An outgoing entry whichever agency's it is (the audit page names its entries with it).
pub async fn outgoing_any(db: &Db, id: i64) -> DbResult<Option<Outgoing>> {
    db.fetch_optional_as(
        Sql::trusted(format!(
            "SELECT {OUTGOING_COLUMNS} FROM doc_outgoing WHERE id = $1"
        )),
        params![id],
    )
    .await
}

/// The same row, inside a transaction.
pub async fn outgoing_in(tx: &mut Tx, agency_code: &str, id: i64) -> DbResult<Option<Outgoing>> {
    tx.fetch_optional_as(
        Sql::trusted(format!(
            "SELECT {OUTGOING_COLUMNS} FROM doc_outgoing WHERE id = $1 AND agency_code = $2"
        )),
        params![id, agency_code],
    )
    .await
}

/// Number a draft (only a draft: returns 0 rows otherwise).
pub async fn set_numbered(
    tx: &mut Tx,
    id: i64,
    year: i32,
    number: i64,
    notation: &str,
    notation_search: &str,
    date: &str,
) -> DbResult<u64> {
    tx.execute(
        "UPDATE doc_outgoing SET state = 'numbered', year = $1, number = $2, notation = $3, \
         notation_search = $4, promulgation_date = $5, numbered_at = $6 \
         WHERE id = $7 AND state = 'draft'",
        params![
            i64::from(year),
            number,
            notation,
            notation_search,
            date,
            now_ms(),
            id
        ],
    )
    .await
}

/// Numbered → sent, with the axis package that carried it.
pub async fn set_sent(tx: &mut Tx, id: i64, package_id: Option<i64>) -> DbResult<u64> {
    tx.execute(
        "UPDATE doc_outgoing SET state = 'sent', package_id = $1, sent_at = $2 \
         WHERE id = $3 AND state = 'numbered'",
        params![package_id, now_ms(), id],
    )
    .await
}

/// Sent → revoked.
pub async fn set_revoked(tx: &mut Tx, id: i64, reason: &str) -> DbResult<u64> {
    tx.execute(
        "UPDATE doc_outgoing SET state = 'revoked', revoked_at = $1, revoke_reason = $2 \
         WHERE id = $3 AND state = 'sent'",
        params![now_ms(), reason, id],
    )
    .await
}

/// A document arrived for an agency.
#[derive(Debug, Clone)]
pub struct NewIncoming<'a> {
    pub agency_code: &'a str,
    pub package_id: Option<i64>,
    pub document_id: &'a str,
    pub sender_code: &'a str,
    pub sender_name: &'a str,
    pub sender_search: &'a str,
    pub doc_type: Option<u8>,
    pub type_name: &'a str,
    pub number: &'a str,
    pub notation: &'a str,
    pub notation_search: &'a str,
    pub promulgation_date: &'a str,
    pub subject: &'a str,
    pub subject_search: &'a str,
    pub urgency: u8,
    pub due_date: Option<String>,
    pub year: i32,
}

/// Insert an arrival (status 01); None when the agency already has this document.
pub async fn insert_incoming(tx: &mut Tx, n: &NewIncoming<'_>) -> DbResult<Option<i64>> {
    let now = now_ms();
    tx.fetch_optional(
        "INSERT INTO doc_incoming (agency_code, package_id, document_id, sender_code, sender_name, \
         sender_search, doc_type, type_name, number, notation, notation_search, promulgation_date, \
         subject, subject_search, urgency, due_date, status, year, received_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, '01', \
         $17, $18, $18) ON CONFLICT (agency_code, document_id) DO NOTHING RETURNING id",
        params![
            n.agency_code,
            n.package_id,
            n.document_id,
            n.sender_code,
            n.sender_name,
            n.sender_search,
            n.doc_type.map(i64::from),
            n.type_name,
            n.number,
            n.notation,
            n.notation_search,
            n.promulgation_date,
            n.subject,
            n.subject_search,
            i64::from(n.urgency),
            n.due_date.clone(),
            i64::from(n.year),
            now
        ],
    )
    .await?
    .map(|r| r.get("id"))
    .transpose()
}

/// One row of the incoming register.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Incoming {
    pub id: i64,
    pub agency_code: String,
    pub package_id: Option<i64>,
    pub document_id: String,
    pub sender_code: String,
    pub sender_name: String,
    pub doc_type: Option<i64>,
    pub type_name: String,
    pub number: String,
    pub notation: String,
    pub promulgation_date: String,
    pub subject: String,
    pub urgency: i64,
    pub due_date: Option<String>,
    pub status: String,
    pub year: i64,
    pub incoming_number: Option<i64>,
    pub assignee: Option<String>,
    pub received_at: i64,
    pub updated_at: i64,
    /// `revoked` (the sender revoked it) or `taken_back` (given back at the sender's request):
    /// the entry is kept for the record, and nothing more is done with it.
    pub withdrawn: Option<String>,
    pub withdrawn_at: Option<i64>,
    pub withdraw_reason: Option<String>,
    /// The sender's request to take it back (status 13) waiting for an answer, and why.
    pub take_back_requested_at: Option<i64>,
    pub take_back_reason: Option<String>,
    /// An update the sender sent, waiting for the clerk's answer: its subject, due date, why.
    pub update_subject: Option<String>,
    pub update_due_date: Option<String>,
    pub update_reason: Option<String>,
    pub update_received_at: Option<i64>,
}

const INCOMING_COLUMNS: &str = "id, agency_code, package_id, document_id, sender_code, \
     sender_name, doc_type, type_name, number, notation, promulgation_date, subject, urgency, \
     due_date, status, year, incoming_number, assignee, received_at, updated_at, withdrawn, \
     withdrawn_at, withdraw_reason, take_back_requested_at, take_back_reason, update_subject, \
     update_due_date, update_reason, update_received_at";

pub async fn incoming(db: &Db, agency_code: &str, id: i64) -> DbResult<Option<Incoming>> {
    db.fetch_optional_as(
        Sql::trusted(format!(
            "SELECT {INCOMING_COLUMNS} FROM doc_incoming WHERE id = $1 AND agency_code = $2"
        )),
        params![id, agency_code],
    )
    .await
}

/// An incoming entry whichever agency's it is (the audit page names its entries with it).
pub async fn incoming_any(db: &Db, id: i64) -> DbResult<Option<Incoming>> {
    db.fetch_optional_as(
        Sql::trusted(format!(
            "SELECT {INCOMING_COLUMNS} FROM doc_incoming WHERE id = $1"
        )),
        params![id],
    )
    .await
}

pub async fn incoming_in(tx: &mut Tx, agency_code: &str, id: i64) -> DbResult<Option<Incoming>> {
    tx.fetch_optional_as(
        Sql::trusted(format!(
            "SELECT {INCOMING_COLUMNS} FROM doc_incoming WHERE id = $1 AND agency_code = $2"
        )),
        params![id, agency_code],
    )
    .await
}

/// Move an entry from status `from` to `to` (0 rows when someone moved it first).
pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    from: &str,
    to: &str,
    assignee: Option<&str>,
    incoming_number: Option<i64>,
) -> DbResult<u64> {
    tx.execute(
        "UPDATE doc_incoming SET status = $1, assignee = COALESCE($2, assignee), \
         incoming_number = COALESCE($3, incoming_number), updated_at = $4 \
         WHERE id = $5 AND status = $6",
        params![to, assignee, incoming_number, now_ms(), id, from],
    )
    .await
}

/// The agency's incoming entry of a document, by its `DocumentId`.
pub async fn incoming_by_document(
    tx: &mut Tx,
    agency_code: &str,
    document_id: &str,
) -> DbResult<Option<Incoming>> {
    tx.fetch_optional_as(
        Sql::trusted(format!(
            "SELECT {INCOMING_COLUMNS} FROM doc_incoming WHERE agency_code = $1 AND document_id = $2"
        )),
        params![agency_code, document_id],
    )
    .await
}

/// Withdraw an entry (`revoked` or `taken_back`), once: 0 when it was withdrawn already.
pub async fn set_withdrawn(tx: &mut Tx, id: i64, how: &str, reason: Option<&str>) -> DbResult<u64> {
    let now = now_ms();
    tx.execute(
        "UPDATE doc_incoming SET withdrawn = $1, withdrawn_at = $2, withdraw_reason = $3, \
         take_back_requested_at = NULL, take_back_reason = NULL, updated_at = $2 \
         WHERE id = $4 AND withdrawn IS NULL",
        params![how, now, reason, id],
    )
    .await
}

/// Record (or clear, with None) the sender's request to take an entry back.
pub async fn set_take_back_request(
    tx: &mut Tx,
    id: i64,
    request: Option<(i64, &str)>,
) -> DbResult<u64> {
    let (at, reason) = match request {
        Some((at, reason)) => (Some(at), Some(reason)),
        None => (None, None),
    };
    tx.execute(
        "UPDATE doc_incoming SET take_back_requested_at = $1, take_back_reason = $2, \
         updated_at = $3 WHERE id = $4 AND withdrawn IS NULL",
        params![at, reason, now_ms(), id],
    )
    .await
}

/// A sent document's new subject and summary (an update sent to its recipients).
pub async fn set_outgoing_content(
    tx: &mut Tx,
    id: i64,
    subject: &str,
    subject_search: &str,
    summary: &str,
) -> DbResult<u64> {
    tx.execute(
        "UPDATE doc_outgoing SET subject = $1, subject_search = $2, summary = $3 \
         WHERE id = $4 AND state = 'sent'",
        params![subject, subject_search, summary, id],
    )
    .await
}

/// Keep (or clear, with None) the update the sender sent: (subject, due date, reason).
pub async fn set_pending_update(
    tx: &mut Tx,
    id: i64,
    update: Option<(&str, Option<&str>, Option<&str>)>,
) -> DbResult<u64> {
    let (subject, due, reason, at) = match update {
        Some((s, d, r)) => (Some(s), d, r, Some(now_ms())),
        None => (None, None, None, None),
    };
    tx.execute(
        "UPDATE doc_incoming SET update_subject = $1, update_due_date = $2, update_reason = $3, \
         update_received_at = $4, updated_at = $5 WHERE id = $6 AND withdrawn IS NULL",
        params![subject, due, reason, at, now_ms(), id],
    )
    .await
}

/// An incoming entry's new subject and due date (its sender updated the document).
pub async fn set_incoming_content(
    tx: &mut Tx,
    id: i64,
    subject: &str,
    subject_search: &str,
    due_date: Option<&str>,
) -> DbResult<u64> {
    tx.execute(
        "UPDATE doc_incoming SET subject = $1, subject_search = $2, \
         due_date = COALESCE($3, due_date), updated_at = $4 WHERE id = $5 AND withdrawn IS NULL",
        params![subject, subject_search, due_date, now_ms(), id],
    )
    .await
}

/// Mark a draft as the replacement of a sent document, with the reason.
pub async fn set_replaces(tx: &mut Tx, id: i64, replaces: i64, reason: &str) -> DbResult<u64> {
    tx.execute(
        "UPDATE doc_outgoing SET replaces_id = $1, replace_reason = $2 WHERE id = $3",
        params![replaces, reason, id],
    )
    .await
}

/// The agency's document that replaces `id`, if one was drafted.
pub async fn replacement_of(db: &Db, agency_code: &str, id: i64) -> DbResult<Option<Outgoing>> {
    db.fetch_optional_as(
        Sql::trusted(format!(
            "SELECT {OUTGOING_COLUMNS} FROM doc_outgoing WHERE replaces_id = $1 AND agency_code = $2 \
             ORDER BY id LIMIT 1"
        )),
        params![id, agency_code],
    )
    .await
}

/// Record the sender's request to take an outgoing document back.
pub async fn set_outgoing_take_back(tx: &mut Tx, id: i64, reason: &str) -> DbResult<u64> {
    tx.execute(
        "UPDATE doc_outgoing SET take_back_requested_at = $1, take_back_reason = $2 \
         WHERE id = $3 AND state = 'sent'",
        params![now_ms(), reason, id],
    )
    .await
}

/// Set an entry's due date (`yyyy-mm-dd`).
pub async fn set_due(tx: &mut Tx, id: i64, due_date: &str) -> DbResult<u64> {
    tx.execute(
        "UPDATE doc_incoming SET due_date = $1 WHERE id = $2",
        params![due_date, id],
    )
    .await
}

/// One status of an incoming entry: who, when, with which note.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct HistoryItem {
    pub status: String,
    pub actor: String,
    pub note: Option<String>,
    pub at: i64,
}

pub async fn add_history(
    tx: &mut Tx,
    incoming_id: i64,
    status: &str,
    actor: &str,
    note: Option<&str>,
) -> DbResult<()> {
    tx.execute(
        "INSERT INTO doc_incoming_history (incoming_id, status, actor, note, at) \
         VALUES ($1, $2, $3, $4, $5)",
        params![incoming_id, status, actor, note, now_ms()],
    )
    .await?;
    Ok(())
}

/// An entry's statuses, oldest first (bounded: an entry has a handful).
pub async fn history(db: &Db, incoming_id: i64) -> DbResult<Vec<HistoryItem>> {
    db.fetch_all_as(
        "SELECT status, actor, note, at FROM doc_incoming_history WHERE incoming_id = $1 \
         ORDER BY id LIMIT 1000",
        params![incoming_id],
    )
    .await
}

/// An attachment of a register entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct FileRef {
    pub id: i64,
    pub file_key: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: i64,
}

/// Attach a stored file (the same bytes twice to one entry: kept once, returns false).
#[allow(clippy::too_many_arguments)]
pub async fn attach(
    tx: &mut Tx,
    register: Register,
    entry_id: i64,
    file_key: &str,
    name: &str,
    content_type: &str,
    size: u64,
) -> DbResult<bool> {
    let n = tx
        .execute(
            "INSERT INTO doc_register_files (register, entry_id, file_key, name, content_type, \
             size, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (register, entry_id, file_key) DO NOTHING",
            params![
                register.as_str(),
                entry_id,
                file_key,
                name,
                content_type,
                i64::try_from(size).unwrap_or(i64::MAX),
                now_ms()
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn files(db: &Db, register: Register, entry_id: i64) -> DbResult<Vec<FileRef>> {
    db.fetch_all_as(
        "SELECT id, file_key, name, content_type, size, created_at FROM doc_register_files \
         WHERE register = $1 AND entry_id = $2 ORDER BY id LIMIT 100",
        params![register.as_str(), entry_id],
    )
    .await
}

/// A search over one agency's register. Text filters are folded by the caller (lower case, no
/// diacritics) and matched as substrings; `number` is exact; dates are `yyyy-mm-dd`, inclusive,
/// on the promulgation date.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub number: Option<i64>,
    pub notation: Option<String>,
    pub subject: Option<String>,
    /// Incoming: the sender (code or folded name); outgoing: a recipient's code.
    pub party: Option<String>,
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    pub doc_type: Option<u8>,
    pub limit: i64,
    pub offset: i64,
}

/// `%…%` with LIKE's wildcards escaped (`\` is the escape character).
fn contains(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn where_clause(agency_code: &str, s: &Search, incoming: bool) -> (String, Vec<Value>) {
    let mut sql = String::from(" WHERE agency_code = $1");
    let mut params: Vec<Value> = params![agency_code];
    fn add(params: &mut Vec<Value>, cond: &str, v: Value, sql: &mut String) {
        params.push(v);
        sql.push_str(&cond.replace('?', &format!("${}", params.len())));
    }
    if let Some(n) = s.number {
        if incoming {
            add(
                &mut params,
                " AND number = ?",
                Value::from(n.to_string()),
                &mut sql,
            );
        } else {
            add(&mut params, " AND number = ?", Value::from(n), &mut sql);
        }
    }
    if let Some(t) = &s.notation {
        add(
            &mut params,
            " AND notation_search LIKE ? ESCAPE '\\'",
            Value::from(contains(t)),
            &mut sql,
        );
    }
    if let Some(t) = &s.subject {
        add(
            &mut params,
            " AND subject_search LIKE ? ESCAPE '\\'",
            Value::from(contains(t)),
            &mut sql,
        );
    }
    if let Some(t) = &s.party {
        if incoming {
            let v = contains(t);
            params.push(Value::from(v));
            let i = params.len();
            sql.push_str(&format!(
                " AND (sender_search LIKE ${i} ESCAPE '\\' OR LOWER(sender_code) LIKE ${i} ESCAPE '\\')"
            ));
        } else {
            add(
                &mut params,
                " AND LOWER(recipients) LIKE ? ESCAPE '\\'",
                Value::from(contains(t)),
                &mut sql,
            );
        }
    }
    if let Some(d) = &s.date_from {
        add(
            &mut params,
            " AND promulgation_date >= ?",
            Value::from(d.clone()),
            &mut sql,
        );
    }
    if let Some(d) = &s.date_to {
        add(
            &mut params,
            " AND promulgation_date <= ?",
            Value::from(d.clone()),
            &mut sql,
        );
    }
    if let Some(t) = s.doc_type {
        add(
            &mut params,
            " AND doc_type = ?",
            Value::from(i64::from(t)),
            &mut sql,
        );
    }
    (sql, params)
}

fn page(s: &Search) -> (i64, i64) {
    (s.limit.clamp(1, PAGE_MAX), s.offset.max(0))
}

/// One page of an agency's outgoing register, newest first, and whether more follow.
pub async fn search_outgoing(
    db: &Db,
    agency_code: &str,
    s: &Search,
) -> DbResult<(Vec<Outgoing>, bool)> {
    let (w, mut params) = where_clause(agency_code, s, false);
    let (limit, offset) = page(s);
    params.push(Value::from(limit + 1));
    params.push(Value::from(offset));
    let n = params.len();
    let mut rows: Vec<Outgoing> = db
        .fetch_all_as(
            Sql::trusted(format!(
                "SELECT {OUTGOING_COLUMNS} FROM doc_outgoing{w} ORDER BY id DESC LIMIT ${} OFFSET ${n}",
                n - 1
            )),
            params,
        )
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok((rows, more))
}

/// One page of an agency's incoming register — the most urgent first, then the oldest due date,
/// then the newest — and whether more follow.
pub async fn search_incoming(
    db: &Db,
    agency_code: &str,
    s: &Search,
) -> DbResult<(Vec<Incoming>, bool)> {
    let (w, mut params) = where_clause(agency_code, s, true);
    let (limit, offset) = page(s);
    params.push(Value::from(limit + 1));
    params.push(Value::from(offset));
    let n = params.len();
    let mut rows: Vec<Incoming> = db
        .fetch_all_as(
            Sql::trusted(format!(
                "SELECT {INCOMING_COLUMNS} FROM doc_incoming{w} \
                 ORDER BY CASE WHEN status IN ('02', '06') THEN 0 ELSE urgency END DESC, \
                 CASE WHEN due_date IS NULL OR status IN ('02', '06') THEN 1 ELSE 0 END, \
                 due_date, id DESC LIMIT ${} OFFSET ${n}",
                n - 1
            )),
            params,
        )
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok((rows, more))
}
