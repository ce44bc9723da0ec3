//! egov's integration tests: one binary, the real router on real databases. Stories marked
//! `on_both!` run on SQLite and on PostgreSQL; PostgreSQL and browser tests are ignored by plain
//! `cargo test` (it lists them as ignored) and run by `scripts/test`.

mod support;

mod access_matrix;
mod audit_chain;
mod browser;
mod bulk;
mod catalogue;
mod cli;
mod crash;
mod identity_flows;
mod jobs_and_nodes;
mod limits;
mod registry_stories;
mod reporting_stories;
mod sdmx;
mod templates;
mod web_shell;
