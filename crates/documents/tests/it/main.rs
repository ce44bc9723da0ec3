//! documents' integration tests: one binary, the real router (platform, registry, documents) on
//! real databases. `on_both!` stories run on SQLite and on PostgreSQL; `files_s3` runs the axis
//! on the local S3 server `scripts/test` starts (ignored without `EGOV_TEST_S3_ENDPOINT`).

mod support;

use testkit::on_both;

mod axis_api;
mod endpoint;
mod files_s3;
mod office;
mod registers;
