//! How the binary's tests build the app: exactly as `egov serve` does (`egov::connect`,
//! `egov::router`, `egov::audit_checks`), on the shared test kit.

use platform::config::Config;
use platform::db::Db;
pub use testkit::{BoxFuture, Client, Req, Res, TestApp, Wiring};
pub use testkit::{TEST_AUDIT_KEY, TEST_TOTP_KEY, fresh_database, test_audit_key, test_totp_key};

/// Reporting's check of its kept tables, the one copy (in reporting's tests).
#[path = "../../../reporting/tests/it/kept.rs"]
mod kept;

pub static WIRING: Wiring = Wiring {
    name: "egov",
    connect,
    router: egov::router,
    openapi: egov::openapi_json,
    audit_checks: egov::audit_checks,
    on_close,
    template: tokio::sync::OnceCell::const_new(),
};

fn connect(config: &Config) -> BoxFuture<'_, anyhow::Result<Db>> {
    Box::pin(egov::connect(config))
}

fn on_close(app: &TestApp) -> BoxFuture<'_, ()> {
    Box::pin(kept::assert_series_kept(&app.db))
}
