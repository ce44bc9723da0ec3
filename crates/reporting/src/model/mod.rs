//! The domain's types and rules, no I/O.

pub mod series;
