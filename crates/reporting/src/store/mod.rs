//! Every SQL statement of the crate, one file per table group.

pub mod data;
pub mod series;
