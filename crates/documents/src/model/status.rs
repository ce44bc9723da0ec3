//! Where a document stands at a recipient, and what kind of business a package carries.

use std::fmt;

/// The status codes every public implementation of the axis uses (two digits on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum StatusCode {
    /// 01: arrived at the recipient's system; no clerk has acted yet.
    Arrived,
    /// 02: rejected at receipt (with a reason).
    Rejected,
    /// 03: accepted and registered as incoming.
    Accepted,
    /// 04: assigned for handling.
    Assigned,
    /// 05: being handled.
    InProgress,
    /// 06: done.
    Done,
    /// 13: the sender asks to take the document back.
    TakeBackRequested,
    /// 15: the recipient agrees to the update, take-back or revocation.
    Agreed,
    /// 16: the recipient refuses the update or take-back.
    Refused,
}

impl StatusCode {
    pub const ALL: [StatusCode; 9] = [
        StatusCode::Arrived,
        StatusCode::Rejected,
        StatusCode::Accepted,
        StatusCode::Assigned,
        StatusCode::InProgress,
        StatusCode::Done,
        StatusCode::TakeBackRequested,
        StatusCode::Agreed,
        StatusCode::Refused,
    ];

    /// The two digits on the wire.
    pub fn code(self) -> &'static str {
        match self {
            StatusCode::Arrived => "01",
            StatusCode::Rejected => "02",
            StatusCode::Accepted => "03",
            StatusCode::Assigned => "04",
            StatusCode::InProgress => "05",
            StatusCode::Done => "06",
            StatusCode::TakeBackRequested => "13",
            StatusCode::Agreed => "15",
            StatusCode::Refused => "16",
        }
    }

    /// From the wire: "01" or "1" (some senders drop the leading zero).
    pub fn parse(s: &str) -> Option<StatusCode> {
        let t = s.trim();
        let t = if t.len() == 1 {
            format!("0{t}")
        } else {
            t.to_owned()
        };
        StatusCode::ALL.into_iter().find(|c| c.code() == t)
    }

    /// The message key of its name (locales: `documents.status_01` …).
    pub fn message_key(self) -> String {
        format!("documents.status_{}", self.code())
    }

    /// Whether a recipient's document may move from `self` to `next` (the incoming register's
    /// workflow: 01 → 02 | 03 → 04 → 05 → 06; 15/16 answer a take-back request at any point).
    pub fn may_follow_with(self, next: StatusCode) -> bool {
        use StatusCode::*;
        match next {
            Agreed | Refused | TakeBackRequested => true,
            Arrived => false,
            Rejected | Accepted => self == Arrived,
            Assigned => matches!(self, Accepted | Assigned),
            InProgress => matches!(self, Assigned | InProgress),
            Done => matches!(self, Assigned | InProgress),
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What a package does to a document (`BussinessDocType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum BusinessType {
    /// 0: a new document.
    New,
    /// 1: revokes a document sent before.
    Revoke,
    /// 2: updates a document sent before (to the listed receivers).
    Update,
    /// 3: replaces documents sent before.
    Replace,
}

impl BusinessType {
    pub fn code(self) -> u8 {
        match self {
            BusinessType::New => 0,
            BusinessType::Revoke => 1,
            BusinessType::Update => 2,
            BusinessType::Replace => 3,
        }
    }

    pub fn parse(s: &str) -> Option<BusinessType> {
        match s.trim() {
            "0" => Some(BusinessType::New),
            "1" => Some(BusinessType::Revoke),
            "2" => Some(BusinessType::Update),
            "3" => Some(BusinessType::Replace),
            _ => None,
        }
    }
}

/// Urgency (`OtherInfo/Priority`): normal, Khẩn, Thượng khẩn, Hỏa tốc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Priority {
    Normal,
    Urgent,
    VeryUrgent,
    Immediate,
}

impl Priority {
    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn parse(s: &str) -> Option<Priority> {
        match s.trim() {
            "0" => Some(Priority::Normal),
            "1" => Some(Priority::Urgent),
            "2" => Some(Priority::VeryUrgent),
            "3" => Some(Priority::Immediate),
            _ => None,
        }
    }

    /// Whether Decree 30/2020 wants it registered at once.
    pub fn is_urgent(self) -> bool {
        self != Priority::Normal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_round_trip_and_accept_a_dropped_zero() {
        for c in StatusCode::ALL {
            assert_eq!(StatusCode::parse(c.code()), Some(c));
        }
        assert_eq!(StatusCode::parse("3"), Some(StatusCode::Accepted));
        for bad in ["", "00", "07", "14", "1a", "001"] {
            assert_eq!(StatusCode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_incoming_workflow_moves_forward_only() {
        use StatusCode::*;
        assert!(Arrived.may_follow_with(Accepted));
        assert!(Arrived.may_follow_with(Rejected));
        assert!(Accepted.may_follow_with(Assigned));
        assert!(Assigned.may_follow_with(Done));
        assert!(!Arrived.may_follow_with(Done));
        assert!(!Rejected.may_follow_with(Accepted));
        assert!(!Done.may_follow_with(InProgress));
        assert!(Done.may_follow_with(Agreed));
    }
}
