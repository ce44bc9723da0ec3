//! Every SQL statement of the operations center, one file per group of tables.

pub mod alerts;
