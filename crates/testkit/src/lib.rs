//! egov's test kit (dev-only): a real router on a fresh database (SQLite file, or a PostgreSQL
//! database cloned from a migrated template), one HTTP [`Client`] that keeps cookies and fills in
//! the CSRF field like a browser, the `on_both!` macro and story helpers.
//!
//! The kit depends on `platform` and `registry` only, never on the binary (`egov`) or on a
//! capability: each test binary passes its [`Wiring`] (how to connect, which routers, which audit
//! checks, what to check when an app closes), so `reporting`'s tests build the app from
//! `reporting::router()` without a dependency cycle through the binary.
#![forbid(unsafe_code)]

mod app;
pub mod authenticator;
pub mod stories;

pub use app::*;
