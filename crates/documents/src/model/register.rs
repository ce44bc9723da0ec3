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
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            IncomingAction::Register => "register",
            IncomingAction::Reject { .. } => "reject",
            IncomingAction::Assign { .. } => "assign",
            IncomingAction::Handle => "handle",
            IncomingAction::Close => "close",
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
            IncomingAction::Reject { reason } => {
                text(&mut p, "reason", reason, true, NOTE_MAX, true);
            }
            IncomingAction::Assign { to } => {
                text(&mut p, "assignee", to, true, NAME_MAX, false);
            }
            _ => {}
        }
        if let Err(e) = incoming_next(from, self.target()) {
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
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn g22() -> AgencyId {
        AgencyId::parse("G22").unwrap()
    }

    fn form() -> DraftForm {
        DraftForm {
            doc_type: "2".into(),
            subject: "Về việc triển khai Nghị định 30".into(),
            summary: "Nội dung".into(),
            signer_name: "Nguyễn Văn A".into(),
            signer_position: "Chủ tịch".into(),
            recipients: "000.00.00.H41\nH42".into(),
            urgency: "1".into(),
            due_date: "2026-12-31".into(),
        }
    }

    #[test]
    fn there_are_29_types_with_decree_30_abbreviations() {
        assert_eq!(DocType::all().count(), 29);
        let qd = DocType::from_name("quyết định").unwrap();
        assert_eq!(qd.code(), 2);
        assert_eq!(notation(qd, "UBND"), "QĐ-UBND");
        let cv = DocType::from_name("Công văn").unwrap();
        assert_eq!(notation(cv, "UBND"), "UBND");
        assert_eq!(code_display(15, &notation(qd, "UBND")), "15/QĐ-UBND");
        assert_eq!(code_display(1, "UBND"), "01/UBND");
        assert_eq!(code_display(123, "UBND"), "123/UBND");
        assert!(DocType::from_code(0).is_none() && DocType::from_code(30).is_none());
    }

    #[test]
    fn a_complete_form_is_a_draft() {
        let d = form().check(&g22(), date!(2026 - 12 - 02)).unwrap();
        assert_eq!(d.doc_type.name_vi(), "Quyết định");
        assert_eq!(d.recipients.len(), 2);
        assert_eq!(d.urgency, Priority::Urgent);
        assert_eq!(d.due_date, Some(date!(2026 - 12 - 31)));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let f = DraftForm {
            doc_type: "Thư tình".into(),
            subject: "a\u{7}b".into(),
            summary: "ă".repeat(TEXT_MAX + 1),
            signer_name: String::new(),
            signer_position: " ".into(),
            recipients: "H41, G22, 000.00.00.H41, nope".into(),
            urgency: "4".into(),
            due_date: "2026-02-30".into(),
        };
        let got = f.check(&g22(), date!(2026 - 12 - 02)).unwrap_err();
        let pairs: Vec<(&str, &str)> = got
            .iter()
            .map(|p| (p.path.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("doc_type", "unknown_doc_type"),
                ("subject", "control_character"),
                ("summary", "too_long"),
                ("signer_name", "required"),
                ("signer_position", "required"),
                ("recipients", "recipient_is_sender"),
                ("recipients", "duplicate_recipient"),
                ("recipients", "bad_agency_id"),
                ("urgency", "bad_priority"),
                ("due_date", "due_date_invalid"),
            ]
        );
        let mut past = form();
        past.due_date = "2026-12-01".into();
        assert_eq!(
            past.check(&g22(), date!(2026 - 12 - 02)).unwrap_err()[0].code,
            "due_date_past"
        );
    }

    #[test]
    fn the_incoming_lifecycle_moves_forward_only() {
        use StatusCode::*;
        let path = [Accepted, Assigned, InProgress, Done];
        let mut s = Arrived;
        for next in path {
            s = incoming_next(s, next).unwrap();
        }
        assert_eq!(s, Done);
        assert!(incoming_next(Arrived, Rejected).is_ok());
        assert_eq!(
            incoming_next(Arrived, Done),
            Err(BadTransition {
                from: Arrived,
                to: Done
            })
        );
        assert!(incoming_next(Rejected, Accepted).is_err());
        assert!(incoming_next(Done, InProgress).is_err());
        let e = IncomingAction::Reject {
            reason: String::new(),
        }
        .check(Accepted)
        .unwrap_err();
        let codes: Vec<&str> = e.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["required", "transition_invalid"]);
    }

    #[test]
    fn due_dates_skip_weekends_and_holidays_and_overdue_needs_an_open_document() {
        let mut cal = HolidayCalendar::default();
        cal.holidays.insert(date!(2026 - 09 - 02));
        // Monday 31 August 2026 + 3 working days: Tue 1, (Wed 2 holiday), Thu 3, Fri 4.
        assert_eq!(
            due_in_working_days(&cal, date!(2026 - 08 - 31), 3),
            date!(2026 - 09 - 04)
        );
        // Friday + 1: Monday.
        assert_eq!(
            due_in_working_days(&cal, date!(2026 - 09 - 04), 1),
            date!(2026 - 09 - 07)
        );
        let due = Some(date!(2026 - 09 - 04));
        assert!(is_overdue(due, StatusCode::Assigned, date!(2026 - 09 - 05)));
        assert!(!is_overdue(
            due,
            StatusCode::Assigned,
            date!(2026 - 09 - 04)
        ));
        assert!(!is_overdue(due, StatusCode::Done, date!(2026 - 09 - 05)));
        assert!(!is_overdue(
            None,
            StatusCode::Arrived,
            date!(2030 - 01 - 01)
        ));
    }

    #[test]
    fn urgent_documents_come_first_then_overdue_then_newest() {
        let mut v = vec![
            (Priority::Normal, false, 5),
            (Priority::Normal, true, 1),
            (Priority::Immediate, false, 2),
            (Priority::Urgent, false, 9),
        ];
        v.sort_by(|a, b| incoming_order(*a, *b));
        assert_eq!(
            v,
            [
                (Priority::Immediate, false, 2),
                (Priority::Urgent, false, 9),
                (Priority::Normal, true, 1),
                (Priority::Normal, false, 5),
            ]
        );
    }

    #[test]
    fn attachments_are_judged_by_their_bytes() {
        let pdf = b"%PDF-1.7\n...";
        let docx = b"PK\x03\x04....word/document.xml....";
        let xlsx = b"PK\x03\x04....xl/workbook.xml....";
        assert_eq!(attachment_kind("a.pdf", pdf), Ok(AttachmentKind::Pdf));
        assert_eq!(
            attachment_kind("Tờ trình.DOCX", docx),
            Ok(AttachmentKind::Docx)
        );
        assert_eq!(attachment_kind("b.xlsx", xlsx), Ok(AttachmentKind::Xlsx));
        for (name, bytes) in [
            ("a.pdf", &b"MZ\x90\x00 not a pdf"[..]),
            ("a.docx", &pdf[..]),
            ("a.exe", &pdf[..]),
            ("a.xlsx", &docx[..]),
            ("a.zip", &b"PK\x03\x04 plain zip"[..]),
            ("a.pdf", &b""[..]),
        ] {
            assert_eq!(
                attachment_kind(name, bytes).unwrap_err().code,
                "attachment_type",
                "{name}"
            );
        }
        assert_eq!(
            attachment_kind("../x.pdf", pdf).unwrap_err().code,
            "attachment_name_invalid"
        );
    }

    fn status() -> impl Strategy<Value = StatusCode> {
        prop::sample::select(INCOMING_STATES.to_vec())
    }

    proptest! {
        /// Numbers of a year are 1, 2, 3, … with no gap and no repeat, and every one is written
        /// with two digits at least and reads back as itself.
        #[test]
        fn numbering_is_dense_and_reads_back(k in 1usize..300) {
            let mut last = None;
            let mut seen = std::collections::BTreeSet::new();
            for i in 1..=k {
                let n = next_number(last);
                prop_assert_eq!(n as usize, i);
                prop_assert!(seen.insert(n));
                let s = format_number(n);
                prop_assert!(s.len() >= 2);
                prop_assert_eq!(s.parse::<u32>().unwrap(), n);
                last = Some(n);
            }
        }

        /// Distinct numbers under one notation give distinct codes.
        #[test]
        fn codes_are_unique_per_number(a in 1u32..100_000, b in 1u32..100_000, t in 1u32..=29) {
            let n = notation(DocType::from_code(t).unwrap(), "UBND");
            prop_assert_eq!(a == b, code_display(a, &n) == code_display(b, &n));
        }

        /// Any sequence of moves, applied where allowed: the state only ever moves along the
        /// lifecycle, final states never change, and each refused move is exactly a pair
        /// outside the table.
        #[test]
        fn transitions_follow_the_lifecycle(moves in prop::collection::vec(status(), 0..20)) {
            let rank = |s: StatusCode| match s {
                StatusCode::Arrived => 0,
                StatusCode::Accepted | StatusCode::Rejected => 1,
                StatusCode::Assigned => 2,
                StatusCode::InProgress => 3,
                _ => 4,
            };
            let mut s = StatusCode::Arrived;
            for m in moves {
                match incoming_next(s, m) {
                    Ok(n) => {
                        prop_assert!(!is_final(s));
                        prop_assert!(rank(n) >= rank(s));
                        prop_assert!(rank(n) <= rank(s) + 1);
                        prop_assert!(s.may_follow_with(n));
                        s = n;
                    }
                    Err(e) => {
                        prop_assert_eq!(e, BadTransition { from: s, to: m });
                    }
                }
            }
        }
    }
}
