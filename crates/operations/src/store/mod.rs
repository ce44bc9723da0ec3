//! Every SQL statement of the operations center, one file per group of its own tables (indicator
//! data comes through `reporting::query`).

pub mod alerts;
pub mod briefs;
pub mod conferences;
pub mod dashboards;
pub mod sites;
