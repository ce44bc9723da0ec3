//! The kinds and states of the e-Cabinet's records. Each is stored as its code and parsed back:
//! a stored code that does not parse is a corrupt row, never a default.

macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($code => Some($name::$v),)+ _ => None }
            }
        }
    };
}

coded!(
    /// Whose collective body this is.
    BodyKind {
        /// The Government (Chính phủ).
        Government = "government",
        /// A ministry's leadership (Lãnh đạo Bộ).
        Ministry = "ministry",
        /// A provincial People's Committee (Ủy ban nhân dân tỉnh).
        ProvinceCommittee = "province_committee",
        /// A provincial People's Council (Hội đồng nhân dân tỉnh).
        ProvinceCouncil = "province_council",
    }
);

coded!(
    /// An opinion form's life.
    FormStatus {
        /// Being drafted by the lead agency.
        Draft = "draft",
        /// Sent to the chair for approval.
        Submitted = "submitted",
        /// Approved by the chair and issued to the members; answers are taken until the deadline.
        Issued = "issued",
        /// Past the deadline: answers are frozen; the synthesis is final.
        Closed = "closed",
        /// The chair concluded and the resolution was issued.
        Concluded = "concluded",
    }
);

coded!(
    /// A member's answer to an opinion form.
    Answer {
        Agree = "agree",
        Disagree = "disagree",
        /// Another opinion, in the member's words.
        Other = "other",
    }
);

coded!(
    /// The kind of a session.
    SessionKind {
        Regular = "regular",
        Thematic = "thematic",
        Urgent = "urgent",
    }
);

coded!(
    /// A session's life.
    SessionStatus {
        Planned = "planned",
        Open = "open",
        Closed = "closed",
    }
);

coded!(
    /// A member's mark on an agenda item before the session (Estonia's e-Cabinet).
    Mark {
        NoObjection = "no_objection",
        Objection = "objection",
        Speak = "speak",
    }
);

coded!(
    /// How a member takes part in a session.
    Presence {
        Room = "room",
        Remote = "remote",
        /// A deputy attends for the absent member.
        Substitute = "substitute",
        Absent = "absent",
    }
);

coded!(
    /// An agenda item's state.
    ItemStatus {
        Pending = "pending",
        /// Adopted together at the opening: nobody objected or asked to speak.
        AdoptedTogether = "adopted_together",
        Discussed = "discussed",
    }
);

coded!(
    /// A ballot's choice.
    Choice {
        Yes = "yes",
        No = "no",
        Abstain = "abstain",
    }
);

coded!(
    /// A poll's life.
    PollStatus {
        Open = "open",
        Closed = "closed",
    }
);

coded!(
    /// What a paper of an opinion form's dossier is.
    PaperKind {
        /// The draft (dự thảo).
        Draft = "draft",
        /// The lead agency's submission (tờ trình).
        Submission = "submission",
        /// The appraisal report (báo cáo thẩm định).
        Appraisal = "appraisal",
        Other = "other",
    }
);

impl Presence {
    /// Present for the quorum (a substitute counts as the member's presence only when the body's
    /// substitutes vote; see `engine::sessions`).
    pub fn attends(self) -> bool {
        matches!(self, Presence::Room | Presence::Remote)
    }
}

impl Choice {
    pub fn side(self) -> super::rules::Side {
        match self {
            Choice::Yes => super::rules::Side::For,
            Choice::No => super::rules::Side::Against,
            Choice::Abstain => super::rules::Side::Neither,
        }
    }
}

impl Answer {
    pub fn side(self) -> super::rules::Side {
        match self {
            Answer::Agree => super::rules::Side::For,
            Answer::Disagree => super::rules::Side::Against,
            Answer::Other => super::rules::Side::Neither,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back() {
        for k in BodyKind::ALL {
            assert_eq!(BodyKind::parse(k.code()), Some(*k));
        }
        for k in Mark::ALL {
            assert_eq!(Mark::parse(k.code()), Some(*k));
        }
        for k in Choice::ALL {
            assert_eq!(Choice::parse(k.code()), Some(*k));
        }
        assert_eq!(Choice::parse("Yes"), None);
        assert_eq!(FormStatus::parse(""), None);
    }
}
