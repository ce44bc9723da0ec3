//! documents' integration tests: one binary, the real router (platform, registry, documents) on
//! real databases. `on_both!` stories run on SQLite and on PostgreSQL.

mod support;

use testkit::on_both;

mod axis_api;
mod endpoint;
mod office;
mod registers;
