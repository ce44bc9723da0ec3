//! The reporting domain's types and rules, without I/O: no database, no HTTP.

pub mod access;
pub mod breakdown;
pub mod calendar;
pub mod format;
pub mod indicator;
pub mod series;
pub mod target;
pub mod template;
