//! platform's integration tests: one binary, the platform's router (with the registry, whose
//! units are the scopes of grants) on real databases. `on_both!` stories run on SQLite and on
//! PostgreSQL (ignored without `EGOV_TEST_POSTGRES_URL`; `scripts/test` runs them). The file
//! store's S3 tests (`files_s3`) need the local S3 server `scripts/test` starts
//! (`EGOV_TEST_S3_ENDPOINT`), and are ignored without it.

mod support;

use testkit::on_both;

mod admin_forms;
mod citizen;
mod extract;
mod files_s3;
mod http_client;
mod identity_flows;
mod signin_security;
mod sms;
