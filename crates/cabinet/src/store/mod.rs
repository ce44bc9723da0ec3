//! Every SQL statement of the e-Cabinet (migration 0038), one file per group of tables.

pub mod bodies;
pub mod forms;
pub mod notices;
pub mod passkeys;
pub mod polls;
pub mod sessions;

use platform::db::{DbError, DbResult};

/// A stored code that does not parse: a corrupt row, never a default.
pub(crate) fn parse<T>(what: &str, code: &str, f: impl Fn(&str) -> Option<T>) -> DbResult<T> {
    f(code).ok_or_else(|| DbError::Decode {
        column: what.to_owned(),
        problem: format!("unknown code {code:?}"),
    })
}
