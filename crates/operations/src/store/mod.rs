//! Every SQL statement of the operations center (its own tables only; indicator data comes
//! through `reporting::query`).

pub mod briefs;
