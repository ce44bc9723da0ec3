//! An agency's document office (Decree 30/2020/NĐ-CP, văn thư): the outgoing register (sổ văn
//! bản đi) — a draft checked field by field, then a number per agency per calendar year from 01
//! and a notation built from the type's and the agency's abbreviations (`15/QĐ-UBND`) — and the
//! incoming register (sổ văn bản đến) with its lifecycle 01 → 03 | 02 → 04 → 05 → 06, every
//! transition checked. Deadlines are counted in working days on the holiday calendar reporting
//! keeps. No I/O.

use std::fmt;

use reporting::model::period::HolidayCalendar;
use time::Date;

use super::agency::AgencyId;
use super::document::{RECIPIENTS_MAX, SUBJECT_MAX, TEXT_MAX};
use super::problem::{Problem, Problems};
use super::status::{Priority, StatusCode};

/// The form fields a problem can name (the ids of the pages' inputs).
pub mod field {
    pub const DOC_TYPE: &str = "doc_type";
    pub const DUE_DATE: &str = "due_date";
    pub const FILE: &str = "file";
    pub const HANDLING_DAYS: &str = "handling_days";
    pub const NUMBER: &str = "number";
    pub const PAGE: &str = "page";
    pub const REASON: &str = "reason";
    pub const RECIPIENTS: &str = "recipients";
    pub const TO: &str = "to";
    pub const URGENCY: &str = "urgency";
}

/// The longest signer's name or position, and a department or person assigned, in characters.
pub const NAME_MAX: usize = 200;
/// The longest reason (rejection) or note, in characters.
pub const NOTE_MAX: usize = 1000;
/// The longest agency abbreviation (`UBND`, `BTC`, `VPCP`), in characters.
pub const ABBREVIATION_MAX: usize = 20;

/// The 29 administrative document types of Decree 30/2020 (Article 7), in the decree's order,
/// with the abbreviation its Appendix III gives for the notation (Công văn and Thư công have none:
/// their notation is the agency's abbreviation alone).
pub const DOC_TYPES: [(&str, &str, Option<&str>); 29] = [
    ("Nghị quyết", "Resolution", Some("NQ")),
    ("Quyết định", "Decision", Some("QĐ")),
    ("Chỉ thị", "Directive", Some("CT")),
    ("Quy chế", "Regulation", Some("QC")),
    ("Quy định", "Rules", Some("QyĐ")),
    ("Thông cáo", "Communiqué", Some("TC")),
    ("Thông báo", "Notice", Some("TB")),
    ("Hướng dẫn", "Guidance", Some("HD")),
    ("Chương trình", "Programme", Some("CTr")),
    ("Kế hoạch", "Plan", Some("KH")),
    ("Phương án", "Scheme", Some("PA")),
    ("Đề án", "Project proposal", Some("ĐA")),
    ("Dự án", "Project", Some("DA")),
    ("Báo cáo", "Report", Some("BC")),
    ("Biên bản", "Minutes", Some("BB")),
    ("Tờ trình", "Submission", Some("TTr")),
    ("Hợp đồng", "Contract", Some("HĐ")),
    ("Công văn", "Official letter", None),
    ("Công điện", "Official telegram", Some("CĐ")),
    ("Bản ghi nhớ", "Memorandum", Some("GN")),
    ("Bản thỏa thuận", "Agreement", Some("TTh")),
    ("Giấy ủy quyền", "Power of attorney", Some("GUQ")),
    ("Giấy mời", "Invitation", Some("GM")),
    ("Giấy giới thiệu", "Letter of introduction", Some("GGT")),
    ("Giấy nghỉ phép", "Leave permit", Some("GNP")),
    ("Phiếu gửi", "Dispatch slip", Some("PG")),
    ("Phiếu chuyển", "Transfer slip", Some("PC")),
    ("Phiếu báo", "Notification slip", Some("PB")),
    ("Thư công", "Official mail", None),
];

/// One of the 29 types, by its position in [`DOC_TYPES`] from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct DocType(u8);

impl DocType {
    pub fn all() -> impl Iterator<Item = DocType> {
        (1..=29).map(DocType)
    }

    pub fn from_code(code: u32) -> Option<DocType> {
        u8::try_from(code)
            .ok()
            .filter(|c| (1..=29).contains(c))
            .map(DocType)
    }

    /// By its Vietnamese name (`Quyết định`), ignoring case and surrounding spaces.
    pub fn from_name(name: &str) -> Option<DocType> {
        let n = name.trim().to_lowercase();
        DocType::all().find(|t| t.name_vi().to_lowercase() == n)
    }

    pub fn code(self) -> u8 {
        self.0
    }

    fn entry(self) -> (&'static str, &'static str, Option<&'static str>) {
        DOC_TYPES[usize::from(self.0 - 1)]
    }

    pub fn name_vi(self) -> &'static str {
        self.entry().0
    }

    pub fn name_en(self) -> &'static str {
        self.entry().1
    }

    pub fn abbreviation(self) -> Option<&'static str> {
        self.entry().2
    }
}

/// How a number is written: two digits at least (`01` … `99`, then `100` …).
pub fn format_number(n: u32) -> String {
    format!("{n:02}")
}

/// The notation (ký hiệu) per Decree 30, Appendix I: the type's abbreviation, a hyphen, the
/// agency's abbreviation (`QĐ-UBND`); for Công văn and Thư công the agency's abbreviation alone.
pub fn notation(doc_type: DocType, agency_abbreviation: &str) -> String {
    match doc_type.abbreviation() {
        Some(t) => format!("{t}-{}", agency_abbreviation.trim()),
        None => agency_abbreviation.trim().to_owned(),
    }
}

/// Số and ký hiệu together: `15/QĐ-UBND`.
pub fn code_display(number: u32, notation: &str) -> String {
    format!("{}/{notation}", format_number(number))
}

/// Whether an agency abbreviation can go into a notation: 1–20 letters or digits (Vietnamese
/// letters included), hyphens between them.
pub fn valid_abbreviation(s: &str) -> bool {
    let n = s.chars().count();
    (1..=ABBREVIATION_MAX).contains(&n)
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars().all(|c| c.is_alphanumeric() || c == '-')
}

/// The next number of an agency's year: numbers run from 01 on 1 January; `last` is the highest
/// number the agency gave in that year (None: none yet).
pub fn next_number(last: Option<u32>) -> u32 {
    last.map_or(1, |n| n.saturating_add(1))
}

/// An outgoing document's draft as a form gives it: text as typed.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    pub doc_type: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub signer_name: String,
    #[serde(default)]
    pub signer_position: String,
    /// Agency identifiers, one per line or separated by commas or semicolons, in either form.
    #[serde(default)]
    pub recipients: String,
    /// 0 Thường, 1 Khẩn, 2 Thượng khẩn, 3 Hỏa tốc.
    #[serde(default)]
    pub urgency: String,
    /// `yyyy-mm-dd`, optional.
    #[serde(default)]
    pub due_date: String,
}

/// A checked draft.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingDraft {
    pub doc_type: DocType,
    pub subject: String,
    pub summary: String,
    pub signer_name: String,
    pub signer_position: String,
    pub recipients: Vec<AgencyId>,
    pub urgency: Priority,
    pub due_date: Option<Date>,
}

fn control_char(s: &str) -> Option<char> {
    s.chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
}

/// A text field: trimmed; `required` when it must not be empty; at most `max` characters; no
/// control characters (line breaks allowed only where `multiline`).
fn text(
    p: &mut Problems,
    field: &str,
    v: &str,
    required: bool,
    max: usize,
    multiline: bool,
) -> String {
    let t = v.trim();
    let bad = if multiline {
        control_char(t)
    } else {
        t.chars().find(|c| c.is_control())
    };
    if let Some(c) = bad {
        p.push(Problem::new(field, "control_character").arg("char", format!("U+{:04X}", c as u32)));
    } else if required && t.is_empty() {
        p.push(Problem::missing(field));
    } else if t.chars().count() > max {
        p.push(Problem::new(field, "too_long").arg("max", max.to_string()));
    }
    t.to_owned()
}

/// What a sender changes in a document it sent (business type 2: an update), and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub reason: String,
}

/// An update as checked: (subject, summary, reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub subject: String,
    pub summary: String,
    pub reason: String,
}

impl UpdateForm {
    /// Every problem at once, each naming its field (`subject`, `summary`, `reason`).
    pub fn check(&self) -> Result<Update, Vec<Problem>> {
        let mut p = Problems::default();
        let subject = text(&mut p, "subject", &self.subject, true, SUBJECT_MAX, false);
        let summary = text(&mut p, "summary", &self.summary, false, TEXT_MAX, true);
        let reason = text(&mut p, field::REASON, &self.reason, true, NOTE_MAX, true);
        if p.is_empty() {
            Ok(Update {
                subject,
                summary,
                reason,
            })
        } else {
            Err(p.into_vec())
        }
    }
}

/// Parse `yyyy-mm-dd`.
pub fn parse_iso_date(s: &str) -> Option<Date> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

impl DraftForm {
    /// Every problem at once, each naming its field (the form's input name), or the draft.
    /// `sender` is the drafting agency (never a recipient of its own document); `today` bounds
    /// the due date (not in the past).
    pub fn check(&self, sender: &AgencyId, today: Date) -> Result<OutgoingDraft, Vec<Problem>> {
        let mut p = Problems::default();
        let doc_type = match self.doc_type.trim() {
            "" => {
                p.push(Problem::missing("doc_type"));
                None
            }
            t => {
                let found = t
                    .parse::<u32>()
                    .ok()
                    .and_then(DocType::from_code)
                    .or_else(|| DocType::from_name(t));
                if found.is_none() {
                    p.push(Problem::new(field::DOC_TYPE, "unknown_doc_type"));
                }
                found
            }
        };
        let subject = text(&mut p, "subject", &self.subject, true, SUBJECT_MAX, false);
        let summary = text(&mut p, "summary", &self.summary, false, TEXT_MAX, true);
        let signer_name = text(
            &mut p,
            "signer_name",
            &self.signer_name,
            true,
            NAME_MAX,
            false,
        );
        let signer_position = text(
            &mut p,
            "signer_position",
            &self.signer_position,
            true,
            NAME_MAX,
            false,
        );
        let mut recipients: Vec<AgencyId> = Vec::new();
        let items: Vec<&str> = self
            .recipients
            .split(['\n', ',', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if let Some(c) = self
            .recipients
            .chars()
            .find(|&c| c.is_control() && c != '\n' && c != '\r')
        {
            p.push(
                Problem::new(field::RECIPIENTS, "control_character")
                    .arg("char", format!("U+{:04X}", c as u32)),
            );
        } else if items.is_empty() {
            p.push(Problem::missing("recipients"));
        } else if items.len() > RECIPIENTS_MAX {
            p.push(
                Problem::new(field::RECIPIENTS, "too_many_recipients")
                    .arg("max", RECIPIENTS_MAX.to_string()),
            );
        } else {
            for item in items {
                match AgencyId::parse(item) {
                    Err(_) => {
                        p.push(Problem::new(field::RECIPIENTS, "bad_agency_id").arg("value", item))
                    }
                    Ok(id) if id.same_agency(sender) => {
                        p.push(Problem::new(field::RECIPIENTS, "recipient_is_sender"))
                    }
                    Ok(id) if recipients.iter().any(|r| r.same_agency(&id)) => p.push(
                        Problem::new(field::RECIPIENTS, "duplicate_recipient")
                            .arg("organ_id", id.to_string()),
                    ),
                    Ok(id) => recipients.push(id),
                }
            }
        }
        let urgency = match self.urgency.trim() {
            "" => Some(Priority::Normal),
            u => {
                let got = Priority::parse(u);
                if got.is_none() {
                    p.push(Problem::new(field::URGENCY, "bad_priority").arg("value", u));
                }
                got
            }
        };
        let due_date = match self.due_date.trim() {
            "" => None,
            d => match parse_iso_date(d) {
                None => {
                    p.push(Problem::new(field::DUE_DATE, "due_date_invalid"));
                    None
                }
                Some(d) if d < today => {
                    p.push(Problem::new(field::DUE_DATE, "due_date_past"));
                    None
                }
                Some(d) => Some(d),
            },
        };
        if !p.is_empty() {
            return Err(p.into_vec());
        }
        let (Some(doc_type), Some(urgency)) = (doc_type, urgency) else {
            return Err(vec![Problem::missing("doc_type")]);
        };
        Ok(OutgoingDraft {
            doc_type,
            subject,
            summary,
            signer_name,
            signer_position,
            recipients,
            urgency,
            due_date,
        })
    }
}

/// Where an outgoing document stands in its agency's register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutgoingState {
    Draft,
    Numbered,
    Sent,
    Revoked,
}

impl OutgoingState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutgoingState::Draft => "draft",
            OutgoingState::Numbered => "numbered",
            OutgoingState::Sent => "sent",
            OutgoingState::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<OutgoingState> {
        [
            OutgoingState::Draft,
            OutgoingState::Numbered,
            OutgoingState::Sent,
            OutgoingState::Revoked,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// Draft → numbered → sent → revoked; nothing else.
    pub fn may_become(self, next: OutgoingState) -> bool {
        use OutgoingState::*;
        matches!(
            (self, next),
            (Draft, Numbered) | (Numbered, Sent) | (Sent, Revoked)
        )
    }
}

/// What a clerk or a leader does to an incoming document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncomingAction {
    /// Register it (03).
    Register,
    /// Reject it with a reason (02).
    Reject { reason: String },
    /// Assign it to a department or a person (04); again while assigned to reassign.
    Assign { to: String },
    /// The assignee starts handling it (05).
    Handle,
    /// Done (06).
    Close,
    /// Give it back as the sender asked (15): the entry is withdrawn.
    GiveBack,
    /// Keep it although the sender asked for it back (16), with a reason.
    KeepIt { reason: String },
    /// Take the update the sender sent (15): the entry takes its subject and due date.
    AcceptUpdate,
    /// Refuse the update the sender sent (16), with a reason.
    RefuseUpdate { reason: String },
}

impl IncomingAction {
    /// The status code the action leads to (the one sent back to the sender).
    pub fn target(&self) -> StatusCode {
        match self {
            IncomingAction::Register => StatusCode::Accepted,
            IncomingAction::Reject { .. } => StatusCode::Rejected,
            IncomingAction::Assign { .. } => StatusCode::Assigned,
            IncomingAction::Handle => StatusCode::InProgress,
            IncomingAction::Close => StatusCode::Done,
            IncomingAction::GiveBack => StatusCode::Agreed,
            IncomingAction::KeepIt { .. } => StatusCode::Refused,
            IncomingAction::AcceptUpdate => StatusCode::Agreed,
            IncomingAction::RefuseUpdate { .. } => StatusCode::Refused,
        }
    }

    /// An answer to an update the sender sent: it leaves the status (01–06) as it is.
    pub fn answers_update(&self) -> bool {
        matches!(
            self,
            IncomingAction::AcceptUpdate | IncomingAction::RefuseUpdate { .. }
        )
    }

    /// An answer to the sender's request to take the document back: it leaves the register's
    /// status (01–06) as it is.
    pub fn answers_take_back(&self) -> bool {
        matches!(
            self,
            IncomingAction::GiveBack | IncomingAction::KeepIt { .. }
        )
    }

    pub fn name(&self) -> &'static str {
        match self {
            IncomingAction::Register => "register",
            IncomingAction::Reject { .. } => "reject",
            IncomingAction::Assign { .. } => "assign",
            IncomingAction::Handle => "handle",
            IncomingAction::Close => "close",
            IncomingAction::GiveBack => "give_back",
            IncomingAction::KeepIt { .. } => "keep",
            IncomingAction::AcceptUpdate => "accept_update",
            IncomingAction::RefuseUpdate { .. } => "refuse_update",
        }
    }
}

/// An impossible move in the incoming register.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an incoming document at status {from} cannot move to {to}")]
pub struct BadTransition {
    pub from: StatusCode,
    pub to: StatusCode,
}

/// The incoming register's lifecycle: received (01) → registered (03) or rejected (02); registered
/// → assigned (04); assigned → assigned again (reassigned) or in handling (05); in handling → done
/// (06). Rejected and done are final. Any other move is an error.
pub fn incoming_next(from: StatusCode, to: StatusCode) -> Result<StatusCode, BadTransition> {
    use StatusCode::*;
    let ok = matches!(
        (from, to),
        (Arrived, Accepted)
            | (Arrived, Rejected)
            | (Accepted, Assigned)
            | (Assigned, Assigned)
            | (Assigned, InProgress)
            | (InProgress, Done)
    );
    if ok {
        Ok(to)
    } else {
        Err(BadTransition { from, to })
    }
}

/// The statuses an incoming document may hold.
pub const INCOMING_STATES: [StatusCode; 6] = [
    StatusCode::Arrived,
    StatusCode::Rejected,
    StatusCode::Accepted,
    StatusCode::Assigned,
    StatusCode::InProgress,
    StatusCode::Done,
];

/// Whether a status ends the incoming lifecycle.
pub fn is_final(s: StatusCode) -> bool {
    matches!(s, StatusCode::Rejected | StatusCode::Done)
}

impl IncomingAction {
    /// The action checked: its text (reason, assignee) and the move from `from`.
    pub fn check(&self, from: StatusCode) -> Result<StatusCode, Vec<Problem>> {
        let mut p = Problems::default();
        match self {
            IncomingAction::Reject { reason }
            | IncomingAction::KeepIt { reason }
            | IncomingAction::RefuseUpdate { reason } => {
                text(&mut p, "reason", reason, true, NOTE_MAX, true);
            }
            IncomingAction::Assign { to } => {
                text(&mut p, "assignee", to, true, NAME_MAX, false);
            }
            _ => {}
        }
        if self.answers_take_back() || self.answers_update() {
            // Checked against the entry's request by the engine.
        } else if let Err(e) = incoming_next(from, self.target()) {
            p.push(
                Problem::new("", "transition_invalid")
                    .arg("from", e.from.code())
                    .arg("to", e.to.code()),
            );
        }
        if p.is_empty() {
            Ok(self.target())
        } else {
            Err(p.into_vec())
        }
    }
}

/// The due date `working_days` working days after `received` (Monday–Friday, minus the holiday
/// calendar's days off).
pub fn due_in_working_days(cal: &HolidayCalendar, received: Date, working_days: u32) -> Date {
    cal.add_working_days(received, working_days)
}

/// Overdue: the due date has passed and the document is not finished.
pub fn is_overdue(due: Option<Date>, status: StatusCode, today: Date) -> bool {
    due.is_some_and(|d| today > d) && !is_final(status)
}

/// Incoming documents in the order a clerk works them: urgent ones first (most urgent first),
/// then overdue, then the newest.
pub fn incoming_order(a: (Priority, bool, i64), b: (Priority, bool, i64)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2))
}

/// The largest attachment of a register entry, in bytes.
pub const ATTACHMENT_MAX: u64 = 20 * 1024 * 1024;

/// What a register accepts as an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum AttachmentKind {
    Pdf,
    Docx,
    Xlsx,
}

impl AttachmentKind {
    pub fn content_type(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "application/pdf",
            AttachmentKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            AttachmentKind::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

fn has(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// The kind of an attachment, judged by its bytes, not its name: a PDF starts with `%PDF-`; a
/// DOCX or an XLSX is a ZIP (`PK\x03\x04`) holding `word/document.xml` or `xl/workbook.xml`. The
/// name's extension must agree. Anything else (and an empty or too large file) is refused.
pub fn attachment_kind(name: &str, bytes: &[u8]) -> Result<AttachmentKind, Problem> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(Problem::new(field::FILE, "attachment_name_invalid"));
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == '/' || c == '\\')
    {
        return Err(Problem::new(field::FILE, "attachment_name_invalid"));
    }
    if bytes.len() as u64 > ATTACHMENT_MAX {
        return Err(Problem::new(field::FILE, "attachment_too_large")
            .arg("max", ATTACHMENT_MAX.to_string()));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let kind = if bytes.starts_with(b"%PDF-") {
        Some(AttachmentKind::Pdf)
    } else if bytes.starts_with(b"PK\x03\x04") && has(bytes, b"word/document.xml") {
        Some(AttachmentKind::Docx)
    } else if bytes.starts_with(b"PK\x03\x04") && has(bytes, b"xl/workbook.xml") {
        Some(AttachmentKind::Xlsx)
    } else {
        None
    };
    let agrees = matches!(
        (kind, ext.as_str()),
        (Some(AttachmentKind::Pdf), "pdf")
            | (Some(AttachmentKind::Docx), "docx")
            | (Some(AttachmentKind::Xlsx), "xlsx")
    );
    match kind {
        Some(k) if agrees => Ok(k),
        _ => Err(Problem::new(field::FILE, "attachment_type")),
    }
}

impl fmt::Display for DocType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_vi())
    }
}

/// The Vietnamese name of an urgency (Thường, Khẩn, Thượng khẩn, Hỏa tốc).
pub fn urgency_vi(p: Priority) -> &'static str {
    match p {
        Priority::Normal => "Thường",
        Priority::Urgent => "Khẩn",
        Priority::VeryUrgent => "Thượng khẩn",
        Priority::Immediate => "Hỏa tốc",
    }
}

#[cfg(test)]
mod tests;
