//! Every SQL statement of the operations center.

pub mod dashboards;
