//! The e-Cabinet's use cases, each one transaction with its audit entry: bodies and members,
//! passkeys, opinion forms, sessions and polls, the checks of `egov cabinet verify`, the
//! reference bodies and the jobs (closing forms at their deadline, reminders).

pub mod bodies;
pub mod forms;
pub mod jobs;
pub mod passkeys;
pub mod polls;
pub mod reference;
pub mod sessions;
pub mod verify;

use platform::db::DbError;

/// Why a use case refused; each has a stable code (`cab_<code>` in the locale files).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("not found")]
    NotFound,
    /// The caller's role in the body does not allow it (only the chair approves, only members answer).
    #[error("not allowed in this body")]
    NotAllowed,
    #[error("not in a state that allows it")]
    WrongState,
    #[error("the deadline has passed: answers are frozen")]
    Frozen,
    #[error("{field}: {code}")]
    Invalid {
        field: &'static str,
        code: &'static str,
    },
    #[error("no passkey registered")]
    NoPasskey,
    #[error("the passkey confirmation was refused: {0}")]
    Passkey(String),
    #[error("the passkey confirmation expired or was already used")]
    Ceremony,
    #[error("this member already voted differently")]
    AlreadyVoted,
    #[error("the member's Ed25519 signature is missing or wrong")]
    MemberSignature,
    #[error("no quorum: {present} present, {needed} needed")]
    NoQuorum { present: u32, needed: u32 },
    #[error("a poll is already open")]
    PollOpen,
    #[error("file: {0}")]
    File(String),
}

impl Error {
    /// The stable code (`cab_…`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Db(_) => "cab_internal",
            Error::NotFound => "cab_not_found",
            Error::NotAllowed => "cab_not_allowed",
            Error::WrongState => "cab_wrong_state",
            Error::Frozen => "cab_frozen",
            Error::Invalid { code, .. } => code,
            Error::NoPasskey => "cab_no_passkey",
            Error::Passkey(_) => "cab_passkey_refused",
            Error::Ceremony => "cab_ceremony",
            Error::AlreadyVoted => "cab_already_voted",
            Error::MemberSignature => "cab_member_signature",
            Error::NoQuorum { .. } => "cab_no_quorum",
            Error::PollOpen => "cab_poll_open",
            Error::File(_) => "cab_file",
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Longest title, in characters.
pub const MAX_TITLE: usize = 300;
/// Longest question, draft, conclusion or minutes, in characters.
pub const MAX_TEXT: usize = 20_000;

/// A required single-line text of at most `max` characters, trimmed; control characters refused.
pub fn line(field: &'static str, s: &str, max: usize) -> Result<String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Error::Invalid {
            field,
            code: "cab_required",
        });
    }
    if s.chars().count() > max {
        return Err(Error::Invalid {
            field,
            code: "cab_too_long",
        });
    }
    if s.chars().any(char::is_control) {
        return Err(Error::Invalid {
            field,
            code: "cab_control_chars",
        });
    }
    Ok(s.to_owned())
}

/// A text of at most `max` characters (line breaks and tabs allowed), trimmed; may be empty
/// when `required` is false.
pub fn text(field: &'static str, s: &str, max: usize, required: bool) -> Result<String> {
    let s = s.trim().replace("\r\n", "\n");
    if required && s.is_empty() {
        return Err(Error::Invalid {
            field,
            code: "cab_required",
        });
    }
    if s.chars().count() > max {
        return Err(Error::Invalid {
            field,
            code: "cab_too_long",
        });
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::Invalid {
            field,
            code: "cab_control_chars",
        });
    }
    Ok(s)
}

/// The live topic of a session's pages.
pub fn session_topic(session_id: i64) -> String {
    format!("cabinet.session.{session_id}")
}

/// The live topic of an opinion form's pages.
pub fn form_topic(form_id: i64) -> String {
    format!("cabinet.form.{form_id}")
}

impl From<Error> for platform::Fault {
    fn from(e: Error) -> Self {
        match e {
            Error::Db(d) => platform::Fault::from(d),
            other => platform::Fault::other(other),
        }
    }
}
