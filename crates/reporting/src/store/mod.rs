//! Every SQL statement of the crate, one file per table group; other crates' tables only through
//! their crate's API (the registry's units and agencies through `registry::store`).

pub mod catalogue;
pub mod data;
pub mod demo;
pub mod holidays;
pub mod series;
pub mod targets;
pub mod templates;
pub mod units;
pub mod validation_rules;
