//! egov's integration tests: one binary, the real router on real databases. Stories marked
//! `on_both!` run on SQLite and on PostgreSQL; PostgreSQL and browser tests are ignored by plain
//! `cargo test` (it lists them as ignored) and run by `scripts/test`.

mod support;

use testkit::on_both;

mod access_matrix;
mod api_contract;
mod api_docs;
mod audit_chain;
mod audit_page;
mod axis_processes;
mod browser;
mod cabinet_crash;
mod catalogue_cli;
mod cli;
mod crash;
mod edge_input;
mod first_start;
mod jobs_and_nodes;
mod limits;
mod open_data;
mod reference_data;
mod signin_landing;
mod web_shell;
