//! The reporting domain's types and rules, without I/O: periods, formulas, indicators and
//! templates, numbers as typed, workflow states, outliers and validation rules. Nothing here
//! reads a database or knows HTTP.

pub mod access;
pub mod breakdown;
pub mod calendar;
pub mod format;
pub mod formula;
pub mod indicator;
pub mod number;
pub mod outlier;
pub mod period;
pub mod rules;
pub mod series;
pub mod status;
pub mod submission;
pub mod target;
pub mod template;
pub mod warning;
pub mod worklist;
