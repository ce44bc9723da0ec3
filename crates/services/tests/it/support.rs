//! The wiring of services' tests.

use platform::config::Config;
use platform::db::Db;
pub use testkit::{BoxFuture, TestApp, Wiring};

pub static WIRING: Wiring = Wiring {
    name: "services",
    connect,
    router,
    openapi: || serde_json::json!({}),
    audit_checks,
    on_close,
    template: tokio::sync::OnceCell::const_new(),
};

fn connect(config: &Config) -> BoxFuture<'_, anyhow::Result<Db>> {
    Box::pin(async move {
        let db = testkit::connect_and_migrate(config).await?;
        reporting::store::series::ensure(&db).await?;
        reporting::engine::trail::start(&db).await?;
        Ok(db)
    })
}

pub fn router(state: platform::web::AppState) -> axum::Router {
    platform::web::app(
        state,
        vec![registry::router(), reporting::router(), services::router()],
    )
}

fn audit_checks() -> platform::audit::Checks {
    let mut checks = platform::audit::Checks::default();
    reporting::engine::trail::register(&mut checks);
    checks
}

fn on_close(_app: &TestApp) -> BoxFuture<'_, ()> {
    Box::pin(async {})
}
