//! services' integration tests: one binary, the real router (platform, registry, services) on
//! real databases. `on_both!` stories run on SQLite and on PostgreSQL.

mod support;

use testkit::on_both;

mod admin;
mod catalogue;
mod desk_page;
mod dossiers;
mod forms;
mod my_dossiers;
mod notices;
mod payments;
mod ratings;
mod slips;
mod sqi;
mod sync;
