//! The workflow state of a report (trạng thái báo cáo): draft → submitted → approved (locked) or
//! returned with a reason → resubmitted; and what a sender asks to do with its values.

use serde::Serialize;

/// Workflow state of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    Approved,
    Returned,
}

/// A stored text that names no [`Status`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report status {0:?}")]
pub struct UnknownStatus(pub String);

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Draft,
        Status::Submitted,
        Status::Approved,
        Status::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Can a reporter change values (without a correction)?
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }
}

impl std::str::FromStr for Status {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Status, UnknownStatus> {
        Status::parse(s).ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// What to do with the values sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SaveDraft,
    Submit,
    /// Change approved values, with a reason.
    Correct,
}

impl Action {
    /// The state a report in `status` is left in by this action.
    pub fn leaves(self, status: Status) -> Status {
        match self {
            Action::SaveDraft => status,
            Action::Submit => Status::Submitted,
            Action::Correct => Status::Approved,
        }
    }

    /// Does a report in `status` already stand where this action would leave it (so that the
    /// same values sent again change nothing)?
    pub fn already_in(self, status: Status) -> bool {
        match self {
            Action::SaveDraft => status.is_editable(),
            Action::Submit => matches!(status, Status::Submitted | Status::Approved),
            Action::Correct => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_corrupt_ones_are_errors() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(s));
        }
        assert_eq!(
            "aproved".parse::<Status>(),
            Err(UnknownStatus("aproved".into()))
        );
    }
}
