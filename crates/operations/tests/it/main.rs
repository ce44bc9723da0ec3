//! operations' integration tests: one binary, the real router (platform, registry, reporting,
//! operations) on real databases. `on_both!` stories run on SQLite and on PostgreSQL.

mod support;

use testkit::on_both;

mod alerts;
mod api;
mod brief;
mod cameras;
mod conferences;
mod map;
mod overview;
mod pages;
mod sites;
mod sites_health;
mod wall;
mod widgets;
