//! What may happen to a dossier in each status: the one-stop desk's actions and the
//! applicant's, as a pure function from (status, action) to the next status.
//!
//! ```text
//!  draft ─submit→ 1 ─accept→ 2 ─transfer→ 4 ─approve→ 9 ─return→ 10
//!                 └refuse→ 3   (2|4) ─request papers→ 5 ─papers added→ 4
//!                              (2|4) ─request fees→ 6 ─fees paid→ 4
//!  (1|2|4|5|6) ─withdraw→ 7 (at the applicant's request)   (2|4|5|6) ─stop→ 8
//! ```
//! A paper dossier recorded at the desk (channel 1 or 3) starts accepted (2).

use super::dossier::Status;

/// A dossier's state before it is a national dossier: a draft the applicant returns to.
pub const DRAFT: i64 = 0;

/// Something done to a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Accept,
    Refuse,
    Transfer,
    RequestPapers,
    PapersAdded,
    RequestFees,
    FeesPaid,
    Approve,
    Return,
    Withdraw,
    Stop,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::Accept,
        Action::Refuse,
        Action::Transfer,
        Action::RequestPapers,
        Action::PapersAdded,
        Action::RequestFees,
        Action::FeesPaid,
        Action::Approve,
        Action::Return,
        Action::Withdraw,
        Action::Stop,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Refuse => "refuse",
            Action::Transfer => "transfer",
            Action::RequestPapers => "request_papers",
            Action::PapersAdded => "papers_added",
            Action::RequestFees => "request_fees",
            Action::FeesPaid => "fees_paid",
            Action::Approve => "approve",
            Action::Return => "return",
            Action::Withdraw => "withdraw",
            Action::Stop => "stop",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.code() == s)
    }

    /// Whether the action needs a reason (refusal, missing papers, stop, withdrawal).
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            Action::Refuse | Action::RequestPapers | Action::Stop | Action::Withdraw
        )
    }

    /// Who takes it: the applicant (adds papers, withdraws) or the desk (the rest); fees are
    /// settled by the payment gateway's callback or recorded at the desk.
    pub fn by_applicant(self) -> bool {
        matches!(self, Action::PapersAdded | Action::Withdraw)
    }

    /// Actions that need an approver (a leader), not only the desk's processing role.
    pub fn needs_approver(self) -> bool {
        matches!(self, Action::Approve | Action::Stop)
    }
}

/// Why an action is refused in a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{action:?} is not possible in status {from:?}")]
pub struct NotNow {
    pub action: Action,
    pub from: Status,
}

/// The status after `action` in status `from`.
pub fn next(from: Status, action: Action) -> Result<Status, NotNow> {
    use Action as A;
    use Status as S;
    let to = match (from, action) {
        (S::Registered, A::Accept) => S::Accepted,
        (S::Registered, A::Refuse) => S::NotAccepted,
        (S::Accepted | S::Processing, A::Transfer) => S::Processing,
        (S::Accepted | S::Processing, A::RequestPapers) => S::AdditionRequested,
        (S::AdditionRequested, A::PapersAdded) => S::Processing,
        (S::Accepted | S::Processing, A::RequestFees) => S::PaymentRequested,
        (S::PaymentRequested, A::FeesPaid) => S::Processing,
        (S::Processing, A::Approve) => S::Processed,
        (S::Processed, A::Return) => S::Returned,
        (
            S::Registered
            | S::Accepted
            | S::Processing
            | S::AdditionRequested
            | S::PaymentRequested,
            A::Withdraw,
        ) => S::Withdrawn,
        (S::Accepted | S::Processing | S::AdditionRequested | S::PaymentRequested, A::Stop) => {
            S::Stopped
        }
        _ => return Err(NotNow { action, from }),
    };
    Ok(to)
}

/// The actions possible in `from` (for the pages' buttons).
pub fn possible(from: Status) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| next(from, *a).is_ok())
        .collect()
}

/// Whether the clock stands still in `s`: while the applicant completes the papers (5) or pays
/// the fees (6), the time is not counted against the agency (Decree 61/2018, Art. 19).
pub fn clock_stopped(s: Status) -> bool {
    matches!(s, Status::AdditionRequested | Status::PaymentRequested)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path_and_its_detours() {
        let mut s = Status::Registered;
        for a in [
            Action::Accept,
            Action::Transfer,
            Action::RequestPapers,
            Action::PapersAdded,
            Action::RequestFees,
            Action::FeesPaid,
            Action::Approve,
            Action::Return,
        ] {
            s = next(s, a).unwrap();
        }
        assert_eq!(s, Status::Returned);
        assert_eq!(
            next(Status::Registered, Action::Refuse),
            Ok(Status::NotAccepted)
        );
        assert!(next(Status::Processed, Action::Withdraw).is_err());
        assert!(next(Status::Registered, Action::Approve).is_err());
        assert_eq!(possible(Status::Processed), [Action::Return]);
    }

    fn any_status() -> impl Strategy<Value = Status> {
        prop::sample::select(Status::ALL.to_vec())
    }

    fn any_action() -> impl Strategy<Value = Action> {
        prop::sample::select(Action::ALL.to_vec())
    }

    proptest! {
        /// Nothing leaves a final status; nothing reaches 1 or 2 again; 10 only from 9; 9 only
        /// from 4; every action names where it may go.
        #[test]
        fn no_illegal_transition(from in any_status(), action in any_action()) {
            match next(from, action) {
                Ok(to) => {
                    prop_assert!(!from.is_final());
                    prop_assert!(to != Status::Registered);
                    prop_assert!(to != Status::Accepted || from == Status::Registered);
                    prop_assert!(to != Status::Returned || from == Status::Processed);
                    prop_assert!(to != Status::Processed || from == Status::Processing);
                    prop_assert!(to != Status::NotAccepted || from == Status::Registered);
                    prop_assert!(possible(from).contains(&action));
                }
                Err(e) => {
                    prop_assert_eq!(e, NotNow { action, from });
                    prop_assert!(!possible(from).contains(&action));
                }
            }
        }

        /// Any sequence of actions applied where possible ends in a status reachable by the
        /// rules, and a final status absorbs everything after it.
        #[test]
        fn final_statuses_absorb(actions in prop::collection::vec(any_action(), 0..30)) {
            let mut s = Status::Registered;
            for a in actions {
                if s.is_final() {
                    prop_assert!(next(s, a).is_err());
                } else if let Ok(t) = next(s, a) {
                    s = t;
                }
            }
        }
    }
}
