//! services' integration tests: one binary, the real router (platform, registry, reporting,
//! services) on real databases. `on_both!` stories run on SQLite and on PostgreSQL.

mod support;

mod notices;
mod payments;
mod ratings;
mod sync;
