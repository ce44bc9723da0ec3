//! The domain's types and rules, without I/O: periods, formulas, numbers as typed, workflow
//! states, outliers and validation rules. Nothing here reads a database or knows HTTP.

pub mod formula;
pub mod number;
pub mod outlier;
pub mod period;
pub mod rules;
pub mod status;
pub mod submission;
