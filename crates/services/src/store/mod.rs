//! Every SQL statement of the services crate (shared text for SQLite and PostgreSQL; `$N`
//! placeholders). Other crates' tables only through their crates' APIs.

pub mod dossiers;
pub mod payments;
pub mod procedures;
pub mod ratings;
pub mod sync;
