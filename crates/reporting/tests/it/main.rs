//! reporting's integration tests: one binary, the real router (platform, registry, reporting) on
//! real databases. Stories marked `on_both!` run on SQLite and on PostgreSQL; PostgreSQL tests
//! are ignored by plain `cargo test` (it lists them as ignored) and run by `scripts/test`.

mod kept;
mod support;

use testkit::on_both;

mod access_data;
mod bulk;
mod catalogue;
mod coverage;
mod dhis2;
mod explanations;
mod future_periods;
mod live;
mod pages;
mod reporting_stories;
mod sdmx;
mod templates;
mod values;
mod warnings;
mod worklist;
