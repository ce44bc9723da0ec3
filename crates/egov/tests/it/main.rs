//! egov's integration tests: one binary, the real router on real databases. Stories marked
//! `on_both!` run on SQLite and on PostgreSQL; PostgreSQL and browser tests are ignored by plain
//! `cargo test` (it lists them as ignored) and run by `scripts/test`.

mod support;

mod access_data;
mod access_matrix;
mod api_contract;
mod audit_chain;
mod browser;
mod bulk;
mod catalogue;
mod cli;
mod coverage;
mod crash;
mod dhis2;
mod edge_input;
mod explanations;
mod first_start;
mod future_periods;
mod identity_flows;
mod jobs_and_nodes;
mod limits;
mod open_data;
mod reference_data;
mod registry_stories;
mod reporting_stories;
mod sdmx;
mod signin_landing;
mod signin_security;
mod templates;
mod values;
mod web_shell;
