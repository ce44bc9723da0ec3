//! Dossiers (hồ sơ) as the national exchange knows them: statuses 1–10, the channel a dossier
//! came in by, and its code (handling agency's identifier + date received + sequence).

use std::fmt;

use time::Date;

/// A dossier's status, numbered exactly as the national portal's exchange numbers them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 1 — Mới đăng ký: newly registered (submitted, not yet checked by the desk).
    Registered,
    /// 2 — Được tiếp nhận: accepted by the desk.
    Accepted,
    /// 3 — Không được tiếp nhận: refused at the desk (form 03).
    NotAccepted,
    /// 4 — Đang xử lý: being processed.
    Processing,
    /// 5 — Yêu cầu bổ sung giấy tờ: additional papers requested (form 02); the clock stops.
    AdditionRequested,
    /// 6 — Yêu cầu thực hiện nghĩa vụ tài chính: fees or taxes to pay.
    PaymentRequested,
    /// 7 — Công dân yêu cầu rút hồ sơ: withdrawn at the applicant's request.
    Withdrawn,
    /// 8 — Dừng xử lý: processing stopped.
    Stopped,
    /// 9 — Đã xử lý xong: processed.
    Processed,
    /// 10 — Đã trả kết quả: result returned.
    Returned,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Registered,
        Status::Accepted,
        Status::NotAccepted,
        Status::Processing,
        Status::AdditionRequested,
        Status::PaymentRequested,
        Status::Withdrawn,
        Status::Stopped,
        Status::Processed,
        Status::Returned,
    ];

    /// The number the national exchange uses (1–10).
    pub fn number(self) -> u8 {
        Status::ALL
            .iter()
            .position(|s| *s == self)
            .map_or(0, |i| i as u8 + 1)
    }

    pub fn from_number(n: i64) -> Option<Status> {
        usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| Status::ALL.get(i).copied())
    }

    /// Whether the dossier's life has ended (nothing more happens to it).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::NotAccepted | Status::Withdrawn | Status::Stopped | Status::Returned
        )
    }
}

/// The channel a dossier came in by (the national exchange's numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 1 — at the one-stop desk, in person.
    Desk,
    /// 2 — online, through the portal.
    Online,
    /// 3 — by the public postal service.
    Post,
}

impl Channel {
    pub fn number(self) -> u8 {
        match self {
            Channel::Desk => 1,
            Channel::Online => 2,
            Channel::Post => 3,
        }
    }

    pub fn from_number(n: i64) -> Option<Channel> {
        match n {
            1 => Some(Channel::Desk),
            2 => Some(Channel::Online),
            3 => Some(Channel::Post),
            _ => None,
        }
    }
}

/// A dossier's code: the handling agency's identifier, the date received (`yyMMdd`) and a
/// sequence number of that agency and day (`000.00.00.H38-261203-0001`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DossierCode(String);

impl DossierCode {
    pub fn new(agency: &str, received: Date, seq: u32) -> DossierCode {
        DossierCode(format!(
            "{agency}-{:02}{:02}{:02}-{seq:04}",
            received.year() % 100,
            u8::from(received.month()),
            received.day()
        ))
    }

    /// A code as stored or typed (trimmed, upper case); `None` when it cannot be one.
    pub fn parse(s: &str) -> Option<DossierCode> {
        let t = s.trim().to_ascii_uppercase();
        let mut parts = t.rsplitn(3, '-');
        let seq = parts.next()?;
        let day = parts.next()?;
        let agency = parts.next()?;
        let ok = seq.len() >= 4
            && seq.bytes().all(|b| b.is_ascii_digit())
            && day.len() == 6
            && day.bytes().all(|b| b.is_ascii_digit())
            && !agency.is_empty()
            && agency.len() <= 40
            && agency
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.');
        ok.then_some(DossierCode(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn statuses_are_numbered_as_the_exchange_numbers_them() {
        for (i, s) in Status::ALL.iter().enumerate() {
            assert_eq!(usize::from(s.number()), i + 1);
            assert_eq!(Status::from_number(i as i64 + 1), Some(*s));
        }
        assert_eq!(Status::from_number(0), None);
        assert_eq!(Status::from_number(11), None);
        assert_eq!(Status::AdditionRequested.number(), 5);
        assert_eq!(Status::Returned.number(), 10);
    }

    #[test]
    fn dossier_codes() {
        let c = DossierCode::new("000.00.00.H38", date!(2026 - 12 - 03), 7);
        assert_eq!(c.as_str(), "000.00.00.H38-261203-0007");
        assert_eq!(DossierCode::parse(" 000.00.00.h38-261203-0007 "), Some(c));
        for bad in [
            "",
            "H38-2612-0001",
            "000.00.00.H38-261203-01",
            "-261203-0001",
            "a b-261203-0001",
        ] {
            assert_eq!(DossierCode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn channels() {
        for n in 1..=3 {
            assert_eq!(
                Channel::from_number(n).map(|c| i64::from(c.number())),
                Some(n)
            );
        }
        assert_eq!(Channel::from_number(4), None);
    }
}

/// A dossier as stored. Instants are Unix ms; dates are Việt Nam calendar days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dossier {
    pub id: i64,
    /// Set when submitted (a draft has none).
    pub code: Option<String>,
    pub version_id: i64,
    pub procedure_code: String,
    pub procedure_name: String,
    pub field_code: String,
    pub agency_id: i64,
    pub channel: Channel,
    /// `None`: a draft.
    pub status: Option<Status>,
    pub applicant: Applicant,
    pub lang: platform::i18n::Lang,
    pub summary: String,
    /// The online form's answers (a JSON object).
    pub form_data: serde_json::Value,
    pub fee_vnd: i64,
    pub fee_paid: bool,
    pub holder_user_id: Option<i64>,
    pub holder_note: String,
    /// The last reason given (refusal, missing papers, stop, withdrawal).
    pub reason: String,
    pub received_at: Option<i64>,
    pub due_date: Option<time::Date>,
    /// The clock stands still since this day (papers or fees awaited).
    pub stopped_on: Option<time::Date>,
    pub finished_at: Option<i64>,
    pub returned_at: Option<i64>,
    pub on_time: Option<bool>,
    pub result_sha256: Option<String>,
    pub result_name: Option<String>,
    /// How many events the timeline holds.
    pub events: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Who filed a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Applicant {
    pub user_id: Option<i64>,
    /// A business acting through its representative (identified by its tax code).
    pub business: bool,
    /// The personal identity number or the tax code.
    pub identifier: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address: String,
}

/// One step of a dossier's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    /// 0: a draft.
    pub status_from: i64,
    pub status_to: i64,
    pub note: String,
}

/// A filed paper or the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierFile {
    pub id: i64,
    pub result: bool,
    pub name: String,
    pub sha256: String,
    pub size: i64,
    pub added_at: i64,
}

/// An identity number as lists show it: the first four and last two digits (`0010******45`).
pub fn mask(identifier: &str) -> String {
    let chars: Vec<char> = identifier.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < 4 || i >= chars.len() - 2 {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

#[cfg(test)]
mod mask_tests {
    #[test]
    fn identity_numbers_are_masked_in_lists() {
        assert_eq!(super::mask("001090000045"), "0010******45");
        assert_eq!(super::mask("0101234567"), "0101****67");
        assert_eq!(super::mask("12345"), "*****");
    }
}
