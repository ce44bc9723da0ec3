//! An official document's metadata (Decree 30/2020/NĐ-CP) as the axis carries it, and the rules
//! the law makes on it. The parts the law requires — issuing agency, number and notation, date,
//! type, subject, signer, recipients — are plain fields; a [`Draft`] (what a package or a form
//! gave, every field optional) becomes a [`Document`] only when all of them are there and valid.

use time::Date;

use super::agency::AgencyId;
use super::problem::{Problem, Problems};
use super::status::Priority;

/// The longest subject (trích yếu) accepted, in characters.
pub const SUBJECT_MAX: usize = 500;
/// The longest free text of any other field, in characters.
pub const TEXT_MAX: usize = 2000;
/// The most recipients of one document.
pub const RECIPIENTS_MAX: usize = 1000;

/// An agency as a package names it (`From`, `To`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Organization {
    pub organ_id: Option<AgencyId>,
    pub organization_in_charge: Option<String>,
    pub organ_name: Option<String>,
    pub organ_add: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub fax: Option<String>,
    pub website: Option<String>,
}

/// Số and ký hiệu: `7816` and `VPCP-TTĐT`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentCode {
    pub number: String,
    pub notation: String,
}

impl DocumentCode {
    /// `7816/VPCP-TTĐT`.
    pub fn display(&self) -> String {
        format!("{}/{}", self.number, self.notation)
    }
}

/// Who signed, with which competence (`TL. BỘ TRƯỞNG`) and position.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Signer {
    pub competence: Option<String>,
    pub position: Option<String>,
    pub full_name: Option<String>,
}

/// The document this one answers (`ResponseFor`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResponseFor {
    pub organ_id: Option<String>,
    pub code: Option<String>,
    pub promulgation_date: Option<Date>,
    pub document_id: Option<String>,
}

/// `OtherInfo`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OtherInfo {
    pub priority: Option<Priority>,
    pub sphere_of_promulgation: Option<String>,
    pub typer_notation: Option<String>,
    pub promulgation_amount: Option<u32>,
    pub page_amount: Option<u32>,
    pub direction: Option<String>,
    pub appendixes: Vec<String>,
}

/// What a package or a form gave: every field optional, checked by [`Draft::check`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Draft {
    pub from: Option<Organization>,
    pub to: Vec<Organization>,
    pub document_id: Option<String>,
    pub code_number: Option<String>,
    pub code_notation: Option<String>,
    pub place: Option<String>,
    pub promulgation_date: Option<Date>,
    pub type_code: Option<u32>,
    pub type_detail: Option<u32>,
    pub type_name: Option<String>,
    pub subject: Option<String>,
    pub content: Option<String>,
    pub signer: Signer,
    pub due_date: Option<Date>,
    pub to_places: Vec<String>,
    pub other: OtherInfo,
    pub response_for: Vec<ResponseFor>,
    pub steering_type: Option<u8>,
}

/// A document with every part the law requires.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub from: Organization,
    pub sender: AgencyId,
    pub recipients: Vec<AgencyId>,
    pub code: DocumentCode,
    pub promulgation_date: Date,
    pub type_name: String,
    pub subject: String,
    pub signer_name: String,
    pub priority: Priority,
    /// Everything else, as given.
    pub draft: Draft,
}

/// `<OrganId>,<yyyy/MM/dd>,<number>/<notation>`: how the axis names a document.
pub fn document_id(sender: &AgencyId, date: Date, code: &DocumentCode) -> String {
    format!(
        "{},{:04}/{:02}/{:02},{}",
        sender,
        date.year(),
        u8::from(date.month()),
        date.day(),
        code.display()
    )
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Draft {
    /// Every problem at once (at most [`Problems::MAX`]), or the document.
    pub fn check(self) -> Result<Document, Vec<Problem>> {
        let mut p = Problems::default();
        let from = self.from.clone().unwrap_or_default();
        let sender = from.organ_id.clone();
        if self.from.is_none() {
            p.push(Problem::missing("MessageHeader/From"));
        } else {
            if sender.is_none() {
                p.push(Problem::missing("MessageHeader/From/OrganId"));
            }
            if present(&from.organ_name).is_none() {
                p.push(Problem::missing("MessageHeader/From/OrganName"));
            }
        }
        if self.to.is_empty() {
            p.push(Problem::missing("MessageHeader/To"));
        }
        if self.to.len() > RECIPIENTS_MAX {
            p.push(
                Problem::new("MessageHeader/To", "too_many_recipients")
                    .arg("max", RECIPIENTS_MAX.to_string()),
            );
        }
        let mut recipients: Vec<AgencyId> = Vec::new();
        for (i, t) in self.to.iter().enumerate() {
            let at = format!("MessageHeader/To[{}]/OrganId", i + 1);
            match &t.organ_id {
                None => p.push(Problem::missing(&at)),
                Some(id) if recipients.iter().any(|r| r.same_agency(id)) => {
                    p.push(Problem::new(&at, "duplicate_recipient").arg("organ_id", id.to_string()))
                }
                Some(id) => recipients.push(id.clone()),
            }
        }
        if let (Some(s), false) = (&sender, recipients.is_empty())
            && recipients.iter().any(|r| r.same_agency(s))
        {
            p.push(Problem::new("MessageHeader/To", "recipient_is_sender"));
        }
        let number = present(&self.code_number);
        let notation = present(&self.code_notation);
        if number.is_none() {
            p.push(Problem::missing("MessageHeader/Code/CodeNumber"));
        }
        if notation.is_none() {
            p.push(Problem::missing("MessageHeader/Code/CodeNotation"));
        }
        if self.promulgation_date.is_none() {
            p.push(Problem::missing(
                "MessageHeader/PromulgationInfo/PromulgationDate",
            ));
        }
        let type_name = present(&self.type_name);
        if type_name.is_none() {
            p.push(Problem::missing("MessageHeader/DocumentType/TypeName"));
        }
        match present(&self.subject) {
            None => p.push(Problem::missing("MessageHeader/Subject")),
            Some(s) if s.chars().count() > SUBJECT_MAX => p.push(
                Problem::new("MessageHeader/Subject", "too_long")
                    .arg("max", SUBJECT_MAX.to_string()),
            ),
            Some(_) => {}
        }
        if present(&self.signer.full_name).is_none() {
            p.push(Problem::missing("MessageHeader/SignerInfo/FullName"));
        }
        if let (Some(given), Some(s), Some(d), Some(n), Some(t)) = (
            present(&self.document_id),
            &sender,
            self.promulgation_date,
            number,
            notation,
        ) {
            let code = DocumentCode {
                number: n.to_owned(),
                notation: t.to_owned(),
            };
            if !same_document_id(given, s, d, &code) {
                p.push(
                    Problem::new("MessageHeader/DocumentId", "document_id_mismatch")
                        .arg("expected", document_id(s, d, &code)),
                );
            }
        }
        if !p.is_empty() {
            return Err(p.into_vec());
        }
        // Every unwrap below was checked above.
        let (Some(sender), Some(date)) = (sender, self.promulgation_date) else {
            return Err(vec![Problem::missing("MessageHeader/From/OrganId")]);
        };
        Ok(Document {
            code: DocumentCode {
                number: number.unwrap_or_default().to_owned(),
                notation: notation.unwrap_or_default().to_owned(),
            },
            type_name: type_name.unwrap_or_default().to_owned(),
            subject: present(&self.subject).unwrap_or_default().to_owned(),
            signer_name: present(&self.signer.full_name)
                .unwrap_or_default()
                .to_owned(),
            priority: self.other.priority.unwrap_or(Priority::Normal),
            from,
            sender,
            recipients,
            promulgation_date: date,
            draft: self,
        })
    }
}

/// Whether a given `DocumentId` names this sender, date and code (the sender in either form).
fn same_document_id(given: &str, sender: &AgencyId, date: Date, code: &DocumentCode) -> bool {
    let mut parts = given.splitn(3, ',');
    let (Some(id), Some(day), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(id) = AgencyId::parse(id) else {
        return false;
    };
    let day_ok = super::time::parse_date(day.trim()).is_ok_and(|d| d == date);
    id.same_agency(sender) && day_ok && rest.trim() == code.display()
}

impl Document {
    /// The axis's name for it (the sender in the form it was given).
    pub fn id(&self) -> String {
        self.draft
            .document_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| document_id(&self.sender, self.promulgation_date, &self.code))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn org(id: &str, name: &str) -> Organization {
        Organization {
            organ_id: Some(AgencyId::parse(id).unwrap()),
            organ_name: Some(name.into()),
            ..Default::default()
        }
    }

    pub(crate) fn draft() -> Draft {
        Draft {
            from: Some(org("000.00.00.G22", "Văn phòng Chính phủ")),
            to: vec![org("000.00.00.H41", "UBND tỉnh Nghệ An")],
            document_id: Some("000.00.00.G22,2025/09/30,7816/VPCP-TTĐT".into()),
            code_number: Some("7816".into()),
            code_notation: Some("VPCP-TTĐT".into()),
            promulgation_date: Some(time::macros::date!(2025 - 09 - 30)),
            type_name: Some("Công văn".into()),
            subject: Some("V/v triển khai Nghị định 30".into()),
            signer: Signer {
                full_name: Some("Nguyễn Văn A".into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_draft_is_a_document() {
        let d = draft().check().unwrap();
        assert_eq!(d.id(), "000.00.00.G22,2025/09/30,7816/VPCP-TTĐT");
        assert_eq!(d.recipients.len(), 1);
        assert_eq!(d.priority, Priority::Normal);
    }

    #[test]
    fn every_missing_required_part_is_named() {
        let got = Draft::default().check().unwrap_err();
        let paths: Vec<&str> = got.iter().map(|p| p.path.as_str()).collect();
        for want in [
            "MessageHeader/From",
            "MessageHeader/To",
            "MessageHeader/Code/CodeNumber",
            "MessageHeader/Code/CodeNotation",
            "MessageHeader/PromulgationInfo/PromulgationDate",
            "MessageHeader/DocumentType/TypeName",
            "MessageHeader/Subject",
            "MessageHeader/SignerInfo/FullName",
        ] {
            assert!(paths.contains(&want), "{want} not in {paths:?}");
        }
    }

    #[test]
    fn duplicates_the_sender_as_recipient_and_a_wrong_document_id_are_refused() {
        let mut d = draft();
        d.to.push(org("H41", "Nghệ An again"));
        d.to.push(org("G22", "the sender"));
        d.document_id = Some("000.00.00.G22,2025/09/29,7816/VPCP-TTĐT".into());
        let codes: Vec<String> = d.check().unwrap_err().into_iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            [
                "duplicate_recipient",
                "recipient_is_sender",
                "document_id_mismatch"
            ]
        );
        let mut long = draft();
        long.subject = Some("ă".repeat(SUBJECT_MAX + 1));
        assert_eq!(long.check().unwrap_err()[0].code, "too_long");
    }

    #[test]
    fn the_document_id_may_name_the_sender_in_either_form() {
        let mut d = draft();
        d.document_id = Some("G22,30/09/2025,7816/VPCP-TTĐT".into());
        assert!(d.check().is_ok());
    }
}
