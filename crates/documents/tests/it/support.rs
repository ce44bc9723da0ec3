//! The wiring of documents' tests.

use platform::config::Config;
use platform::db::Db;
pub use testkit::{BoxFuture, TestApp, Wiring};

pub static WIRING: Wiring = Wiring {
    name: "documents",
    connect,
    router,
    openapi: || serde_json::json!({}),
    audit_checks: platform::audit::Checks::default,
    on_close,
    template: tokio::sync::OnceCell::const_new(),
};

fn connect(config: &Config) -> BoxFuture<'_, anyhow::Result<Db>> {
    Box::pin(async move { testkit::connect_and_migrate(config).await })
}

pub fn router(state: platform::web::AppState) -> axum::Router {
    platform::web::app(
        state,
        vec![registry::router(), documents::registers_router()],
    )
}

fn on_close(_app: &TestApp) -> BoxFuture<'_, ()> {
    Box::pin(async {})
}
