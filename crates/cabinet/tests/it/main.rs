//! The e-Cabinet's integration tests: one binary, the real router (platform, registry, cabinet)
//! on real databases, passkeys answered by a software authenticator through the real
//! `webauthn-rs` ceremonies. `on_both!` stories run on SQLite and on PostgreSQL.

mod support;

use testkit::on_both;

mod forms;
mod sessions;
